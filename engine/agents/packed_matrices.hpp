#pragma once

// An agent's per-user matrices: `count` symmetric d x d matrices (LinUCB's
// A_u^-1), each kept packed, its upper triangle row by row
// (sherman_morrison.hpp), in single or half precision. The kernels work on
// a full float copy: `unpack` makes one, `pack` stores it back, rounded to
// the storage precision.
//
// Half precision (half_precision.hpp) halves the bytes. A stored value is
// the float times `scale`, rounded to binary16; unpacking divides by it
// again. The scale is a power of two (both steps exact in float), chosen by
// the caller so that the values use half's range: those of magnitude under
// 2^-14 / scale lose precision to subnormals, those over 65504 / scale
// become infinite. Rounding is to nearest (relative error at most 2^-11), and
// it happens once a `pack`, not once an arithmetic operation.
//
// Memory: count * packed_size(d) * (4 or 2) bytes, d > 0.
// Distinct matrices may be used from different threads at once (scratch
// space is per thread); one matrix is not thread-safe while packed.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/agents/agent_checkpoint.hpp"
#include "engine/core/half_precision.hpp"

namespace lusifer {

class PackedMatrices {
 public:
  PackedMatrices() = default;
  // `count` copies of `initial` (d * d floats, symmetric). Throws
  // std::invalid_argument for d = 0 or a scale that is not a power of two in
  // [2^-60, 2^60].
  PackedMatrices(std::size_t count, std::size_t d, FloatPrecision precision, float scale,
                 std::span<const float> initial);

  std::size_t count() const noexcept { return count_; }
  std::size_t dimension() const noexcept { return d_; }
  FloatPrecision precision() const noexcept { return precision_; }
  float scale() const noexcept { return scale_; }

  // full (d * d floats) = matrix i (i < count()).
  void unpack(std::size_t i, std::span<float> full) const noexcept;
  // Matrix i = the upper triangle of full (d * d floats), rounded to the
  // storage precision.
  void pack(std::size_t i, std::span<const float> full) noexcept;
  // Element (r, c) of matrix i, as unpack gives it.
  float at(std::size_t i, std::size_t r, std::size_t c) const noexcept;
  // Starts fetching matrix i into the cache.
  void prefetch(std::size_t i) const noexcept;
  std::size_t memory_bytes() const noexcept;

  // Checkpoints: the precision, the scale and the stored values as they are
  // (floats or halves), so that a restored matrix unpacks to the same floats.
  void save(CheckpointWriter& out) const;
  // Reads what save wrote for matrices like these (same count, d, precision
  // and scale; anything else throws InputError) into a copy, which the
  // caller commits by assignment.
  PackedMatrices load(CheckpointReader& in, std::string_view what) const;

 private:
  std::size_t packed() const noexcept;

  std::size_t count_ = 0;
  std::size_t d_ = 0;
  FloatPrecision precision_ = FloatPrecision::kSingle;
  float scale_ = 1.0f;
  std::vector<float> singles_;  // kSingle: count * packed_size(d)
  std::vector<Half> halves_;    // kHalf: count * packed_size(d)
};

}  // namespace lusifer
