#include "engine/core/half_precision.hpp"

#include <bit>
#include <cstddef>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define LUSIFER_HAVE_F16C_PATH 1
#endif

namespace lusifer {
namespace {

constexpr std::uint32_t kFloatExponentMask = 0x7f800000u;
constexpr std::uint32_t kFloatAbsMask = 0x7fffffffu;
constexpr std::uint32_t kFloatQuietBit = 0x00400000u;
constexpr Half kHalfInfinity = 0x7c00u;
constexpr Half kHalfQuietNan = 0x7e00u;

// Round to nearest, ties to even, by the bits.
Half portable_to_half(float value) noexcept {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<Half>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & kFloatAbsMask;
  if (magnitude > kFloatExponentMask)  // NaN
    return sign | kHalfQuietNan;
  // 65520 = 65504 (the largest half) plus half its last place: from there on,
  // infinity (infinities included).
  if (magnitude >= 0x477ff000u)
    return sign | kHalfInfinity;
  if (magnitude >= 0x38800000u) {  // 2^-14 and up: a normal half
    // Rebias the exponent (127 -> 15) and round away the low 13 bits.
    std::uint32_t rebiased = magnitude - 0x38000000u;
    rebiased += 0x0fffu + ((rebiased >> 13) & 1u);
    return sign | static_cast<Half>(rebiased >> 13);
  }
  if (magnitude < 0x33000000u)  // under 2^-25: rounds to zero (2^-25 itself ties to 0)
    return sign;
  // A subnormal half: the significand (implicit bit set) in units of 2^-24.
  const std::uint32_t exponent = magnitude >> 23;  // 102..112
  const std::uint32_t significand = (magnitude & 0x007fffffu) | 0x00800000u;
  const std::uint32_t shift = 126u - exponent;  // 14..24
  std::uint32_t units = significand >> shift;
  const std::uint32_t rest = significand & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1u);
  if (rest > halfway || (rest == halfway && (units & 1u) != 0))
    ++units;  // may reach 0x400, the smallest normal half, which is its encoding
  return sign | static_cast<Half>(units);
}

float portable_from_half(Half value) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(value & 0x8000u) << 16;
  const std::uint32_t exponent = (value >> 10) & 0x1fu;
  const std::uint32_t mantissa = value & 0x03ffu;
  if (exponent == 0x1fu) {
    const std::uint32_t nan = mantissa != 0 ? kFloatQuietBit : 0u;
    return std::bit_cast<float>(sign | kFloatExponentMask | nan | (mantissa << 13));
  }
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<std::uint32_t>(magnitude));
  }
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

#ifdef LUSIFER_HAVE_F16C_PATH
__attribute__((target("avx,f16c"))) void f16c_to_halves(const float* in, Half* out,
                                                        std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 values = _mm256_loadu_ps(in + i);
    const __m128i halves = _mm256_cvtps_ph(values, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), halves);
  }
  for (; i < n; ++i)
    out[i] = static_cast<Half>(_cvtss_sh(in[i], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

__attribute__((target("avx,f16c"))) void f16c_from_halves(const Half* in, float* out,
                                                          std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(halves));
  }
  for (; i < n; ++i)
    out[i] = _cvtsh_ss(in[i]);
}

bool has_f16c() noexcept {
  static const bool value = [] {
    __builtin_cpu_init();  // this may run before libgcc's own constructor
    return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
  }();
  return value;
}
#else
bool has_f16c() noexcept {
  return false;
}
#endif

}  // namespace

Half to_half(float value) noexcept {
  return portable_to_half(value);
}

float from_half(Half value) noexcept {
  return portable_from_half(value);
}

void to_halves(std::span<const float> in, std::span<Half> out) noexcept {
#ifdef LUSIFER_HAVE_F16C_PATH
  if (has_f16c()) {
    f16c_to_halves(in.data(), out.data(), in.size());
    return;
  }
#endif
  detail::to_halves_portable(in, out);
}

void from_halves(std::span<const Half> in, std::span<float> out) noexcept {
#ifdef LUSIFER_HAVE_F16C_PATH
  if (has_f16c()) {
    f16c_from_halves(in.data(), out.data(), in.size());
    return;
  }
#endif
  detail::from_halves_portable(in, out);
}

namespace detail {

void to_halves_portable(std::span<const float> in, std::span<Half> out) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i)
    out[i] = portable_to_half(in[i]);
}

void from_halves_portable(std::span<const Half> in, std::span<float> out) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i)
    out[i] = portable_from_half(in[i]);
}

bool halves_use_f16c() noexcept {
  return has_f16c();
}

}  // namespace detail
}  // namespace lusifer
