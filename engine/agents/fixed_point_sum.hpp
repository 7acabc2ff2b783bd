#pragma once

// A sum of doubles that does not depend on the order of the additions.
//
// Agents sum feedback from many users into statistics shared between users
// (an item's mean reward). Floating-point sums depend on the order of the
// terms, and the order feedback arrives in is not deterministic (user actors
// answer when they answer), so shared sums are kept in integers: each term
// is rounded to a multiple of 2^-24 (6e-8) and added exactly into 128 bits.
// Any order of the same terms gives the same bits. Terms must be finite and
// within +-2^38 (2.7e11); agents refuse rewards beyond kMaxAbsReward (1e9).
//
// A plain value type; not thread-safe (agents add on one thread).

#include <cstdint>

namespace lusifer {

class FixedPointSum {
 public:
  __extension__ using Wide = __int128;
  static constexpr int kFractionBits = 24;

  void add(double term) noexcept { value_ += to_fixed(term); }
  // Adds term^2 (rounded like `add` rounds, squared exactly, then rounded
  // down to 2^-24): for sums of squares.
  void add_square(double term) noexcept {
    const Wide fixed = to_fixed(term);
    value_ += (fixed * fixed) >> kFractionBits;
  }
  double value() const noexcept { return static_cast<double>(value_) * kUnit; }

  // The raw bits, for checkpoints.
  std::uint64_t low_word() const noexcept {
    return static_cast<std::uint64_t>(static_cast<Unsigned>(value_));
  }
  std::uint64_t high_word() const noexcept {
    return static_cast<std::uint64_t>(static_cast<Unsigned>(value_) >> 64);
  }
  static FixedPointSum from_words(std::uint64_t low, std::uint64_t high) noexcept {
    FixedPointSum sum;
    sum.value_ = static_cast<Wide>((static_cast<Unsigned>(high) << 64) | low);
    return sum;
  }

  friend bool operator==(const FixedPointSum&, const FixedPointSum&) = default;

 private:
  __extension__ using Unsigned = unsigned __int128;
  // 2^kFractionBits and its inverse: scaling by them is exact.
  static constexpr double kScale = static_cast<double>(1 << kFractionBits);
  static constexpr double kUnit = 1.0 / kScale;
  // Rounds half away from zero; within +-2^38 the scaled term fits 63 bits.
  static Wide to_fixed(double term) noexcept {
    const double scaled = term * kScale;
    return static_cast<Wide>(static_cast<std::int64_t>(scaled + (scaled < 0 ? -0.5 : 0.5)));
  }

  Wide value_ = 0;
};

}  // namespace lusifer
