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

// y[0, d) += a * x[0, d): the plain loop of the dimensions without a block
// count.
LUSIFER_ALWAYS_INLINE void add_scaled(float* __restrict y, const float* __restrict x, float a,
                                      std::size_t d) noexcept {
  for (std::size_t i = 0; i < d; ++i)
    y[i] += a * x[i];
}

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void times_dense(const float* __restrict m, std::size_t d,
                                       const float* __restrict x, float* __restrict y) noexcept {
  if constexpr (Blocks == 0) {
    std::fill_n(y, d, 0.0f);
    // Column by column (= row by row, by symmetry): y += x[c] * M[c, :].
    for (std::size_t c = 0; c < d; ++c) {
      if (x[c] != 0.0f)
        add_scaled(y, m + c * d, x[c], d);
    }
  } else {
    constexpr std::size_t n = 8 * Blocks;
    Vec8 sums[Blocks] = {};
    for (std::size_t c = 0; c < n; ++c) {
      if (x[c] != 0.0f)
        add_scaled_row(sums, m + c * n, x[c]);
    }
    store_sums(y, sums);
  }
}

template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void times_sparse(const float* __restrict m, std::size_t d,
                                        const std::uint8_t* __restrict indices,
                                        const float* __restrict values, std::size_t nonzeros,
                                        float* __restrict y) noexcept {
  if constexpr (Blocks == 0) {
    std::fill_n(y, d, 0.0f);
    for (std::size_t k = 0; k < nonzeros; ++k)
      add_scaled(y, m + indices[k] * d, values[k], d);
  } else {
    constexpr std::size_t n = 8 * Blocks;
    Vec8 sums[Blocks] = {};
    for (std::size_t k = 0; k < nonzeros; ++k)
      add_scaled_row(sums, m + indices[k] * n, values[k]);
    store_sums(y, sums);
  }
}

