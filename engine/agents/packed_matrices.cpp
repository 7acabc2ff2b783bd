#include "engine/agents/packed_matrices.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "engine/agents/sherman_morrison.hpp"

namespace lusifer {
namespace {

// A packed matrix in floats, one per thread: the step between the halves and
// the full matrix.
std::span<float> packed_scratch(std::size_t size) {
  thread_local std::vector<float> packed;
  if (packed.size() < size)
    packed.resize(size);
  return std::span<float>(packed).first(size);
}

void multiply(std::span<float> values, float factor) noexcept {
  if (factor == 1.0f)
    return;
  for (float& v : values)
    v *= factor;
}

bool is_power_of_two(float scale) noexcept {
  int exponent = 0;
  return std::isfinite(scale) && std::frexp(scale, &exponent) == 0.5f && exponent >= -59 &&
         exponent <= 61;
}

}  // namespace

PackedMatrices::PackedMatrices(std::size_t count, std::size_t d, FloatPrecision precision,
                               float scale, std::span<const float> initial)
    : count_(count), d_(d), precision_(precision), scale_(scale) {
  if (d == 0)
    throw std::invalid_argument("packed matrices: the dimension must be at least 1");
  if (!is_power_of_two(scale))
    throw std::invalid_argument(
        fmt::format("packed matrices: scale {} is not a power of two in [2^-60, 2^60]", scale));
  if (count == 0)
    return;
  // Packed once; the other matrices start as copies of the first.
  const auto fill = [&](auto& values) {
    values.resize(count * packed());
    pack(0, initial);
    for (std::size_t i = 1; i < count; ++i)
      std::copy_n(values.begin(), packed(),
                  values.begin() + static_cast<std::ptrdiff_t>(i * packed()));
  };
  if (precision_ == FloatPrecision::kSingle) {
    fill(singles_);
  } else {
    fill(halves_);
  }
}

std::size_t PackedMatrices::packed() const noexcept {
  return packed_size(d_);
}

void PackedMatrices::unpack(std::size_t i, std::span<float> full) const noexcept {
  const std::size_t n = packed();
  if (precision_ == FloatPrecision::kSingle) {
    unpack_symmetric(std::span<const float>(singles_).subspan(i * n, n), d_, full);
    return;
  }
  const std::span<float> floats = packed_scratch(n);
  from_halves(std::span<const Half>(halves_).subspan(i * n, n), floats);
  multiply(floats, 1.0f / scale_);
  unpack_symmetric(floats, d_, full);
}

void PackedMatrices::pack(std::size_t i, std::span<const float> full) noexcept {
  const std::size_t n = packed();
  if (precision_ == FloatPrecision::kSingle) {
    pack_upper(full, d_, std::span<float>(singles_).subspan(i * n, n));
    return;
  }
  const std::span<float> floats = packed_scratch(n);
  pack_upper(full, d_, floats);
  multiply(floats, scale_);
  to_halves(floats, std::span<Half>(halves_).subspan(i * n, n));
}

float PackedMatrices::at(std::size_t i, std::size_t r, std::size_t c) const noexcept {
  if (r > c)
    std::swap(r, c);
  const std::size_t k = i * packed() + packed_offset(d_, r) + c - r;
  return precision_ == FloatPrecision::kSingle ? singles_[k] : from_half(halves_[k]) / scale_;
}

void PackedMatrices::prefetch(std::size_t i) const noexcept {
  constexpr std::size_t kLine = 64;
  const std::size_t bytes = packed() * (precision_ == FloatPrecision::kSingle ? 4 : 2);
  const char* first = precision_ == FloatPrecision::kSingle
                          ? reinterpret_cast<const char*>(singles_.data() + i * packed())
                          : reinterpret_cast<const char*>(halves_.data() + i * packed());
  for (std::size_t offset = 0; offset < bytes; offset += kLine)
    __builtin_prefetch(first + offset);
}

std::size_t PackedMatrices::memory_bytes() const noexcept {
  return singles_.capacity() * sizeof(float) + halves_.capacity() * sizeof(Half);
}

void PackedMatrices::save(CheckpointWriter& out) const {
  out.u8(static_cast<std::uint8_t>(precision_));
  out.f32(scale_);
  if (precision_ == FloatPrecision::kSingle) {
    out.f32s(singles_);
  } else {
    out.u16s(halves_);
  }
}

PackedMatrices PackedMatrices::load(CheckpointReader& in, std::string_view what) const {
  const std::uint8_t precision = in.u8(what);
  if (precision != static_cast<std::uint8_t>(precision_))
    in.fail(fmt::format("{} in {} precision (as this agent was built)", what,
                        precision_ == FloatPrecision::kSingle ? "single" : "half"),
            fmt::format("precision code {}", precision));
  const float scale = in.f32(what);
  if (scale != scale_)
    in.fail(fmt::format("{} scaled by {} (as this agent was built)", what, scale_),
            fmt::format("{}", scale));
  PackedMatrices loaded;
  loaded.count_ = count_;
  loaded.d_ = d_;
  loaded.precision_ = precision_;
  loaded.scale_ = scale_;
  if (precision_ == FloatPrecision::kSingle) {
    loaded.singles_.resize(singles_.size());
    in.f32s(loaded.singles_, what);
  } else {
    loaded.halves_.resize(halves_.size());
    in.u16s(loaded.halves_, what);
  }
  return loaded;
}

}  // namespace lusifer
