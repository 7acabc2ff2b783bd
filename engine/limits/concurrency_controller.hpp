#pragma once

// How many requests may be in flight to a server whose limits are unknown
// (vLLM, Ollama, llama.cpp behind no rate-limit headers): additive increase,
// multiplicative decrease, as TCP congestion avoidance does.
//
// * Increase: +1 after a window of successes, the window being as many
//   successes as the current limit (one "round" of in-flight requests), and
//   only when the limit was actually reached since the last change: a limit
//   that is never used says nothing about the server and must not creep up to
//   the maximum, to be hit all at once by the next burst.
// * Decrease: x decrease_factor (rounded down) on an overload signal — a 429,
//   a 503 (Ollama's full queue) or a timeout — but at most once per
//   `decrease_interval`. Failures arriving within that interval come from the
//   same congestion event (everything in flight fails together) and would
//   otherwise collapse the limit to the minimum. Set the interval near the
//   typical request latency.
// * The limit stays within [min_limit, max_limit]. Requests already in
//   flight when the limit drops are not cancelled; new ones wait until the
//   count is under the new limit.
// Other failures (bad requests, parse errors) release their slot and change
// nothing.
//
// Thread-safety: none; one actor owns a controller.
// Errors: invalid configuration throws std::invalid_argument; releasing
// more than was acquired throws std::logic_error.

#include <cstdint>
#include <optional>

#include "engine/limits/clock.hpp"

namespace lusifer::limits {

struct ConcurrencyConfig {
  int min_limit = 1;
  int max_limit = 64;
  int initial_limit = 4;
  double decrease_factor = 0.5;  // in (0, 1)
  Duration decrease_interval = std::chrono::seconds(2);
};

class ConcurrencyController {
 public:
  explicit ConcurrencyController(const ConcurrencyConfig& config);

  // Takes a slot if fewer than limit() requests are in flight.
  bool try_acquire() noexcept;

  // Each releases one slot taken by try_acquire.
  void on_success();
  void on_overload(TimePoint now);
  void on_other_failure();

  int limit() const noexcept { return limit_; }
  int in_flight() const noexcept { return in_flight_; }
  // Overload events acted on (one per interval), including those that found
  // the limit already at min_limit.
  std::uint64_t decreases() const noexcept { return decreases_; }

 private:
  void release();

  ConcurrencyConfig config_;
  int limit_;
  int in_flight_ = 0;
  int successes_since_change_ = 0;
  bool reached_limit_since_change_ = false;
  std::optional<TimePoint> last_decrease_;
  std::uint64_t decreases_ = 0;
};

}  // namespace lusifer::limits
