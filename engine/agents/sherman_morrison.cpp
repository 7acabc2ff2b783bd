#include "engine/agents/sherman_morrison.hpp"

#include <algorithm>
#include <cmath>

#include "engine/agents/vector_ops.hpp"

namespace lusifer {
namespace {

// All arithmetic below is element-wise: each element of a result is summed
// in order, one term at a time, so the result does not depend on the
// vector width the compiler picks. The helpers are inlined into each clone
// of the public functions.

// y[0, d) += a * M[i, 0, d): column i of the upper triangle above the
// diagonal (strided), then row i from the diagonal on (contiguous).
LUSIFER_ALWAYS_INLINE void add_scaled_row(float* __restrict y, const float* __restrict m,
                                          std::size_t d, std::size_t i, float a) noexcept {
  std::size_t at = i;  // element (0, i)
  for (std::size_t j = 0; j < i; ++j) {
    y[j] += a * m[at];
    at += d - j - 1;  // to element (j + 1, i)
  }
  const float* __restrict row = m + packed_offset(d, i) - i;
  for (std::size_t j = i; j < d; ++j)
    y[j] += a * row[j];
}

LUSIFER_ALWAYS_INLINE void times_dense(const float* __restrict m, std::size_t d,
                                       const float* __restrict x, float* __restrict y) noexcept {
  std::fill_n(y, d, 0.0f);
  // Column by column (= row by row, by symmetry): y += x[c] * M[c, :].
  for (std::size_t c = 0; c < d; ++c) {
    if (x[c] != 0.0f)
      add_scaled_row(y, m, d, c, x[c]);
  }
}

LUSIFER_ALWAYS_INLINE void times_sparse(const float* __restrict m, std::size_t d,
                                        const std::uint8_t* __restrict indices,
                                        const float* __restrict values, std::size_t nonzeros,
                                        float* __restrict y) noexcept {
  std::fill_n(y, d, 0.0f);
  for (std::size_t k = 0; k < nonzeros; ++k)
    add_scaled_row(y, m, d, indices[k], values[k]);
}

// M -= (y / denominator) y^T, as z z^T with z = y / sqrt(denominator), on
// the upper triangle (z[r] * z[c] is the same float as z[c] * z[r]). `y` is
// scaled in place.
LUSIFER_ALWAYS_INLINE void subtract_outer(float* __restrict m, std::size_t d, float* __restrict y,
                                          float denominator) noexcept {
  const float scale = 1.0f / std::sqrt(denominator);
  for (std::size_t r = 0; r < d; ++r)
    y[r] *= scale;
  for (std::size_t r = 0; r < d; ++r) {
    float* __restrict row = m + packed_offset(d, r) - r;
    const float a = -y[r];
    for (std::size_t c = r; c < d; ++c)
      row[c] += a * y[c];
  }
}

}  // namespace

void set_scaled_identity(std::span<float> packed, std::size_t d, float value) noexcept {
  std::fill_n(packed.begin(), packed_size(d), 0.0f);
  for (std::size_t r = 0; r < d; ++r)
    packed[packed_offset(d, r)] = value;
}

LUSIFER_VECTOR_CLONES
void symmetric_times(std::span<const float> packed, std::size_t d, std::span<const float> x,
                     std::span<float> y) noexcept {
  times_dense(packed.data(), d, x.data(), y.data());
}

LUSIFER_VECTOR_CLONES
void symmetric_times_sparse(std::span<const float> packed, std::size_t d,
                            std::span<const std::uint8_t> indices, std::span<const float> values,
                            std::span<float> y) noexcept {
  times_sparse(packed.data(), d, indices.data(), values.data(), indices.size(), y.data());
}

LUSIFER_VECTOR_CLONES
float sherman_morrison_update(std::span<float> packed, std::size_t d, std::span<const float> x,
                              std::span<float> scratch) noexcept {
  float* y = scratch.data();
  times_dense(packed.data(), d, x.data(), y);
  float denominator = 1.0f;
  for (std::size_t r = 0; r < d; ++r)
    denominator += x[r] * y[r];
  subtract_outer(packed.data(), d, y, denominator);
  return denominator;
}

LUSIFER_VECTOR_CLONES
float sherman_morrison_update_sparse(std::span<float> packed, std::size_t d,
                                     std::span<const std::uint8_t> indices,
                                     std::span<const float> values,
                                     std::span<float> scratch) noexcept {
  float* y = scratch.data();
  times_sparse(packed.data(), d, indices.data(), values.data(), indices.size(), y);
  float denominator = 1.0f;
  for (std::size_t k = 0; k < indices.size(); ++k)
    denominator += values[k] * y[indices[k]];
  subtract_outer(packed.data(), d, y, denominator);
  return denominator;
}

}  // namespace lusifer
