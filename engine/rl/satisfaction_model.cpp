#include "engine/rl/satisfaction_model.hpp"

#include <numeric>

namespace lusifer {

SatisfactionSettings read_satisfaction_settings(ConfigSection s) {
  SatisfactionSettings r;
  r.enabled = s.get<bool>("enabled", false);
  r.window = static_cast<std::size_t>(s.get_int("window", 3, 1, 1000));
  r.leave_below = s.get_double("leave_below", 0.35, 0.0, 1.0);
  r.patience = static_cast<std::size_t>(s.get_int("patience", 3, 0, 100000));
  r.boredom_per_repeat = s.get_double("boredom_per_repeat", 0.25, 0.0, 1e6);
  r.boredom_decay = s.get_double("boredom_decay", 0.1, 0.0, 1.0);
  r.boredom_limit = s.get_double("boredom_limit", 2.0, 0.0, 1e6);
  return r;
}

double Satisfaction::recent_mean() const noexcept {
  if (recent_.empty())
    return 1.0;
  return std::accumulate(recent_.begin(), recent_.end(), 0.0) / static_cast<double>(recent_.size());
}

SatisfactionState Satisfaction::state() const {
  return SatisfactionState{std::vector<double>(recent_.begin(), recent_.end()), boredom_,
                           static_cast<std::uint64_t>(steps_)};
}

void Satisfaction::restore(const SatisfactionState& state) {
  recent_.assign(state.recent.begin(), state.recent.end());
  boredom_ = state.boredom;
  steps_ = static_cast<std::size_t>(state.steps);
}

LeaveReason Satisfaction::observe(double mean_normalized_rating, std::size_t repeats) {
  ++steps_;
  recent_.push_back(mean_normalized_rating);
  if (recent_.size() > settings_.window)
    recent_.pop_front();
  boredom_ = boredom_ * (1.0 - settings_.boredom_decay) +
             settings_.boredom_per_repeat * static_cast<double>(repeats);
  if (!settings_.enabled)
    return LeaveReason::kStays;
  if (boredom_ > settings_.boredom_limit)
    return LeaveReason::kBored;
  if (steps_ >= settings_.patience && recent_.size() == settings_.window &&
      recent_mean() < settings_.leave_below) {
    return LeaveReason::kDissatisfied;
  }
  return LeaveReason::kStays;
}

}  // namespace lusifer
