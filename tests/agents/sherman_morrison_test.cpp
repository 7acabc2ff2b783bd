#include "engine/agents/sherman_morrison.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"

using namespace lusifer;

namespace {

// The inverse of a symmetric positive definite matrix by Gauss-Jordan
// elimination with partial pivoting, in double: the reference.
std::vector<double> direct_inverse(std::vector<double> a, std::size_t d) {
  std::vector<double> inv(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i)
    inv[i * d + i] = 1.0;
  for (std::size_t c = 0; c < d; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < d; ++r)
      if (std::fabs(a[r * d + c]) > std::fabs(a[pivot * d + c]))
        pivot = r;
    for (std::size_t k = 0; k < d; ++k) {
      std::swap(a[c * d + k], a[pivot * d + k]);
      std::swap(inv[c * d + k], inv[pivot * d + k]);
    }
    const double p = a[c * d + c];
    for (std::size_t k = 0; k < d; ++k) {
      a[c * d + k] /= p;
      inv[c * d + k] /= p;
    }
    for (std::size_t r = 0; r < d; ++r) {
      if (r == c)
        continue;
      const double f = a[r * d + c];
      for (std::size_t k = 0; k < d; ++k) {
        a[r * d + k] -= f * a[c * d + k];
        inv[r * d + k] -= f * inv[c * d + k];
      }
    }
  }
  return inv;
}

struct Case {
  std::vector<double> a;  // ridge * I + sum x x^T, in double
  std::vector<float> m;   // its inverse, kept by Sherman-Morrison
};

// Feeds `updates` random feature vectors (about half their entries zero,
// like item features) to both a direct accumulation of A and the rank-one
// updates of A^-1.
Case run_updates(std::size_t d, int updates, bool sparse, std::uint64_t seed) {
  const double ridge = 1.0;
  Case c{std::vector<double>(d * d, 0.0), std::vector<float>(d * d)};
  for (std::size_t i = 0; i < d; ++i)
    c.a[i * d + i] = ridge;
  set_scaled_identity(c.m, d, static_cast<float>(1.0 / ridge));
  Rng rng(seed);
  std::vector<float> scratch(d);
  for (int u = 0; u < updates; ++u) {
    std::vector<float> x(d, 0.0f);
    std::vector<std::uint8_t> indices;
    std::vector<float> values;
    for (std::size_t i = 0; i < d; ++i) {
      if (i == 0 || rng.bernoulli(0.5)) {
        x[i] = static_cast<float>(rng.normal(0.0, 0.7));
        indices.push_back(static_cast<std::uint8_t>(i));
        values.push_back(x[i]);
      }
    }
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t k = 0; k < d; ++k)
        c.a[r * d + k] += static_cast<double>(x[r]) * x[k];
    const float denominator = sparse
                                  ? sherman_morrison_update_sparse(c.m, d, indices, values, scratch)
                                  : sherman_morrison_update(c.m, d, x, scratch);
    CHECK(denominator >= 1.0f);
  }
  return c;
}

// `count` random sparse observations of dimension d: entry 0 always, each
// other entry with probability 0.4, values ~ N(0, 0.7); residuals ~ N(0, 1)
// when `residuals`, else 0. The observations view the index and value lists.
struct SparseBatch {
  std::vector<std::vector<std::uint8_t>> indices;
  std::vector<std::vector<float>> values;
  std::vector<SparseObservation> observations;
};

SparseBatch random_sparse_batch(std::size_t d, std::size_t count, Rng& rng, bool residuals) {
  SparseBatch batch;
  batch.indices.resize(count);
  batch.values.resize(count);
  for (std::size_t t = 0; t < count; ++t) {
    for (std::size_t i = 0; i < d; ++i) {
      if (i == 0 || rng.bernoulli(0.4)) {
        batch.indices[t].push_back(static_cast<std::uint8_t>(i));
        batch.values[t].push_back(static_cast<float>(rng.normal(0.0, 0.7)));
      }
    }
    const float residual = residuals ? static_cast<float>(rng.normal()) : 0.0f;
    batch.observations.push_back(
        {batch.indices[t].data(), batch.values[t].data(), batch.indices[t].size(), residual});
  }
  return batch;
}

}  // namespace

TEST_CASE("Sherman-Morrison updates match a direct inverse", "[agents][sherman-morrison]") {
  // 3 and 5 take the plain loops, the multiples of 8 the unrolled blocks.
  for (const std::size_t d : {3u, 5u, 8u, 16u, 24u, 32u, 40u}) {
    for (const bool sparse : {false, true}) {
      CAPTURE(d, sparse);
      const Case c = run_updates(d, 60, sparse, 100 + d);
      const std::vector<double> expected = direct_inverse(c.a, d);
      double worst = 0;
      for (std::size_t k = 0; k < d * d; ++k)
        worst = std::max(worst, std::fabs(expected[k] - c.m[k]));
      CHECK(worst < 2e-4);
      // Symmetric by construction.
      for (std::size_t r = 0; r < d; ++r)
        for (std::size_t k = 0; k < d; ++k)
          REQUIRE(c.m[r * d + k] == c.m[k * d + r]);
    }
  }
}

