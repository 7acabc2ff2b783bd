#pragma once

// Whether, and when, a logical call (one LLM request as the caller sees it)
// makes another attempt after a failed one.
//
// This is the ONLY place in lusifer that retries. The HTTP client never
// retries on its own (it reports each failure once), and the pool and the
// callers do not wrap it in retries of their own: stacked retry layers
// multiply (3 SDK x 3 wrapper x 5 stream retries = 45 attempts per 429).
//
// A retry happens only when all hold:
//   * the failure is retryable (the protocol layer classifies: 429 rate
//     limits, 408/409, 5xx, connection errors; NOT quota exhaustion, bad
//     requests, "request too large"; timeouts are the caller's choice, as the
//     provider may bill an abandoned attempt);
//   * fewer than max_attempts attempts were made (the first one counts);
//   * the server's delay, if any, is within the backoff's max_server_delay;
//   * the retry would start before the call's deadline — no attempt starts
//     at or after it, however the time was spent (waiting for the rate
//     limiter counts too; check `may_start` before every attempt).
//
// Thread-safety: the policy is immutable; each LogicalCall has one owner.
// Errors: invalid configuration throws std::invalid_argument.

#include <optional>
#include <string_view>

#include "engine/core/random.hpp"
#include "engine/limits/backoff.hpp"
#include "engine/limits/clock.hpp"

namespace lusifer::limits {

struct RetryConfig {
  int max_attempts = 3;                              // >= 1, the first attempt included
  Duration call_deadline = std::chrono::minutes(5);  // from the call's start, > 0
  BackoffConfig backoff;
};

// The progress of one logical call.
struct LogicalCall {
  TimePoint started{};
  TimePoint deadline{};
  int attempts_started = 0;
};

// One failed attempt, as the protocol layer classifies it.
struct AttemptFailure {
  bool retryable = false;
  std::optional<Duration> server_delay;  // Retry-After, when the server sent one
};

enum class RetryVerdict {
  kRetry,
  kTerminalError,       // the failure is not retryable
  kAttemptsExhausted,   // max_attempts made
  kServerDelayTooLong,  // Retry-After above max_server_delay
  kDeadlinePassed       // the retry would start at or after the deadline
};

std::string_view verdict_name(RetryVerdict verdict) noexcept;

struct RetryDecision {
  RetryVerdict verdict = RetryVerdict::kTerminalError;
  Duration delay{0};     // for kRetry: wait this long...
  TimePoint retry_at{};  // ...that is, start the next attempt at this time

  bool retry() const noexcept { return verdict == RetryVerdict::kRetry; }
};

class RetryPolicy {
 public:
  explicit RetryPolicy(const RetryConfig& config);

  LogicalCall begin(TimePoint now) const noexcept;

  // True when an attempt may start now: attempts remain and the deadline has
  // not come.
  bool may_start(const LogicalCall& call, TimePoint now) const noexcept;

  // Records that an attempt starts (call after may_start said yes).
  void note_attempt(LogicalCall& call) const noexcept { ++call.attempts_started; }

  // The decision after the latest attempt of `call` failed at `now`.
  RetryDecision after_failure(const LogicalCall& call, const AttemptFailure& failure, TimePoint now,
                              Rng& rng) const;

  const RetryConfig& config() const noexcept { return config_; }

 private:
  RetryConfig config_;
  Backoff backoff_;
};

}  // namespace lusifer::limits
