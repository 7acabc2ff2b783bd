#include "engine/agents/packed_matrices.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"
#include "engine/core/random.hpp"

using namespace lusifer;

namespace {

// A random symmetric d x d matrix with entries in (-range, range).
std::vector<float> symmetric(std::size_t d, double range, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> m(d * d);
  for (std::size_t r = 0; r < d; ++r) {
    for (std::size_t c = r; c < d; ++c)
      m[r * d + c] = m[c * d + r] = static_cast<float>((rng.uniform01() * 2 - 1) * range);
  }
  return m;
}

std::vector<float> identity(std::size_t d, float value) {
  std::vector<float> m(d * d, 0.0f);
  for (std::size_t r = 0; r < d; ++r)
    m[r * d + r] = value;
  return m;
}

std::string saved(const PackedMatrices& matrices) {
  std::ostringstream out;
  CheckpointWriter w(out);
  matrices.save(w);
  w.finish();
  return out.str();
}

}  // namespace

TEST_CASE("Packed matrices in single precision give back what was packed",
          "[agents][packed_matrices]") {
  // 24 takes the blocked kernels, 10 the plain ones.
  for (const std::size_t d : {std::size_t{24}, std::size_t{10}}) {
    CAPTURE(d);
    PackedMatrices m(3, d, FloatPrecision::kSingle, 1.0f, identity(d, 0.5f));
    CHECK(m.memory_bytes() == 3 * d * (d + 1) / 2 * sizeof(float));
    const std::vector<float> a = symmetric(d, 3.0, 1);
    m.pack(1, a);
    std::vector<float> full(d * d);
    m.unpack(1, full);
    CHECK(full == a);
    m.unpack(2, full);
    CHECK(full == identity(d, 0.5f));
    CHECK(m.at(1, 2, 5) == a[2 * d + 5]);
    CHECK(m.at(1, 5, 2) == a[2 * d + 5]);
  }
}

TEST_CASE("Packed matrices in half precision keep each value rounded once",
          "[agents][packed_matrices]") {
  for (const std::size_t d : {std::size_t{24}, std::size_t{10}}) {
    CAPTURE(d);
    // Scaled by 4: values up to 1/4 stored as up to 1.
    PackedMatrices m(2, d, FloatPrecision::kHalf, 4.0f, identity(d, 0.25f));
    CHECK(m.memory_bytes() == 2 * d * (d + 1) / 2 * sizeof(Half));
    const std::vector<float> a = symmetric(d, 0.25, 2);
    m.pack(0, a);
    std::vector<float> full(d * d);
    m.unpack(0, full);
    for (std::size_t k = 0; k < d * d; ++k) {
      CAPTURE(k);
      // Exactly the half nearest a * 4, divided by 4.
      CHECK(full[k] == from_half(to_half(a[k] * 4.0f)) / 4.0f);
      CHECK(std::fabs(full[k] - a[k]) <= std::fabs(a[k]) * 0x1p-11f + 0x1p-27f);
    }
    // Still exactly symmetric, and packing what was unpacked changes nothing.
    for (std::size_t r = 0; r < d; ++r)
      for (std::size_t c = 0; c < d; ++c)
        CHECK(full[r * d + c] == full[c * d + r]);
    m.pack(0, full);
    std::vector<float> again(d * d);
    m.unpack(0, again);
    CHECK(again == full);
    CHECK(m.at(0, 3, 1) == full[1 * d + 3]);
    m.unpack(1, full);
    CHECK(full == identity(d, 0.25f));
  }
}

TEST_CASE("Packed matrices refuse a scale that is not a power of two",
          "[agents][packed_matrices]") {
  const std::vector<float> one = identity(2, 1.0f);
  CHECK_THROWS_AS(PackedMatrices(1, 2, FloatPrecision::kHalf, 3.0f, one), std::invalid_argument);
  CHECK_THROWS_AS(PackedMatrices(1, 2, FloatPrecision::kHalf, -2.0f, one), std::invalid_argument);
  CHECK_THROWS_AS(PackedMatrices(1, 2, FloatPrecision::kHalf, 0.0f, one), std::invalid_argument);
  CHECK_THROWS_AS(PackedMatrices(1, 2, FloatPrecision::kHalf, 0x1p70f, one), std::invalid_argument);
  CHECK_THROWS_AS(PackedMatrices(1, 0, FloatPrecision::kHalf, 1.0f, {}), std::invalid_argument);
  CHECK_NOTHROW(PackedMatrices(1, 2, FloatPrecision::kHalf, 0x1p-60f, one));
}

TEST_CASE("Packed matrices restore from their checkpoint bit for bit",
          "[agents][packed_matrices]") {
  for (const FloatPrecision precision : {FloatPrecision::kSingle, FloatPrecision::kHalf}) {
    const std::size_t d = 8;
    PackedMatrices m(4, d, precision, 2.0f, identity(d, 0.5f));
    m.pack(3, symmetric(d, 0.5, 3));
    const std::string bytes = saved(m);

    PackedMatrices fresh(4, d, precision, 2.0f, identity(d, 0.5f));
    std::istringstream in(bytes);
    CheckpointReader r(in, "m.ckpt");
    const PackedMatrices loaded = fresh.load(r, "matrices");
    r.finish();
    CHECK(saved(loaded) == bytes);
    std::vector<float> a(d * d), b(d * d);
    for (std::size_t i = 0; i < 4; ++i) {
      m.unpack(i, a);
      loaded.unpack(i, b);
      CHECK(a == b);
    }
  }
}

TEST_CASE("Packed matrices refuse a checkpoint of another precision or scale",
          "[agents][packed_matrices]") {
  const std::size_t d = 8;
  const PackedMatrices single(2, d, FloatPrecision::kSingle, 1.0f, identity(d, 1.0f));
  const PackedMatrices half(2, d, FloatPrecision::kHalf, 1.0f, identity(d, 1.0f));
  const PackedMatrices half_scaled(2, d, FloatPrecision::kHalf, 2.0f, identity(d, 1.0f));
  auto refused = [](const PackedMatrices& into, const std::string& bytes, const char* part) {
    std::istringstream in(bytes);
    CheckpointReader r(in, "m.ckpt");
    try {
      (void)into.load(r, "inverse covariances");
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.file() == "m.ckpt");
      CHECK_THAT(e.expected(), Catch::Contains(part));
    }
  };
  refused(half, saved(single), "half precision");
  refused(single, saved(half), "single precision");
  refused(half, saved(half_scaled), "scaled by 1");
}
