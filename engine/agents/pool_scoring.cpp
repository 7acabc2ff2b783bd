#include "engine/agents/pool_scoring.hpp"

#include "engine/agents/vector_ops.hpp"

namespace lusifer {
namespace {

// A block of 8 * Vectors candidates with its scores held in registers
// across all features: storing and reloading them for every feature cost
// more than the arithmetic.
template <std::size_t Vectors, bool NoZeroWeight>
LUSIFER_ALWAYS_INLINE void score_block(const float* base, const float* x, std::size_t row_stride,
                                       std::span<const float> weights, float* scores) noexcept {
  Vec8 sums[Vectors];
  load_sums(sums, base);
  if constexpr (NoZeroWeight) {
    // Four features a round, in order: a quarter of the loop's overhead.
    const std::size_t n = weights.size();
    std::size_t f = 0;
    for (; f + 4 <= n; f += 4) {
      add_scaled_row(sums, x + f * row_stride, weights[f]);
      add_scaled_row(sums, x + (f + 1) * row_stride, weights[f + 1]);
      add_scaled_row(sums, x + (f + 2) * row_stride, weights[f + 2]);
      add_scaled_row(sums, x + (f + 3) * row_stride, weights[f + 3]);
    }
    for (; f < n; ++f)
      add_scaled_row(sums, x + f * row_stride, weights[f]);
  } else {
    for (std::size_t f = 0; f < weights.size(); ++f) {
      if (weights[f] != 0.0f)
        add_scaled_row(sums, x + f * row_stride, weights[f]);
    }
  }
  store_sums(scores, sums);
}

template <bool NoZeroWeight>
LUSIFER_ALWAYS_INLINE void score_blocks(const float* base, const float* x, std::size_t row_stride,
                                        std::span<const float> weights, std::size_t count,
                                        float* scores) noexcept {
  std::size_t first = 0;
  for (; first + 64 <= count; first += 64)
    score_block<8, NoZeroWeight>(base + first, x + first, row_stride, weights, scores + first);
  for (; first < count; first += 8)
    score_block<1, NoZeroWeight>(base + first, x + first, row_stride, weights, scores + first);
}

}  // namespace

// Blocks of 64 candidates (the callers' chunk), then of 8 for the rest.
LUSIFER_VECTOR_CLONES
void score_pool(const float* base, const float* x, std::size_t row_stride,
                std::span<const float> weights, bool no_zero_weight, std::size_t count,
                float* scores) noexcept {
  if (no_zero_weight)
    score_blocks<true>(base, x, row_stride, weights, count, scores);
  else
    score_blocks<false>(base, x, row_stride, weights, count, scores);
}

}  // namespace lusifer
