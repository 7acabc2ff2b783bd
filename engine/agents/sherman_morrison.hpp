#pragma once

// Rank-one updates of an inverse: given M = A^-1 for a symmetric positive
// definite d x d matrix A, the Sherman-Morrison formula gives
//
//   (A + x x^T)^-1 = M - (M x)(M x)^T / (1 + x^T M x)
//
// in O(d^2), with no factorisation or inversion: this is how LinUCB keeps
// each user's A^-1 as feedback arrives.
//
// Matrices are stored packed: the upper triangle, row by row (row r holds
// columns r to d-1), d (d + 1) / 2 floats, about half a full matrix. Element
// (r, c) of row r, c >= r, is at packed_offset(d, r) + c - r; (c, r) is the
// same element. Memory, not arithmetic, is what LinUCB's per-user state
// costs at a million users. The sparse variants take x as its nonzero
// entries (sorted or not), which saves most of the work of computing M x for
// item features that are mostly zero.
//
// Rounding: every element of M x is summed in the same order, from the same
// products, as a full row-major matrix would give, and the update subtracts
// z z^T with z = M x / sqrt(1 + x^T M x), so the packed form computes the
// full form's floats bit for bit. In float M drifts from the exact inverse
// by a few ulps per update, so x^T M x is clamped at 0 where it is used.
//
// The kernels are compiled for AVX2 and for baseline x86-64 and picked at
// load time (vector_ops.hpp); both round identically.
//
// Pure functions on caller-owned memory; thread-safe for distinct matrices.

#include <cstddef>
#include <cstdint>
#include <span>

namespace lusifer {

// The floats of a packed d x d symmetric matrix.
constexpr std::size_t packed_size(std::size_t d) noexcept {
  return d * (d + 1) / 2;
}
// Where row r (its diagonal element) starts.
constexpr std::size_t packed_offset(std::size_t d, std::size_t r) noexcept {
  return r * (2 * d - r + 1) / 2;
}

// M = value * I.
void set_scaled_identity(std::span<float> packed, std::size_t d, float value) noexcept;

// y = M x.
void symmetric_times(std::span<const float> packed, std::size_t d, std::span<const float> x,
                     std::span<float> y) noexcept;
// y = M x for x given by its nonzero entries x[indices[k]] = values[k].
void symmetric_times_sparse(std::span<const float> packed, std::size_t d,
                            std::span<const std::uint8_t> indices, std::span<const float> values,
                            std::span<float> y) noexcept;

// Replaces M = A^-1 by (A + x x^T)^-1; `scratch` holds d floats (left
// holding z). Returns 1 + x^T A^-1 x (before the update), the factor the
// update divided by.
float sherman_morrison_update(std::span<float> packed, std::size_t d, std::span<const float> x,
                              std::span<float> scratch) noexcept;
float sherman_morrison_update_sparse(std::span<float> packed, std::size_t d,
                                     std::span<const std::uint8_t> indices,
                                     std::span<const float> values,
                                     std::span<float> scratch) noexcept;

}  // namespace lusifer
