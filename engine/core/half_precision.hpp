#pragma once

// IEEE 754 binary16 ("half") storage for floats: 2 bytes a value instead of
// 4, for per-user state that is read whole (LinUCB's A_u^-1, the offline
// model's SVD factors) and whose memory, at a million users, is what limits
// a run.
//
// Conversions round to nearest, ties to even, as the F16C instructions do;
// floats beyond the half range become infinities, and those below its
// smallest subnormal (2^-24) round to zero or to it. Half to float is exact.
// The F16C instructions are used where the CPU has them (checked once, when
// the program loads) and a portable version of the same rounding elsewhere,
// so the results do not depend on the CPU (the tests compare both). NaNs stay
// NaNs, their payloads unspecified.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <span>

namespace lusifer {

using Half = std::uint16_t;  // the bits of an IEEE binary16 value

// How a component stores floats it keeps per user: as floats, or as halves
// (half the bytes, 11 significant bits). Agent checkpoints record the
// numeric values: add values, never renumber.
enum class FloatPrecision : std::uint8_t { kSingle, kHalf };

Half to_half(float value) noexcept;
float from_half(Half value) noexcept;

// out[i] = to_half(in[i]) (out must hold in.size() values).
void to_halves(std::span<const float> in, std::span<Half> out) noexcept;
// out[i] = from_half(in[i]) (out must hold in.size() values).
void from_halves(std::span<const Half> in, std::span<float> out) noexcept;

namespace detail {
// The portable versions, which the tests compare with the F16C ones.
void to_halves_portable(std::span<const float> in, std::span<Half> out) noexcept;
void from_halves_portable(std::span<const Half> in, std::span<float> out) noexcept;
// Whether to_halves and from_halves use F16C on this CPU.
bool halves_use_f16c() noexcept;
}  // namespace detail

}  // namespace lusifer
