#pragma once

// The number of set bits of a 64-bit word, inline. The engine is built for
// baseline x86-64, which has no POPCNT instruction, and there std::popcount
// is a library call: too dear in the loops that count bits for every rating
// (the rating table's users, the residual tally) or every pair of items
// (the neighbourhood scan). About a dozen instructions.
//
// Pure; constexpr.

#include <cstdint>

namespace lusifer {

constexpr unsigned count_bits(std::uint64_t x) noexcept {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<unsigned>((x * 0x0101010101010101ULL) >> 56);
}

}  // namespace lusifer
