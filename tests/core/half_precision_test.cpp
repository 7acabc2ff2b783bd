#include "engine/core/half_precision.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"

using namespace lusifer;

namespace {

bool is_nan_half(Half h) {
  return (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0;
}

// Both conversions of `values`, the dispatched one and the portable one.
void check_paths_agree(const std::vector<float>& values) {
  std::vector<Half> dispatched(values.size()), portable(values.size());
  to_halves(values, dispatched);
  detail::to_halves_portable(values, portable);
  for (std::size_t i = 0; i < values.size(); ++i) {
    CAPTURE(values[i], std::bit_cast<std::uint32_t>(values[i]));
    CHECK(dispatched[i] == portable[i]);
    CHECK(portable[i] == to_half(values[i]));
  }
}

}  // namespace

TEST_CASE("Halves round to nearest, ties to even", "[agents][half]") {
  CHECK(to_half(0.0f) == 0x0000u);
  CHECK(to_half(-0.0f) == 0x8000u);
  CHECK(to_half(1.0f) == 0x3c00u);
  CHECK(to_half(-2.0f) == 0xc000u);
  CHECK(to_half(65504.0f) == 0x7bffu);   // the largest half
  CHECK(to_half(65519.99f) == 0x7bffu);  // just under the midpoint to infinity
  CHECK(to_half(65520.0f) == 0x7c00u);   // the midpoint: ties to even, infinity
  CHECK(to_half(-1e9f) == 0xfc00u);
  CHECK(to_half(std::numeric_limits<float>::infinity()) == 0x7c00u);
  CHECK(to_half(0x1p-14f) == 0x0400u);           // the smallest normal
  CHECK(to_half(0x1p-24f) == 0x0001u);           // the smallest subnormal
  CHECK(to_half(0x1p-25f) == 0x0000u);           // half of it: ties to even, zero
  CHECK(to_half(0x1.8p-25f) == 0x0001u);         // above the tie
  CHECK(to_half(0x3p-25f) == 0x0002u);           // 1.5 units: ties to even, 2
  CHECK(to_half(0x1.ffcp-15f) == 0x0400u);       // rounds up into the normals
  CHECK(to_half(1.0f + 0x1p-11f) == 0x3c00u);    // tie, even is 1
  CHECK(to_half(1.0f + 0x3p-11f) == 0x3c02u);    // tie, even is 1 + 2^-9
  CHECK(to_half(1.0f + 0x1.2p-11f) == 0x3c01u);  // above the tie
  CHECK(is_nan_half(to_half(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("Every half converts to a float and back unchanged", "[agents][half]") {
  std::vector<Half> all;
  for (std::uint32_t h = 0; h <= 0xffffu; ++h)
    all.push_back(static_cast<Half>(h));
  std::vector<float> dispatched(all.size()), portable(all.size());
  from_halves(all, dispatched);
  detail::from_halves_portable(all, portable);
  std::vector<Half> back(all.size());
  to_halves(dispatched, back);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CAPTURE(all[i]);
    if (is_nan_half(all[i])) {
      CHECK(std::isnan(dispatched[i]));
      CHECK(std::isnan(portable[i]));
      CHECK(is_nan_half(back[i]));
      continue;
    }
    CHECK(std::bit_cast<std::uint32_t>(dispatched[i]) == std::bit_cast<std::uint32_t>(portable[i]));
    CHECK(from_half(all[i]) == portable[i]);
    CHECK(back[i] == all[i]);
  }
  CHECK(from_half(0x0001u) == 0x1p-24f);
  CHECK(from_half(0x7bffu) == 65504.0f);
  CHECK(from_half(0xbc00u) == -1.0f);
}

TEST_CASE("F16C and the portable conversion round alike", "[agents][half]") {
  INFO("F16C in use: " << detail::halves_use_f16c());
  // Random bit patterns over the whole float range, and values near the
  // half range's edges and near ties, where rounding is decided.
  Rng rng(2024);
  std::vector<float> values;
  for (int i = 0; i < 200'000; ++i) {
    const auto bits = static_cast<std::uint32_t>(rng.next_u64());
    const float f = std::bit_cast<float>(bits);
    if (!std::isnan(f))
      values.push_back(f);
  }
  for (int e = -26; e <= 16; ++e) {
    for (int k = -40; k <= 40; ++k) {
      const float base = std::ldexp(1.0f, e);
      values.push_back(base + static_cast<float>(k) * std::ldexp(1.0f, e - 12));
      values.push_back(-(base + static_cast<float>(k) * std::ldexp(1.0f, e - 13)));
    }
  }
  // Lengths that are not multiples of 8 take the vector loop's tail.
  values.push_back(0.1f);
  check_paths_agree(values);
  const std::vector<float> seven(values.begin(), values.begin() + 7);
  check_paths_agree(seven);
}

TEST_CASE("A float rounded to half is within 2^-11 of itself", "[agents][half]") {
  Rng rng(5);
  for (int i = 0; i < 10'000; ++i) {
    const float f = static_cast<float>(rng.uniform01() * 4.0 - 2.0);
    const float back = from_half(to_half(f));
    if (std::fabs(f) >= 0x1p-14f)
      CHECK(std::fabs(back - f) <= std::fabs(f) * 0x1p-11f);
    else
      CHECK(std::fabs(back - f) <= 0x1p-25f);
  }
}
