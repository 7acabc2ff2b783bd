#pragma once

// Admission of requests to one provider pool (one API key and endpoint)
// under its requests-per-minute and tokens-per-minute limits.
//
// One decision covers both limits and the pool-wide pause: a request of N
// estimated tokens goes when one request AND N tokens are available and no
// pause is in force; `try_admit` then takes both at once, and otherwise says
// exactly how long to wait. The wait is exact: both buckets refill during the
// pause, so the answer is the largest of the three waits.
//
// Token accounting follows the call:
//   1. `try_admit(estimate)` reserves the estimate (prompt estimate plus the
//      completion budget, times n). Provider limiters charge the request's
//      maximum at admission too.
//   2. `settle(estimate, usage)` corrects by (counted - estimate) once the
//      response's usage is known: a charge when we under-estimated, a refund
//      when we over-estimated (refunds can be switched off for providers that
//      keep charging the reserved maximum). Counted tokens are prompt +
//      completion; cached prompt tokens count unless
//      `cached_prompt_tokens_count` is false (OpenAI counts them toward TPM).
//      A call that failed without usage is not settled: the estimate stands,
//      because the provider may well have counted (and billed) it.
//
// Server hints (`adopt`):
//   * retry_after pauses the whole pool until now + retry_after (a pause only
//     ever extends).
//   * x-ratelimit-remaining-* lowers the local level to what the server says
//     remains; it never raises it. Requests dispatched within the last
//     one-way network delay may not be counted in the server's figure yet;
//     that error is a few milliseconds of refill and a 429 would pause us.
//   * x-ratelimit-reset-* is the time until the server's bucket is FULLY
//     refilled, not the wait for one request; it lowers the level so that the
//     local bucket cannot be full earlier than the server's. A reset longer
//     than refilling from empty (the OpenAI docs show "6m0s" for a
//     per-minute limit) contradicts the limit; it is taken as "empty now",
//     not as minutes of debt.
//   * x-ratelimit-limit-* is learned only for limits configured as unknown
//     (nullopt); with a known limit the configuration wins. A newly learned
//     bucket starts at what the server says remains, or empty when it does
//     not say. Learned limits are taken as per-minute limits.
//   A limit that is unknown and never learned is not enforced (local servers
//   without rate-limit headers); concurrency control then does the work.
//
// Thread-safety: none; the pool's actor owns its limiter.
// Errors: invalid configuration or negative token counts throw
// std::invalid_argument.

#include <cstdint>
#include <optional>

#include "engine/limits/clock.hpp"
#include "engine/limits/token_bucket.hpp"
#include "engine/limits/token_usage.hpp"

namespace lusifer::limits {

// Rate-limit information from one response, parsed from its headers by the
// protocol layer. Every field is optional: servers omit them freely.
struct ServerRateHints {
  std::optional<std::int64_t> limit_requests;      // x-ratelimit-limit-requests
  std::optional<std::int64_t> limit_tokens;        // x-ratelimit-limit-tokens
  std::optional<std::int64_t> remaining_requests;  // x-ratelimit-remaining-requests
  std::optional<std::int64_t> remaining_tokens;    // x-ratelimit-remaining-tokens
  std::optional<Duration> reset_requests;          // x-ratelimit-reset-requests
  std::optional<Duration> reset_tokens;            // x-ratelimit-reset-tokens
  std::optional<Duration> retry_after;             // retry-after-ms / Retry-After
};

struct RateLimiterConfig {
  // Per-minute limits; nullopt means unknown (learned from headers, if any).
  std::optional<std::int64_t> requests_per_minute;
  std::optional<std::int64_t> tokens_per_minute;
  // Starting levels; empty by default (see token_bucket.hpp for why).
  std::int64_t initial_requests = 0;
  std::int64_t initial_tokens = 0;
  // What a request estimated above the whole TPM limit gets.
  OversizePolicy oversize_tokens = OversizePolicy::kReject;
  bool cached_prompt_tokens_count = true;
  bool refund_unused_estimate = true;
};

class RateLimiter {
 public:
  RateLimiter(const RateLimiterConfig& config, TimePoint now);

  // Admits a request of `estimated_tokens` now (taking one request and the
  // tokens), or says how long to wait, or that it never fits (kNever: the
  // estimate is above the TPM limit and oversize requests are rejected).
  Admission try_admit(std::int64_t estimated_tokens, TimePoint now);

  // The same decision without taking anything; nullopt when never.
  std::optional<Duration> time_until_admitted(std::int64_t estimated_tokens, TimePoint now) const;

  // Corrects the token bucket once the response's usage is known.
  void settle(std::int64_t reserved_tokens, const TokenUsage& usage, TimePoint now);

  // The tokens of `usage` that count toward the TPM limit.
  std::int64_t counted_tokens(const TokenUsage& usage) const noexcept;

  // Blocks every admission until `until` (never shortens a pause in force).
  void pause_until(TimePoint until) noexcept;
  TimePoint paused_until() const noexcept { return paused_until_; }

  void adopt(const ServerRateHints& hints, TimePoint now);

  // A 429 without usable hints: the server's bucket is (nearly) empty, so the
  // local levels drop to at most zero and the next requests wait for refill.
  void on_throttled(TimePoint now);

  // The limits in force (configured or learned); nullopt while unknown.
  std::optional<std::int64_t> requests_per_minute() const noexcept;
  std::optional<std::int64_t> tokens_per_minute() const noexcept;
  const std::optional<TokenBucket>& request_bucket() const noexcept { return requests_; }
  const std::optional<TokenBucket>& token_bucket() const noexcept { return tokens_; }

 private:
  RateLimiterConfig config_;
  std::optional<TokenBucket> requests_;
  std::optional<TokenBucket> tokens_;
  bool learn_requests_;
  bool learn_tokens_;
  TimePoint paused_until_{};
};

}  // namespace lusifer::limits
