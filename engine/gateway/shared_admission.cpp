#include "engine/gateway/shared_admission.hpp"

#include <algorithm>
#include <utility>

namespace lusifer {
namespace {

limits::CallOutcome breaker_outcome(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kSuccess:
      return limits::CallOutcome::kSuccess;
    case AttemptOutcome::kThrottled:
      return limits::CallOutcome::kThrottled;
    case AttemptOutcome::kQuotaExhausted:
      return limits::CallOutcome::kQuotaExhausted;
    case AttemptOutcome::kOverloaded:
    case AttemptOutcome::kFailure:
      return limits::CallOutcome::kFailure;
    case AttemptOutcome::kNotCounted:
      return limits::CallOutcome::kNotCounted;
  }
  return limits::CallOutcome::kNotCounted;
}

}  // namespace

SharedAdmission::SharedAdmission(const GatewaySettings& settings, limits::TimePoint now)
    : limiter_(settings.rate, now),
      concurrency_(settings.concurrency),
      breaker_(settings.breaker),
      accounting_(settings.prices, settings.budget_usd
                                       ? std::optional(limits::to_picodollars(*settings.budget_usd))
                                       : std::nullopt),
      model_(settings.model),
      max_output_tokens_(settings.max_output_tokens),
      fixed_concurrency_(settings.concurrency.max_limit) {}

bool SharedAdmission::uses_adaptive_concurrency() const noexcept {
  // With known limits the buckets pace the pool; concurrency only needs a cap.
  return !limiter_.requests_per_minute() && !limiter_.tokens_per_minute();
}

AdmitDecision SharedAdmission::try_admit(std::int64_t estimated_tokens, TaskPriority priority,
                                         limits::TimePoint now,
                                         const std::function<void()>& on_capacity) {
  std::lock_guard lock(mutex_);
  AdmitDecision d;
  const auto wait_for_capacity = [&] {
    capacity_waiters_.push_back(on_capacity);
    d.status = AdmitStatus::kWaitForCapacity;
    return d;
  };
  if (priority == TaskPriority::kBulk && waiting_interactive_ > 0)
    return wait_for_capacity();
  const bool adaptive = uses_adaptive_concurrency();
  if (adaptive ? concurrency_.in_flight() >= concurrency_.limit()
               : in_flight_ >= fixed_concurrency_) {
    return wait_for_capacity();
  }
  const auto wait = limiter_.time_until_admitted(estimated_tokens, now);
  if (!wait) {
    d.status = AdmitStatus::kNeverFits;
    d.reason = "the request's estimated tokens exceed the whole tokens-per-minute limit";
    return d;
  }
  if (*wait > limits::Duration::zero()) {
    d.status = AdmitStatus::kWaitUntil;
    d.retry_at = now + *wait;
    return d;
  }
  const limits::TokenUsage estimate{estimated_tokens, max_output_tokens_, 0};
  auto reservation = accounting_.try_reserve(model_, estimate);
  if (reservation.refusal) {
    d.status = AdmitStatus::kBudgetExhausted;
    d.reason = reservation.refusal->describe();
    return d;
  }
  const auto breaker = breaker_.acquire(now);
  if (!breaker.allowed()) {
    accounting_.release(reservation.reserved);
    d.status = AdmitStatus::kBreakerOpen;
    // Half-open with its probes out: ask again shortly.
    d.retry_at = std::max(breaker_.open_until(), now + std::chrono::milliseconds(50));
    return d;
  }
  limiter_.try_admit(estimated_tokens, now);  // available: checked above under the same lock
  if (adaptive)
    concurrency_.try_acquire();
  ++in_flight_;
  accounting_.count_attempt();
  d.permit = AttemptPermit{breaker, estimated_tokens, reservation.reserved, adaptive};
  return d;
}

void SharedAdmission::finish(const AttemptPermit& permit, const AttemptReport& report,
                             limits::TimePoint now) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    if (permit.holds_concurrency) {
      switch (report.outcome) {
        case AttemptOutcome::kSuccess:
          concurrency_.on_success();
          break;
        case AttemptOutcome::kThrottled:
        case AttemptOutcome::kOverloaded:
          concurrency_.on_overload(now);
          break;
        default:
          concurrency_.on_other_failure();
          break;
      }
    }
    breaker_.record(permit.breaker, breaker_outcome(report.outcome), now);
    limiter_.adopt(report.hints, now);
    if (report.outcome == AttemptOutcome::kThrottled && !report.hints.retry_after &&
        !report.hints.remaining_requests && !report.hints.remaining_tokens) {
      limiter_.on_throttled(now);
    }
    accounting_.release(permit.reserved_cost);
    accounting_.record_latency(report.latency);
    const std::string& model = report.model.empty() ? model_ : report.model;
    if (report.usage) {
      limiter_.settle(permit.reserved_tokens, *report.usage, now);
      accounting_.record_usage(model, *report.usage);
    } else if (report.may_have_been_billed) {
      // The reservation is the prompt estimate plus the output allowance.
      const std::int64_t completion = std::min(max_output_tokens_, permit.reserved_tokens);
      const limits::TokenUsage estimate{permit.reserved_tokens - completion, completion, 0};
      accounting_.record_unreported_usage(model, estimate);
      unreported_prompt_tokens_ += static_cast<std::uint64_t>(estimate.prompt_tokens);
      unreported_completion_tokens_ += static_cast<std::uint64_t>(estimate.completion_tokens);
    } else {
      limiter_.settle(permit.reserved_tokens, limits::TokenUsage{}, now);  // nothing was spent
    }
    if (!report.error_class.empty())
      accounting_.count_error(report.error_class);
    waiters.swap(capacity_waiters_);
  }
  for (auto& wake : waiters)
    wake();
}

void SharedAdmission::add_waiting_interactive(std::int64_t delta) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    waiting_interactive_ += delta;
    if (waiting_interactive_ == 0)
      waiters.swap(capacity_waiters_);
  }
  for (auto& wake : waiters)
    wake();
}

void SharedAdmission::count_logical_request() {
  std::lock_guard lock(mutex_);
  accounting_.count_logical_request();
}

void SharedAdmission::count_cache_hit() {
  std::lock_guard lock(mutex_);
  accounting_.count_cache_hit();
}

void SharedAdmission::count_error(std::string_view error_class) {
  std::lock_guard lock(mutex_);
  accounting_.count_error(error_class);
}

SharedAdmission::Snapshot SharedAdmission::snapshot(limits::TimePoint now) const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  s.counters = accounting_.counters();
  s.errors = accounting_.errors();
  s.latency = accounting_.latency();
  s.breaker = breaker_.state(now);
  s.breaker_opened = breaker_.times_opened();
  s.concurrency_limit = uses_adaptive_concurrency() ? concurrency_.limit() : fixed_concurrency_;
  s.in_flight = in_flight_;
  s.requests_per_minute = limiter_.requests_per_minute();
  s.tokens_per_minute = limiter_.tokens_per_minute();
  s.budget_refusal = accounting_.first_refusal();
  s.unreported_prompt_tokens = unreported_prompt_tokens_;
  s.unreported_completion_tokens = unreported_completion_tokens_;
  return s;
}

}  // namespace lusifer
