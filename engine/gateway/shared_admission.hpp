#pragma once

// The admission state that all gateway actors of one pool share: the rate
// limiter (RPM, TPM, the pool-wide pause that Retry-After imposes), the
// adaptive concurrency limit where the limits are unknown, the endpoint's
// circuit breaker, the usage accounting with its budget cap, and the
// priority rule that interactive work goes before bulk work.
//
// One attempt = one HTTP call. An actor asks `try_admit` before each attempt
// and reports the attempt's end with `finish`, exactly once per admission.
// When an attempt cannot start, the decision says why and when to ask again;
// for conditions that end when another attempt finishes (the concurrency
// limit, interactive work waiting), the actor leaves a wake-up callback that
// is called, outside the lock, when the condition may have cleared.
//
// Thread-safe: gateway actors run on different scheduler threads. Every
// critical section is short arithmetic; no I/O happens under the lock.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/gateway/gateway_settings.hpp"
#include "engine/limits/circuit_breaker.hpp"
#include "engine/limits/clock.hpp"
#include "engine/limits/concurrency_controller.hpp"
#include "engine/limits/rate_limiter.hpp"
#include "engine/limits/usage_accounting.hpp"
#include "engine/sim/llm_task.hpp"

namespace lusifer {

enum class AdmitStatus {
  kAdmitted,
  kWaitUntil,        // rate limits or a server pause: ask again at `retry_at`
  kBreakerOpen,      // the endpoint's breaker is open until `retry_at`
  kWaitForCapacity,  // concurrency limit reached, or interactive work first: wake-up callback
  kNeverFits,        // the request is larger than the whole TPM limit: terminal
  kBudgetExhausted,  // the budget cap would be passed: terminal, stop new work
};

struct AttemptPermit {
  limits::BreakerPermit breaker;
  std::int64_t reserved_tokens = 0;
  limits::Picodollars reserved_cost = 0;
  bool holds_concurrency = false;
};

struct AdmitDecision {
  AdmitStatus status = AdmitStatus::kAdmitted;
  limits::TimePoint retry_at{};
  AttemptPermit permit;  // valid when admitted
  std::string reason;    // for terminal statuses
};

enum class AttemptOutcome {
  kSuccess,
  kThrottled,       // 429 rate limit (the server's hints say for how long)
  kOverloaded,      // 503, timeouts: shrink concurrency where limits are unknown
  kQuotaExhausted,  // terminal: the breaker opens at once
  kFailure,         // other failures count toward the breaker
  kNotCounted,      // cancelled, or a client-side problem the endpoint did not see
};

struct AttemptReport {
  AttemptOutcome outcome = AttemptOutcome::kSuccess;
  std::optional<limits::TokenUsage> usage;  // when the server reported it
  limits::ServerRateHints hints;
  std::string model;
  // The failure class for "errors by class"; empty on success.
  std::string error_class;
  limits::Duration latency{0};
  // The request reached the server and may be billed although no usage came
  // back (a timeout after sending): charged at the estimate, not refunded.
  bool may_have_been_billed = false;
};

class SharedAdmission {
 public:
  SharedAdmission(const GatewaySettings& settings, limits::TimePoint now);

  // A copy of `on_capacity` is kept (only) when the answer is
  // kWaitForCapacity, and called once when that may have cleared; it must be
  // cheap and must not call back into this object.
  AdmitDecision try_admit(std::int64_t estimated_tokens, TaskPriority priority,
                          limits::TimePoint now, const std::function<void()>& on_capacity);
  void finish(const AttemptPermit& permit, const AttemptReport& report, limits::TimePoint now);

  // Interactive work queued anywhere holds bulk work back.
  void add_waiting_interactive(std::int64_t delta);

  // A cache hit or a logical request: counted, never admitted.
  void count_logical_request();
  void count_cache_hit();
  void count_error(std::string_view error_class);

  struct Snapshot {
    limits::UsageCounters counters;
    std::map<std::string, std::uint64_t, std::less<>> errors;
    limits::LatencySummary latency;
    limits::BreakerState breaker = limits::BreakerState::kClosed;
    std::uint64_t breaker_opened = 0;
    int concurrency_limit = 0;
    int in_flight = 0;
    std::optional<std::int64_t> requests_per_minute;
    std::optional<std::int64_t> tokens_per_minute;
    std::optional<limits::BudgetRefusal> budget_refusal;
    // The part of counters' tokens charged at the estimate because an attempt
    // that may have been billed reported no usage (what the server reported
    // is the counters minus these).
    std::uint64_t unreported_prompt_tokens = 0;
    std::uint64_t unreported_completion_tokens = 0;
  };
  Snapshot snapshot(limits::TimePoint now) const;

 private:
  bool uses_adaptive_concurrency() const noexcept;

  mutable std::mutex mutex_;
  limits::RateLimiter limiter_;
  limits::ConcurrencyController concurrency_;
  limits::CircuitBreaker breaker_;
  limits::UsageAccounting accounting_;
  std::string model_;
  std::int64_t max_output_tokens_;
  int fixed_concurrency_;
  int in_flight_ = 0;
  std::int64_t waiting_interactive_ = 0;
  std::uint64_t unreported_prompt_tokens_ = 0;
  std::uint64_t unreported_completion_tokens_ = 0;
  std::vector<std::function<void()>> capacity_waiters_;
};

}  // namespace lusifer
