#include "engine/agents/sherman_morrison.hpp"

#include <algorithm>
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
  std::vector<float> m;   // its inverse, kept by Sherman-Morrison (packed)
};

// Element (r, c) of a packed symmetric matrix.
float at(const std::vector<float>& packed, std::size_t d, std::size_t r, std::size_t c) {
  const std::size_t low = std::min(r, c);
  return packed[packed_offset(d, low) + std::max(r, c) - low];
}

// Feeds `updates` random feature vectors (about half their entries zero,
// like item features) to both a direct accumulation of A and the rank-one
// updates of A^-1.
Case run_updates(std::size_t d, int updates, bool sparse, std::uint64_t seed) {
  const double ridge = 1.0;
  Case c{std::vector<double>(d * d, 0.0), std::vector<float>(packed_size(d))};
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

}  // namespace

TEST_CASE("Sherman-Morrison updates match a direct inverse", "[agents][sherman-morrison]") {
  for (const std::size_t d : {3u, 5u, 8u, 16u, 24u, 32u, 40u}) {
    for (const bool sparse : {false, true}) {
      CAPTURE(d, sparse);
      const Case c = run_updates(d, 60, sparse, 100 + d);
      const std::vector<double> expected = direct_inverse(c.a, d);
      double worst = 0;
      for (std::size_t r = 0; r < d; ++r)
        for (std::size_t k = 0; k < d; ++k)
          worst = std::max(worst, std::fabs(expected[r * d + k] - at(c.m, d, r, k)));
      CHECK(worst < 2e-4);
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
        naive += static_cast<double>(at(c.m, d, r, k)) * x[k];
      CHECK(y[r] == Approx(naive).margin(1e-5));
      CHECK(ys[r] == y[r]);
    }
  }
}

TEST_CASE("The packed layout holds the upper triangle row by row", "[agents][sherman-morrison]") {
  CHECK(packed_size(24) == 300);
  CHECK(packed_offset(24, 0) == 0);
  CHECK(packed_offset(24, 1) == 24);
  CHECK(packed_offset(24, 2) == 47);
  CHECK(packed_offset(24, 23) == 299);
  std::vector<float> m(packed_size(5));
  set_scaled_identity(m, 5, 2.0f);
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t c = 0; c < 5; ++c)
      CHECK(at(m, 5, r, c) == (r == c ? 2.0f : 0.0f));
}
