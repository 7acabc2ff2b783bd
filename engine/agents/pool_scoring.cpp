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
  Vec8 sums[Vectors];
  load_sums(sums, base);
  for (std::size_t f = 0; f < weights.size(); ++f) {
    if (weights[f] != 0.0f)
      add_scaled_row(sums, x + f * row_stride, weights[f]);
  }
  store_sums(scores, sums);
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
