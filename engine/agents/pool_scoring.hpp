#pragma once

// The innermost loop of `act`: scoring a block of candidate items for one
// user. Features are stored feature by feature (x[f * row_stride + j] is
// feature f of candidate j), so each feature is one contiguous pass of
// vector operations across candidates:
//
//   scores[j] = base[j] + sum_f weights[f] * x[f][j]     for j < count
//
// with count a multiple of 8 and the features summed in order, those of
// weight 0 left out. `no_zero_weight` says that no weight is 0 (the caller
// checks once for all its blocks): then the weights are not tested, a
// tenth of the kernel's instructions.
//
// Like the Sherman-Morrison kernels, this is compiled for AVX2 and for
// baseline x86-64 and picked at load time (vector_ops.hpp). Both do the
// same element-wise operations in the same order, without fused
// multiply-adds, so the results are bitwise the same on every CPU.
//
// Pure; thread-safe on distinct outputs.

#include <cstddef>
#include <span>

namespace lusifer {

void score_pool(const float* base, const float* x, std::size_t row_stride,
                std::span<const float> weights, bool no_zero_weight, std::size_t count,
                float* scores) noexcept;

}  // namespace lusifer
