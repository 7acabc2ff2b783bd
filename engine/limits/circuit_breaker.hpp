#pragma once

// A circuit breaker for one endpoint: stop sending to an endpoint that keeps
// failing, and probe it carefully before trusting it again.
//
//   closed     requests flow. The breaker opens after `consecutive_failures`
//              failures in a row, or when at least `window_min_calls` of the
//              last `window_size` counted outcomes are in and the failed share
//              reaches `failure_ratio`.
//   open       every request is denied (fail fast) until the cool-down ends.
//   half-open  at most `half_open_probes` probe requests at a time. A probe
//              failure opens the breaker again (a fresh cool-down); after
//              `probe_successes_to_close` probe successes it closes, with a
//              clean slate.
//
// Outcomes:
//   kSuccess         a normal answer.
//   kFailure         5xx, timeout, connection error: the endpoint is unwell.
//   kThrottled       a 429 rate limit (with or without Retry-After). That is a
//                    pause (RateLimiter::pause_until), not ill health; it
//                    neither fails nor succeeds here.
//   kQuotaExhausted  insufficient_quota / credit exhausted. No retry will
//                    succeed, so the breaker opens at once, from any state, for
//                    the longer `quota_cool_down`.
//   kNotCounted      errors that say nothing about the endpoint (bad request,
//                    an unparsable answer).
//
// Permits tie outcomes to state: `acquire` says whether a request goes and
// whether it is a probe, and `record` takes that permit back. Outcomes of
// requests let through in an earlier period (say, before the breaker opened)
// are ignored: they belong to the trouble that changed the state. The
// exception is kQuotaExhausted, which opens the breaker whenever it arrives.
//
// Thread-safety: none; the endpoint's actor owns its breaker.
// Errors: invalid configuration throws std::invalid_argument.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/limits/clock.hpp"

namespace lusifer::limits {

struct CircuitBreakerConfig {
  int consecutive_failures = 5;  // >= 1
  std::size_t window_size = 20;  // 0 switches the ratio rule off
  std::size_t window_min_calls = 10;
  double failure_ratio = 0.5;  // in (0, 1]
  Duration cool_down = std::chrono::seconds(30);
  Duration quota_cool_down = std::chrono::minutes(10);
  int half_open_probes = 1;          // >= 1
  int probe_successes_to_close = 1;  // >= 1
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };
enum class CallOutcome { kSuccess, kFailure, kThrottled, kQuotaExhausted, kNotCounted };
enum class PermitKind { kDenied, kNormal, kProbe };

// What `acquire` grants. The epoch names the breaker period (each open,
// half-open or close starts a new one) the permit belongs to.
struct BreakerPermit {
  PermitKind kind = PermitKind::kDenied;
  std::uint64_t epoch = 0;

  bool allowed() const noexcept { return kind != PermitKind::kDenied; }
};
enum class OpenReason { kNone, kConsecutiveFailures, kFailureRatio, kProbeFailed, kQuotaExhausted };

std::string_view state_name(BreakerState state) noexcept;
std::string_view open_reason_name(OpenReason reason) noexcept;

class CircuitBreaker {
 public:
  explicit CircuitBreaker(const CircuitBreakerConfig& config);

  // Whether a request may go now, and as what.
  BreakerPermit acquire(TimePoint now);

  // The outcome of a request that `acquire` let through with `permit`.
  void record(BreakerPermit permit, CallOutcome outcome, TimePoint now);

  // The state at `now` (an open breaker whose cool-down ended is half-open).
  BreakerState state(TimePoint now) const noexcept;
  // When an open breaker turns half-open.
  TimePoint open_until() const noexcept { return open_until_; }
  // Why the breaker last opened (kNone if it never did).
  OpenReason last_open_reason() const noexcept { return reason_; }
  std::uint64_t times_opened() const noexcept { return times_opened_; }

 private:
  void open(OpenReason reason, Duration cool_down, TimePoint now);
  void reset_counts();
  void count_in_window(bool failed);
  void refresh(TimePoint now) noexcept;
  void enter(BreakerState state) noexcept;

  CircuitBreakerConfig config_;
  BreakerState state_ = BreakerState::kClosed;
  std::uint64_t epoch_ = 0;
  TimePoint open_until_{};
  OpenReason reason_ = OpenReason::kNone;
  std::uint64_t times_opened_ = 0;
  int consecutive_ = 0;
  // The last window_size outcomes, as a ring (true = failed).
  std::vector<bool> window_;
  std::size_t window_next_ = 0;
  std::size_t window_filled_ = 0;
  std::size_t window_failures_ = 0;
  int probes_in_flight_ = 0;
  int probe_successes_ = 0;
};

}  // namespace lusifer::limits
