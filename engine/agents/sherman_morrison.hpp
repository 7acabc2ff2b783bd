#pragma once

// Rank-one updates of an inverse: given M = A^-1 for a symmetric positive
// definite d x d matrix A, the Sherman-Morrison formula gives
//
//   (A + x x^T)^-1 = M - (M x)(M x)^T / (1 + x^T M x)
//
// in O(d^2), with no factorisation or inversion: this is how LinUCB keeps
// each user's A^-1 as feedback arrives.
//
// The kernels work on full matrices (both triangles), row-major, in float,
// which keeps their inner loops contiguous and vectorisable; since M is
// symmetric, row c is also column c. The sparse variants take x as its
// nonzero entries (sorted or not), which saves most of the work of computing
// M x for item features that are mostly zero.
//
// Matrices are kept packed: the upper triangle, row by row (row r holds
// columns r to d-1), d (d + 1) / 2 floats, about half a full matrix; memory,
// not arithmetic, is what LinUCB's per-user state costs at a million users.
// A caller unpacks a matrix into a full scratch copy, runs the kernels on it
// and packs it back. Kernels working on the packed form itself (whose
// columns are strided, so nothing vectorises) took the episodes of the
// 2,000-user RL benchmark from 2.79 G to 4.52 G instructions; unpacking
// around the full kernels takes them to 3.03 G (callgrind, bench/README.md).
//
// Rounding: the update subtracts z z^T with z = M x / sqrt(1 + x^T M x), so
// M stays exactly symmetric, and unpacking its packed form gives back the
// same floats; in float it drifts from the exact inverse by a
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

// The floats of a packed d x d symmetric matrix.
constexpr std::size_t packed_size(std::size_t d) noexcept {
  return d * (d + 1) / 2;
}
// Where row r (its diagonal element) starts; element (r, c), c >= r, is at
// packed_offset(d, r) + c - r.
constexpr std::size_t packed_offset(std::size_t d, std::size_t r) noexcept {
  return r * (2 * d - r + 1) / 2;
}

// full (d * d floats) = the symmetric matrix stored in `packed`.
void unpack_symmetric(std::span<const float> packed, std::size_t d, std::span<float> full) noexcept;
// packed (packed_size(d) floats) = the upper triangle of `full`.
void pack_upper(std::span<const float> full, std::size_t d, std::span<float> packed) noexcept;

// M = value * I, full.
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

// One observation for sherman_morrison_learn: x by its nonzero entries
// x[indices[k]] = values[k], k < size, and the residual it adds to b.
struct SparseObservation {
  const std::uint8_t* indices = nullptr;
  const float* values = nullptr;
  std::size_t size = 0;
  float residual = 0.0f;
};

// For each observation in order: sherman_morrison_update_sparse on `matrix`
// with its x, then response[indices[k]] += residual * values[k] (multiply,
// then add) for each k in order. The same floats as those calls one by
// one; one call for a user's whole slate saves a call, a dispatch on d and
// the span set-up per item. `scratch` holds d floats.
void sherman_morrison_learn(std::span<float> matrix, std::size_t d,
                            std::span<const SparseObservation> observations,
                            std::span<float> response, std::span<float> scratch) noexcept;

// For each of `xs` (their residuals unused): forms[t] = x_t^T M x_t, with
// M x_t as symmetric_times_sparse gives it and then sum_k values[k] *
// (M x_t)[indices[k]] from 0 in k order. One call for a whole shortlist:
// LinUCB's exact bounds, the floats of the steps done apart. `scratch`
// holds d floats; forms xs.size().
void quadratic_forms_sparse(std::span<const float> matrix, std::size_t d,
                            std::span<const SparseObservation> xs, std::span<float> forms,
                            std::span<float> scratch) noexcept;

}  // namespace lusifer
