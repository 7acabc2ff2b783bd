#pragma once

// Whether a simulated user stays on the platform. Optional: when disabled a
// user stays until the horizon (the episode is then *truncated*); when
// enabled a user leaves (the episode is *terminated*) when
//   - the mean normalised rating of the last `window` slates falls below
//     `leave_below` (after `patience` steps), or
//   - boredom exceeds `boredom_limit`: each repeated or already-seen item
//     adds `boredom_per_repeat`, and boredom decays by `boredom_decay` per
//     step.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "engine/config/config_file.hpp"

namespace lusifer {

struct SatisfactionSettings {
  bool enabled = false;
  std::size_t window = 3;
  double leave_below = 0.35;
  std::size_t patience = 3;
  double boredom_per_repeat = 0.25;
  double boredom_decay = 0.1;
  double boredom_limit = 2.0;
};

// Reads [simulation.leaving].
SatisfactionSettings read_satisfaction_settings(ConfigSection section);

enum class LeaveReason { kStays, kDissatisfied, kBored };

// What a Satisfaction has observed, for checkpoints: restoring it into a
// Satisfaction with the same settings continues exactly where it was.
struct SatisfactionState {
  std::vector<double> recent;  // oldest first, at most settings.window
  double boredom = 0.0;
  std::uint64_t steps = 0;
};

class Satisfaction {
 public:
  explicit Satisfaction(const SatisfactionSettings& settings) : settings_(settings) {}

  // One step's feedback: the mean normalised rating of the slate and how
  // many of its items were repeats or already seen.
  LeaveReason observe(double mean_normalized_rating, std::size_t repeats);

  double boredom() const noexcept { return boredom_; }
  double recent_mean() const noexcept;
  std::size_t steps() const noexcept { return steps_; }

  SatisfactionState state() const;
  void restore(const SatisfactionState& state);

 private:
  SatisfactionSettings settings_;
  std::deque<double> recent_;
  double boredom_ = 0.0;
  std::size_t steps_ = 0;
};

}  // namespace lusifer