// M -= (y / denominator) y^T, as z z^T with z = y / sqrt(denominator): the
// product z[r] * z[c] is the same float as z[c] * z[r], so the matrix stays
// exactly symmetric. `y` is scaled in place. Row r adds (-z[r]) * z, the
// negation exact; the negated z is made once, so that each row broadcasts
// its factor straight from memory, and the rows are unrolled (at d = 24,
// 10 instructions a row instead of 15).
template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void subtract_outer(float* __restrict m, std::size_t d, float* __restrict y,
                                          float denominator) noexcept {
  const float scale = 1.0f / std::sqrt(denominator);
  if constexpr (Blocks == 0) {
    for (std::size_t r = 0; r < d; ++r)
      y[r] *= scale;
    for (std::size_t r = 0; r < d; ++r)
      add_scaled(m + r * d, y, -y[r], d);
  } else {
    constexpr std::size_t n = 8 * Blocks;
    const Vec8 s = {scale, scale, scale, scale, scale, scale, scale, scale};
    Vec8 z[Blocks];
    float negated[n];
#pragma GCC unroll 4
    for (std::size_t b = 0; b < Blocks; ++b) {
      __builtin_memcpy(&z[b], y + 8 * b, sizeof z[b]);
      z[b] *= s;
      __builtin_memcpy(y + 8 * b, &z[b], sizeof z[b]);
      const Vec8 minus = -z[b];
      __builtin_memcpy(negated + 8 * b, &minus, sizeof minus);
    }
#pragma GCC unroll 32
    for (std::size_t r = 0; r < n; ++r) {
      const float a = negated[r];
      const Vec8 factor = {a, a, a, a, a, a, a, a};
      float* row = m + r * n;
#pragma GCC unroll 4
      for (std::size_t b = 0; b < Blocks; ++b) {
        Vec8 to;
        __builtin_memcpy(&to, row + 8 * b, sizeof to);
        to += factor * z[b];
        __builtin_memcpy(row + 8 * b, &to, sizeof to);
      }
    }
  }
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

LUSIFER_ALWAYS_INLINE void load8(Vec8& v, const float* from) noexcept {
  __builtin_memcpy(&v, from, sizeof v);
}

LUSIFER_ALWAYS_INLINE void store8(float* to, const Vec8& v) noexcept {
  __builtin_memcpy(to, &v, sizeof v);
}

LUSIFER_ALWAYS_INLINE void copy8(float* to, const float* from) noexcept {
  Vec8 v;
  load8(v, from);
  store8(to, v);
}

// Writes the transpose of the 8 x 8 block at `from` to the block at `to`
// (both of row stride n). With Diagonal (from == to, a block on the
// diagonal) only the part below the block's diagonal is written.
template <bool Diagonal>
LUSIFER_ALWAYS_INLINE void transpose_block(const float* from, float* to, std::size_t n) noexcept {
  typedef int Index8 __attribute__((vector_size(32)));
  Vec8 r[8];
#pragma GCC unroll 8
  for (std::size_t i = 0; i < 8; ++i)
    load8(r[i], from + i * n);
  // Interleave pairs of rows, then pairs of pairs, then the halves.
  const Index8 lo1 = {0, 8, 1, 9, 4, 12, 5, 13}, hi1 = {2, 10, 3, 11, 6, 14, 7, 15};
  const Index8 lo2 = {0, 1, 8, 9, 4, 5, 12, 13}, hi2 = {2, 3, 10, 11, 6, 7, 14, 15};
  const Index8 lo4 = {0, 1, 2, 3, 8, 9, 10, 11}, hi4 = {4, 5, 6, 7, 12, 13, 14, 15};
  Vec8 t[8], u[8], c[8];
#pragma GCC unroll 4
  for (std::size_t i = 0; i < 8; i += 2) {
    t[i] = __builtin_shuffle(r[i], r[i + 1], lo1);
    t[i + 1] = __builtin_shuffle(r[i], r[i + 1], hi1);
  }
#pragma GCC unroll 2
  for (std::size_t i = 0; i < 8; i += 4) {
    u[i] = __builtin_shuffle(t[i], t[i + 2], lo2);
    u[i + 1] = __builtin_shuffle(t[i], t[i + 2], hi2);
    u[i + 2] = __builtin_shuffle(t[i + 1], t[i + 3], lo2);
    u[i + 3] = __builtin_shuffle(t[i + 1], t[i + 3], hi2);
  }
#pragma GCC unroll 4
  for (std::size_t i = 0; i < 4; ++i) {
    c[i] = __builtin_shuffle(u[i], u[i + 4], lo4);
    c[i + 4] = __builtin_shuffle(u[i], u[i + 4], hi4);
  }
  if constexpr (Diagonal) {
    // Row i takes lanes 0 to i-1 from the transpose (lane j: index j + 8).
    const Index8 below[8] = {
        {0, 1, 2, 3, 4, 5, 6, 7},     {8, 1, 2, 3, 4, 5, 6, 7},      {8, 9, 2, 3, 4, 5, 6, 7},
        {8, 9, 10, 3, 4, 5, 6, 7},    {8, 9, 10, 11, 4, 5, 6, 7},    {8, 9, 10, 11, 12, 5, 6, 7},
        {8, 9, 10, 11, 12, 13, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 7},
    };
#pragma GCC unroll 7
    for (std::size_t i = 1; i < 8; ++i) {
      const Vec8 mixed = __builtin_shuffle(r[i], c[i], below[i]);
      store8(to + i * n, mixed);
    }
  } else {
#pragma GCC unroll 8
    for (std::size_t i = 0; i < 8; ++i)
      store8(to + i * n, c[i]);
  }
}

// Unpacks into full rows of whole blocks: row r is copied from its block's
// first column (8 * (r / 8)), whole vectors, the packed floats before
// column r (the previous row's tail) landing below the diagonal, where the
// transposes then overwrite them.
template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void unpack_blocks(const float* packed, float* full) noexcept {
  constexpr std::size_t n = 8 * Blocks;
  const float* from = packed;
  // Unrolled: every offset is then a constant (rolled, the row loop took
  // two thirds of the unpacking).
#pragma GCC unroll 32
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t first = r / 8;  // block
    const float* source = from - (r % 8);
    float* target = full + r * n + 8 * first;
#pragma GCC unroll 4
    for (std::size_t b = 0; b < Blocks - first; ++b)
      copy8(target + 8 * b, source + 8 * b);
    from += n - r;
  }
#pragma GCC unroll 4
  for (std::size_t b = 0; b < Blocks; ++b) {
    float* diagonal = full + 8 * b * n + 8 * b;
    transpose_block<true>(diagonal, diagonal, n);
#pragma GCC unroll 4
    for (std::size_t a = b + 1; a < Blocks; ++a)
      transpose_block<false>(full + 8 * b * n + 8 * a, full + 8 * a * n + 8 * b, n);
  }
}

