#include "engine/core/bit_count.hpp"

#include <bit>
#include <cstdint>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"

using namespace lusifer;

static_assert(count_bits(0) == 0);
static_assert(count_bits(~std::uint64_t{0}) == 64);
static_assert(count_bits(0x8000000000000001ULL) == 2);

TEST_CASE("count_bits counts what std::popcount counts", "[core][bits]") {
  for (unsigned bit = 0; bit < 64; ++bit) {
    const std::uint64_t one = std::uint64_t{1} << bit;
    REQUIRE(count_bits(one) == 1);
    REQUIRE(count_bits(one - 1) == bit);
    REQUIRE(count_bits(~(one - 1)) == 64 - bit);
  }
  Rng rng(7);
  for (int k = 0; k < 100'000; ++k) {
    const std::uint64_t x = rng.next_u64();
    REQUIRE(count_bits(x) == static_cast<unsigned>(std::popcount(x)));
  }
}
