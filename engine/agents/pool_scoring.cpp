#include "engine/agents/pool_scoring.hpp"

#include "engine/agents/vector_ops.hpp"

namespace lusifer {
namespace {

// A block of 8 * Vectors candidates with its scores held in registers
// across all features: storing and reloading them for every feature cost
// more than the arithmetic.
template <std::size_t Vectors>
LUSIFER_ALWAYS_INLINE void score_block(const float* base, const float* x, std::size_t row_stride,
                                       std::span<const float> weights, float* scores) noexcept {
  // Unrolled, so that the sums are registers: rolled, GCC kept them in an
  // array on the stack and copied the base scores in and the results out
  // through it, 16 instructions each way per 64 candidates.
  Vec8 sums[Vectors];
#pragma GCC unroll 8
  for (std::size_t v = 0; v < Vectors; ++v)
    __builtin_memcpy(&sums[v], base + 8 * v, sizeof sums[v]);
  for (std::size_t f = 0; f < weights.size(); ++f) {
    const float w = weights[f];
    if (w == 0.0f)
      continue;
    const Vec8 scale = {w, w, w, w, w, w, w, w};
    const float* row = x + f * row_stride;
#pragma GCC unroll 8
    for (std::size_t v = 0; v < Vectors; ++v) {
      Vec8 from;
      __builtin_memcpy(&from, row + 8 * v, sizeof from);
      sums[v] += scale * from;
    }
  }
#pragma GCC unroll 8
  for (std::size_t v = 0; v < Vectors; ++v)
    __builtin_memcpy(scores + 8 * v, &sums[v], sizeof sums[v]);
}

}  // namespace

// Blocks of 64 candidates (the callers' chunk), then of 8 for the rest.
LUSIFER_VECTOR_CLONES
void score_pool(const float* base, const float* x, std::size_t row_stride,
                std::span<const float> weights, std::size_t count, float* scores) noexcept {
  std::size_t first = 0;
  for (; first + 64 <= count; first += 64)
    score_block<8>(base + first, x + first, row_stride, weights, scores + first);
  for (; first < count; first += 8)
    score_block<1>(base + first, x + first, row_stride, weights, scores + first);
}

}  // namespace lusifer
