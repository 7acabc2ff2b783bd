#include "engine/agents/pool_scoring.hpp"

#include <algorithm>

#include "engine/agents/vector_ops.hpp"

namespace lusifer {

LUSIFER_VECTOR_CLONES
void score_pool(const float* base, const float* x, std::size_t row_stride,
                std::span<const float> weights, std::size_t count, float* scores) noexcept {
  std::copy_n(base, count, scores);
  for (std::size_t f = 0; f < weights.size(); ++f) {
    const float w = weights[f];
    if (w == 0.0f)
      continue;
    const Vec8 scale = {w, w, w, w, w, w, w, w};
    const float* row = x + f * row_stride;
    for (std::size_t b = 0; b < count; b += 8) {
      Vec8 to, from;
      __builtin_memcpy(&to, scores + b, sizeof to);
      __builtin_memcpy(&from, row + b, sizeof from);
      to += scale * from;
      __builtin_memcpy(scores + b, &to, sizeof to);
    }
  }
}

}  // namespace lusifer