TEST_CASE("The sparse update is the dense update, bit for bit", "[agents][sherman-morrison]") {
  for (const std::size_t d : {5u, 24u}) {
    const Case dense = run_updates(d, 30, false, 7);
    const Case sparse = run_updates(d, 30, true, 7);
    CHECK(dense.m == sparse.m);
  }
}

TEST_CASE("A batch of observations learns as its updates one by one, bit for bit",
          "[agents][sherman-morrison]") {
  for (const std::size_t d : {5u, 24u}) {
    CAPTURE(d);
    Rng rng(11 + d);
    const SparseBatch random = random_sparse_batch(d, 7, rng, true);
    const std::vector<SparseObservation>& batch = random.observations;
    std::vector<float> m(d * d), b(d, 0.25f), scratch(d);
    set_scaled_identity(m, d, 0.5f);
    std::vector<float> m1 = m, b1 = b;
    for (const SparseObservation& o : batch) {
      sherman_morrison_update_sparse(m1, d, {o.indices, o.size}, {o.values, o.size}, scratch);
      for (std::size_t k = 0; k < o.size; ++k)
        b1[o.indices[k]] += o.residual * o.values[k];
    }
    sherman_morrison_learn(m, d, batch, b, scratch);
    CHECK(m == m1);
    CHECK(b == b1);
  }
}

TEST_CASE("Quadratic forms of a shortlist are the sparse product's, bit for bit",
          "[agents][sherman-morrison]") {
  for (const std::size_t d : {5u, 24u}) {
    CAPTURE(d);
    const Case c = run_updates(d, 20, true, 5);
    Rng rng(21 + d);
    const SparseBatch random = random_sparse_batch(d, 5, rng, false);
    const std::vector<SparseObservation>& xs = random.observations;
    const auto& indices = random.indices;
    const auto& values = random.values;
    std::vector<float> forms(xs.size()), y(d);
    quadratic_forms_sparse(c.m, d, xs, forms, y);
    for (std::size_t t = 0; t < xs.size(); ++t) {
      symmetric_times_sparse(c.m, d, indices[t], values[t], y);
      float form = 0.0f;
      for (std::size_t k = 0; k < indices[t].size(); ++k)
        form += values[t][k] * y[indices[t][k]];
      CHECK(forms[t] == form);
      CHECK(form > 0.0f);
    }
  }
}

TEST_CASE("Symmetric products match the naive product", "[agents][sherman-morrison]") {
  for (const std::size_t d : {5u, 24u}) {
    const Case c = run_updates(d, 10, false, 3);
    std::vector<float> x(d), y(d), ys(d);
    std::vector<std::uint8_t> indices;
    std::vector<float> values;
    for (std::size_t i = 0; i < d; ++i) {
      x[i] = (i % 3 == 0) ? 0.0f : 0.1f * static_cast<float>(i);
      if (x[i] != 0.0f) {
        indices.push_back(static_cast<std::uint8_t>(i));
        values.push_back(x[i]);
      }
    }
    symmetric_times(c.m, d, x, y);
    symmetric_times_sparse(c.m, d, indices, values, ys);
    for (std::size_t r = 0; r < d; ++r) {
      double naive = 0;
      for (std::size_t k = 0; k < d; ++k)
        naive += static_cast<double>(c.m[r * d + k]) * x[k];
      CHECK(y[r] == Approx(naive).margin(1e-5));
      CHECK(ys[r] == y[r]);
    }
  }
}

TEST_CASE("A packed matrix holds the upper triangle row by row and unpacks to the same floats",
          "[agents][sherman-morrison]") {
  CHECK(packed_size(24) == 300);
  CHECK(packed_offset(24, 0) == 0);
  CHECK(packed_offset(24, 1) == 24);
  CHECK(packed_offset(24, 2) == 47);
  CHECK(packed_offset(24, 23) == 299);
  // Multiples of 8 unpack by blocks of 8 x 8, other sizes element by element.
  for (const std::size_t d : {1u, 5u, 8u, 13u, 24u, 40u}) {
    CAPTURE(d);
    // A matrix after updates: exactly symmetric, so packing loses nothing.
    const Case c = run_updates(d, 30, true, 7 + d);
    std::vector<float> packed(packed_size(d));
    pack_upper(c.m, d, packed);
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t k = r; k < d; ++k)
        REQUIRE(packed[packed_offset(d, r) + k - r] == c.m[r * d + k]);
    std::vector<float> full(d * d, -1.0f);
    unpack_symmetric(packed, d, full);
    CHECK(full == c.m);
  }
}
