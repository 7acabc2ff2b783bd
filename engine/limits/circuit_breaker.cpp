#include "engine/limits/circuit_breaker.hpp"

#include <stdexcept>

namespace lusifer::limits {

std::string_view state_name(BreakerState state) noexcept {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

std::string_view open_reason_name(OpenReason reason) noexcept {
  switch (reason) {
    case OpenReason::kNone:
      return "none";
    case OpenReason::kConsecutiveFailures:
      return "consecutive failures";
    case OpenReason::kFailureRatio:
      return "failure ratio";
    case OpenReason::kProbeFailed:
      return "probe failed";
    case OpenReason::kQuotaExhausted:
      return "quota exhausted";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig& config)
    : config_(config), window_(config.window_size, false) {
  if (config.consecutive_failures < 1) {
    throw std::invalid_argument("circuit breaker: consecutive_failures must be >= 1");
  }
  if (config.window_size > 0 &&
      (config.window_min_calls < 1 || config.window_min_calls > config.window_size)) {
    throw std::invalid_argument("circuit breaker: window_min_calls must be in [1, window_size]");
  }
  if (!(config.failure_ratio > 0.0 && config.failure_ratio <= 1.0)) {
    throw std::invalid_argument("circuit breaker: failure_ratio must be in (0, 1]");
  }
  if (config.cool_down < Duration::zero() || config.quota_cool_down < Duration::zero()) {
    throw std::invalid_argument("circuit breaker: cool-downs must be >= 0");
  }
  if (config.half_open_probes < 1 || config.probe_successes_to_close < 1) {
    throw std::invalid_argument("circuit breaker: probe counts must be >= 1");
  }
}

BreakerState CircuitBreaker::state(TimePoint now) const noexcept {
  if (state_ == BreakerState::kOpen && now >= open_until_)
    return BreakerState::kHalfOpen;
  return state_;
}

void CircuitBreaker::enter(BreakerState state) noexcept {
  state_ = state;
  ++epoch_;
  reset_counts();
}

void CircuitBreaker::refresh(TimePoint now) noexcept {
  if (state_ == BreakerState::kOpen && now >= open_until_)
    enter(BreakerState::kHalfOpen);
}

BreakerPermit CircuitBreaker::acquire(TimePoint now) {
  refresh(now);
  switch (state_) {
    case BreakerState::kClosed:
      return {PermitKind::kNormal, epoch_};
    case BreakerState::kOpen:
      return {PermitKind::kDenied, epoch_};
    case BreakerState::kHalfOpen:
      if (probes_in_flight_ >= config_.half_open_probes)
        return {PermitKind::kDenied, epoch_};
      ++probes_in_flight_;
      return {PermitKind::kProbe, epoch_};
  }
  return {PermitKind::kDenied, epoch_};
}

void CircuitBreaker::record(BreakerPermit permit, CallOutcome outcome, TimePoint now) {
  if (!permit.allowed()) {
    throw std::invalid_argument("circuit breaker: no outcome for a denied request");
  }
  refresh(now);
  if (outcome == CallOutcome::kQuotaExhausted) {
    open(OpenReason::kQuotaExhausted, config_.quota_cool_down, now);
    return;
  }
  if (permit.epoch != epoch_)
    return;  // from an earlier period
  if (permit.kind == PermitKind::kProbe) {
    --probes_in_flight_;
    if (outcome == CallOutcome::kFailure) {
      open(OpenReason::kProbeFailed, config_.cool_down, now);
    } else if (outcome == CallOutcome::kSuccess &&
               ++probe_successes_ >= config_.probe_successes_to_close) {
      enter(BreakerState::kClosed);
    }
    return;
  }
  if (outcome == CallOutcome::kSuccess) {
    consecutive_ = 0;
    count_in_window(false);
  } else if (outcome == CallOutcome::kFailure) {
    ++consecutive_;
    count_in_window(true);
    if (consecutive_ >= config_.consecutive_failures) {
      open(OpenReason::kConsecutiveFailures, config_.cool_down, now);
    } else if (config_.window_size > 0 && window_filled_ >= config_.window_min_calls &&
               static_cast<double>(window_failures_) >=
                   config_.failure_ratio * static_cast<double>(window_filled_)) {
      open(OpenReason::kFailureRatio, config_.cool_down, now);
    }
  }
}

void CircuitBreaker::count_in_window(bool failed) {
  if (config_.window_size == 0)
    return;
  if (window_filled_ == config_.window_size) {
    if (window_[window_next_])
      --window_failures_;
  } else {
    ++window_filled_;
  }
  window_[window_next_] = failed;
  if (failed)
    ++window_failures_;
  window_next_ = (window_next_ + 1) % config_.window_size;
}

void CircuitBreaker::reset_counts() {
  consecutive_ = 0;
  window_next_ = 0;
  window_filled_ = 0;
  window_failures_ = 0;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
}

void CircuitBreaker::open(OpenReason reason, Duration cool_down, TimePoint now) {
  const TimePoint until = now + cool_down;
  if (state_ == BreakerState::kOpen) {
    // Already open (quota exhaustion reported late): extend, never shorten.
    if (until > open_until_) {
      open_until_ = until;
      reason_ = reason;
    }
    return;
  }
  open_until_ = until;
  reason_ = reason;
  ++times_opened_;
  enter(BreakerState::kOpen);
}

}  // namespace lusifer::limits
