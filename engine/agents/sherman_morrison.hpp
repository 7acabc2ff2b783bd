#pragma once

// Rank-one updates of an inverse: given M = A^-1 for a symmetric positive
// definite d x d matrix A, the Sherman-Morrison formula gives
//
//   (A + x x^T)^-1 = M - (M x)(M x)^T / (1 + x^T M x)
//
// in O(d^2), with no factorisation or inversion: this is how LinUCB keeps
// each user's A^-1 as feedback arrives.
//
// Matrices are full (both triangles), row-major, in float, which keeps the
// updates' inner loops contiguous and vectorisable; since M is symmetric,
// row c is also column c. The sparse variants take x as its nonzero entries
// (sorted or not), which saves most of the work of computing M x for item
// features that are mostly zero.
//
// Rounding: the update subtracts z z^T with z = M x / sqrt(1 + x^T M x), so
// M stays exactly symmetric; in float it drifts from the exact inverse by a
// few ulps per update, so x^T M x is clamped at 0 where it is used.
//
// The kernels are compiled for AVX2 and for baseline x86-64 and picked at
// load time (vector_ops.hpp); both round identically.
//
// Pure functions on caller-owned memory; thread-safe for distinct matrices.

#include <cstddef>
#include <cstdint>
#include <span>

namespace lusifer {

// M = value * I.
void set_scaled_identity(std::span<float> matrix, std::size_t d, float value) noexcept;

// y = M x (M symmetric).
void symmetric_times(std::span<const float> matrix, std::size_t d, std::span<const float> x,
                     std::span<float> y) noexcept;
// y = M x for x given by its nonzero entries x[indices[k]] = values[k].
void symmetric_times_sparse(std::span<const float> matrix, std::size_t d,
                            std::span<const std::uint8_t> indices, std::span<const float> values,
                            std::span<float> y) noexcept;

// Replaces M = A^-1 by (A + x x^T)^-1; `scratch` holds d floats (left
// holding z). Returns 1 + x^T A^-1 x (before the update), the factor the
// update divided by.
float sherman_morrison_update(std::span<float> matrix, std::size_t d, std::span<const float> x,
                              std::span<float> scratch) noexcept;
float sherman_morrison_update_sparse(std::span<float> matrix, std::size_t d,
                                     std::span<const std::uint8_t> indices,
                                     std::span<const float> values,
                                     std::span<float> scratch) noexcept;

}  // namespace lusifer