// The reverse: row r's floats from column r on, in whole vectors where
// there are 8 or more, the last vector overlapping the one before.
template <std::size_t Blocks>
LUSIFER_ALWAYS_INLINE void pack_blocks(const float* full, float* packed) noexcept {
  constexpr std::size_t n = 8 * Blocks;
  float* to = packed;
#pragma GCC unroll 32
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t length = n - r;
    const float* from = full + r * n + r;
    if (length < 8) {
      for (std::size_t c = 0; c < length; ++c)
        to[c] = from[c];
    } else {
#pragma GCC unroll 4
      for (std::size_t b = 0; b < Blocks; ++b) {
        if (8 * b + 8 <= length)
          copy8(to + 8 * b, from + 8 * b);
      }
      copy8(to + length - 8, from + length - 8);
    }
    to += length;
  }
}

}  // namespace

// Copying the upper triangle row by row and transposing blocks of it into
// the lower one is several times cheaper than scattering each packed row
// into a column. (A switch, not by_blocks: a lambda this large would not be
// inlined, and so not compiled for AVX2.)
LUSIFER_VECTOR_CLONES
void unpack_symmetric(std::span<const float> packed, std::size_t d,
                      std::span<float> full) noexcept {
  switch (d) {
    case 8:
      return unpack_blocks<1>(packed.data(), full.data());
    case 16:
      return unpack_blocks<2>(packed.data(), full.data());
    case 24:
      return unpack_blocks<3>(packed.data(), full.data());
    case 32:
      return unpack_blocks<4>(packed.data(), full.data());
    default:
      break;
  }
  const float* from = packed.data();
  for (std::size_t r = 0; r < d; ++r) {
    const std::size_t length = d - r;
    std::copy_n(from, length, full.data() + r * d + r);
    for (std::size_t c = r + 1; c < d; ++c)
      full[c * d + r] = from[c - r];
    from += length;
  }
}

LUSIFER_VECTOR_CLONES
void pack_upper(std::span<const float> full, std::size_t d, std::span<float> packed) noexcept {
  switch (d) {
    case 8:
      return pack_blocks<1>(full.data(), packed.data());
    case 16:
      return pack_blocks<2>(full.data(), packed.data());
    case 24:
      return pack_blocks<3>(full.data(), packed.data());
    case 32:
      return pack_blocks<4>(full.data(), packed.data());
    default:
      break;
  }
  float* to = packed.data();
  for (std::size_t r = 0; r < d; ++r) {
    std::copy_n(full.data() + r * d + r, d - r, to);
    to += d - r;
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

LUSIFER_VECTOR_CLONES
void sherman_morrison_learn(std::span<float> matrix, std::size_t d,
                            std::span<const SparseObservation> observations,
                            std::span<float> response, std::span<float> scratch) noexcept {
  by_blocks(d, [&]<std::size_t B>() {
    float* const __restrict b = response.data();
    float* const y = scratch.data();
    for (const SparseObservation& o : observations) {
      times_sparse<B>(matrix.data(), d, o.indices, o.values, o.size, y);
      // b's update shares the denominator's loop over the nonzeros (b does
      // not depend on M, so doing it before the update changes no float).
      float denominator = 1.0f;
      for (std::size_t k = 0; k < o.size; ++k) {
        denominator += o.values[k] * y[o.indices[k]];
        b[o.indices[k]] += o.residual * o.values[k];
      }
      subtract_outer<B>(matrix.data(), d, y, denominator);
    }
  });
}

LUSIFER_VECTOR_CLONES
void quadratic_forms_sparse(std::span<const float> matrix, std::size_t d,
                            std::span<const SparseObservation> xs, std::span<float> forms,
                            std::span<float> scratch) noexcept {
  by_blocks(d, [&]<std::size_t B>() {
    float* const y = scratch.data();
    for (std::size_t t = 0; t < xs.size(); ++t) {
      const SparseObservation& x = xs[t];
      times_sparse<B>(matrix.data(), d, x.indices, x.values, x.size, y);
      float form = 0.0f;
      for (std::size_t k = 0; k < x.size; ++k)
        form += x.values[k] * y[x.indices[k]];
      forms[t] = form;
    }
  });
}

}  // namespace lusifer
