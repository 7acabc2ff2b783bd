#include "engine/agents/sherman_morrison.hpp"

#include <algorithm>
#include <cmath>

#include "engine/agents/vector_ops.hpp"

namespace lusifer {
namespace {

// All vector arithmetic below is element-wise (sums across a row are done
// in order, one element at a time), so the result does not depend on the
// vector width. The helpers are inlined into each clone of the public
// functions.
//
// Rows are handled in blocks of 8 floats (Vec8). For the dimensions LinUCB
// uses (multiples of 8 up to 32) the number of blocks is a template
// argument, so every row loop unrolls completely; any other dimension takes
// the plain loops (Blocks = 0).

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE std::size_t width(std::size_t d) noexcept {
  return Blocks == 0 ? d : 8 * Blocks;
}

// y[0, d) += a * x[0, d).
template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void add_scaled(float* __restrict y, const float* __restrict x, float a,
                                      std::size_t d) noexcept {
  if constexpr (Blocks == 0) {
    for (std::size_t i = 0; i < d; ++i)
      y[i] += a * x[i];
  } else {
    const Vec8 scale = {a, a, a, a, a, a, a, a};
    for (std::size_t b = 0; b < Blocks; ++b) {
      Vec8 to, from;
      __builtin_memcpy(&to, y + 8 * b, sizeof to);
      __builtin_memcpy(&from, x + 8 * b, sizeof from);
      to += scale * from;
      __builtin_memcpy(y + 8 * b, &to, sizeof to);
    }
  }
}

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void times_dense(const float* __restrict m, std::size_t d,
                                       const float* __restrict x, float* __restrict y) noexcept {
  const std::size_t n = width<Blocks>(d);
  std::fill_n(y, n, 0.0f);
  // Column by column (= row by row, by symmetry): y += x[c] * M[c, :].
  for (std::size_t c = 0; c < n; ++c) {
    if (x[c] != 0.0f)
      add_scaled<Blocks>(y, m + c * n, x[c], n);
  }
}

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void times_sparse(const float* __restrict m, std::size_t d,
                                        const std::uint8_t* __restrict indices,
                                        const float* __restrict values, std::size_t nonzeros,
                                        float* __restrict y) noexcept {
  const std::size_t n = width<Blocks>(d);
  std::fill_n(y, n, 0.0f);
  for (std::size_t k = 0; k < nonzeros; ++k)
    add_scaled<Blocks>(y, m + indices[k] * n, values[k], n);
}

// M -= (y / denominator) y^T, as z z^T with z = y / sqrt(denominator): the
// product z[r] * z[c] is the same float as z[c] * z[r], so the matrix stays
// exactly symmetric. `y` is scaled in place.
template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void subtract_outer(float* __restrict m, std::size_t d, float* __restrict y,
                                          float denominator) noexcept {
  const std::size_t n = width<Blocks>(d);
  const float scale = 1.0f / std::sqrt(denominator);
  for (std::size_t r = 0; r < n; ++r)
    y[r] *= scale;
  for (std::size_t r = 0; r < n; ++r)
    add_scaled<Blocks>(m + r * n, y, -y[r], n);
}

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE float update_dense(float* m, std::size_t d, const float* x,
                                         float* y) noexcept {
  times_dense<Blocks>(m, d, x, y);
  float denominator = 1.0f;
  for (std::size_t r = 0; r < d; ++r)
    denominator += x[r] * y[r];
  subtract_outer<Blocks>(m, d, y, denominator);
  return denominator;
}

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE float update_sparse(float* m, std::size_t d, const std::uint8_t* indices,
                                          const float* values, std::size_t nonzeros,
                                          float* y) noexcept {
  times_sparse<Blocks>(m, d, indices, values, nonzeros, y);
  float denominator = 1.0f;
  for (std::size_t k = 0; k < nonzeros; ++k)
    denominator += values[k] * y[indices[k]];
  subtract_outer<Blocks>(m, d, y, denominator);
  return denominator;
}

// Calls fn.template operator()<Blocks>() with the block count of d.
template <class Fn>
LUSIFER_ALWAYS_INLINE auto by_blocks(std::size_t d, Fn&& fn) {
  switch (d) {
    case 8:
      return fn.template operator()<1>();
    case 16:
      return fn.template operator()<2>();
    case 24:
      return fn.template operator()<3>();
    case 32:
      return fn.template operator()<4>();
    default:
      return fn.template operator()<0>();
  }
}

}  // namespace

void unpack_symmetric(std::span<const float> packed, std::size_t d,
                      std::span<float> full) noexcept {
  const float* from = packed.data();
  for (std::size_t r = 0; r < d; ++r) {
    const std::size_t length = d - r;
    std::copy_n(from, length, full.data() + r * d + r);
    for (std::size_t c = r + 1; c < d; ++c)
      full[c * d + r] = from[c - r];
    from += length;
  }
}

void pack_upper(std::span<const float> full, std::size_t d, std::span<float> packed) noexcept {
  float* to = packed.data();
  for (std::size_t r = 0; r < d; ++r) {
    const std::size_t length = d - r;
    std::copy_n(full.data() + r * d + r, length, to);
    to += length;
  }
}

void set_scaled_identity(std::span<float> matrix, std::size_t d, float value) noexcept {
  std::fill(matrix.begin(), matrix.begin() + static_cast<std::ptrdiff_t>(d * d), 0.0f);
  for (std::size_t r = 0; r < d; ++r)
    matrix[r * d + r] = value;
}

LUSIFER_VECTOR_CLONES
void symmetric_times(std::span<const float> matrix, std::size_t d, std::span<const float> x,
                     std::span<float> y) noexcept {
  by_blocks(d, [&]<std::size_t B>() { times_dense<B>(matrix.data(), d, x.data(), y.data()); });
}

LUSIFER_VECTOR_CLONES
void symmetric_times_sparse(std::span<const float> matrix, std::size_t d,
                            std::span<const std::uint8_t> indices, std::span<const float> values,
                            std::span<float> y) noexcept {
  by_blocks(d, [&]<std::size_t B>() {
    times_sparse<B>(matrix.data(), d, indices.data(), values.data(), indices.size(), y.data());
  });
}

LUSIFER_VECTOR_CLONES
float sherman_morrison_update(std::span<float> matrix, std::size_t d, std::span<const float> x,
                              std::span<float> scratch) noexcept {
  return by_blocks(d, [&]<std::size_t B>() {
    return update_dense<B>(matrix.data(), d, x.data(), scratch.data());
  });
}

LUSIFER_VECTOR_CLONES
float sherman_morrison_update_sparse(std::span<float> matrix, std::size_t d,
                                     std::span<const std::uint8_t> indices,
                                     std::span<const float> values,
                                     std::span<float> scratch) noexcept {
  return by_blocks(d, [&]<std::size_t B>() {
    return update_sparse<B>(matrix.data(), d, indices.data(), values.data(), indices.size(),
                            scratch.data());
  });
}

}  // namespace lusifer
