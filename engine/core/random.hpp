#pragma once

// Deterministic random numbers.
//
// The standard library's distributions are implementation-defined, so the same
// seed can give different runs on different standard libraries. Everything in
// lusifer that must be reproducible draws from `Rng`, whose every output is
// defined here: xoshiro256** seeded through SplitMix64, Lemire's bounded
// integers and Box-Muller normals.

#include <array>
#include <cstdint>
#include <span>
#include <utility>

namespace lusifer {

// Mixes a 64-bit value into a well-distributed one (SplitMix64's finaliser).
std::uint64_t mix64(std::uint64_t x) noexcept;

// A seed for an independent stream, derived from a parent seed and a stream
// label (a user id, an episode number...). Streams derived with different
// labels do not overlap in practice, and the result does not depend on the
// order in which streams are created, which keeps parallel runs deterministic.
std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t label) noexcept;

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Rng(std::uint64_t seed) noexcept;

  std::uint64_t next_u64() noexcept;
  // Uniform in [0, 1), with 53 random bits.
  double uniform01() noexcept;
  // Uniform in [0, bound); bound must be > 0.
  std::uint64_t uniform_index(std::uint64_t bound) noexcept;
  // Uniform in [lo, hi].
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) noexcept;
  double normal(double mean = 0.0, double stddev = 1.0) noexcept;
  bool bernoulli(double p) noexcept { return uniform01() < p; }

  template <class T>
  void shuffle(std::span<T> values) noexcept {
    for (std::size_t i = values.size(); i > 1; --i) {
      std::swap(values[i - 1], values[uniform_index(i)]);
    }
  }

  // The full state, for checkpoints; `restore` continues the exact sequence.
  // (Normals keep no spare between calls, so the four words are all there is.)
  State state() const noexcept;
  void restore(const State& state) noexcept;

  // Satisfies UniformRandomBitGenerator for code that needs one.
  using result_type = std::uint64_t;
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~result_type{0}; }
  result_type operator()() noexcept { return next_u64(); }

 private:
  State s_;
};

}  // namespace lusifer
