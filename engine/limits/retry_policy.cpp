#include "engine/limits/retry_policy.hpp"

#include <stdexcept>

namespace lusifer::limits {

std::string_view verdict_name(RetryVerdict verdict) noexcept {
  switch (verdict) {
    case RetryVerdict::kRetry:
      return "retry";
    case RetryVerdict::kTerminalError:
      return "terminal error";
    case RetryVerdict::kAttemptsExhausted:
      return "attempts exhausted";
    case RetryVerdict::kServerDelayTooLong:
      return "server delay too long";
    case RetryVerdict::kDeadlinePassed:
      return "deadline passed";
  }
  return "unknown";
}

RetryPolicy::RetryPolicy(const RetryConfig& config) : config_(config), backoff_(config.backoff) {
  if (config.max_attempts < 1)
    throw std::invalid_argument("retry: max_attempts must be >= 1");
  if (config.call_deadline <= Duration::zero()) {
    throw std::invalid_argument("retry: call_deadline must be > 0");
  }
}

LogicalCall RetryPolicy::begin(TimePoint now) const noexcept {
  return LogicalCall{now, now + config_.call_deadline, 0};
}

bool RetryPolicy::may_start(const LogicalCall& call, TimePoint now) const noexcept {
  return call.attempts_started < config_.max_attempts && now < call.deadline;
}

RetryDecision RetryPolicy::after_failure(const LogicalCall& call, const AttemptFailure& failure,
                                         TimePoint now, Rng& rng) const {
  if (!failure.retryable)
    return {RetryVerdict::kTerminalError, Duration::zero(), {}};
  if (call.attempts_started >= config_.max_attempts) {
    return {RetryVerdict::kAttemptsExhausted, Duration::zero(), {}};
  }
  // The first retry follows attempt 1, so it is backoff retry 0.
  const int retry = call.attempts_started > 0 ? call.attempts_started - 1 : 0;
  const auto delay = backoff_.delay(retry, failure.server_delay, rng);
  if (!delay)
    return {RetryVerdict::kServerDelayTooLong, Duration::zero(), {}};
  const TimePoint at = now + *delay;
  if (at >= call.deadline)
    return {RetryVerdict::kDeadlinePassed, Duration::zero(), {}};
  return {RetryVerdict::kRetry, *delay, at};
}

}  // namespace lusifer::limits
