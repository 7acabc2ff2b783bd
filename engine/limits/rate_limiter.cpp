#include "engine/limits/rate_limiter.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer::limits {
namespace {

constexpr Duration kMinute = std::chrono::minutes(1);

std::optional<TokenBucket> make_bucket(std::optional<std::int64_t> per_minute, std::int64_t initial,
                                       OversizePolicy oversize, TimePoint now) {
  if (!per_minute)
    return std::nullopt;
  if (*per_minute <= 0)
    throw std::invalid_argument("rate limiter: a limit must be > 0");
  TokenBucketConfig config;
  config.capacity = *per_minute;
  config.refill_tokens = *per_minute;
  config.refill_period = kMinute;
  config.initial_tokens = initial;
  config.oversize = oversize;
  return TokenBucket(config, now);
}

// Applies one limit's hints (limit, remaining, reset) to its bucket.
void adopt_limit_hints(std::optional<TokenBucket>& bucket, bool learn,
                       std::optional<std::int64_t> limit, std::optional<std::int64_t> remaining,
                       std::optional<Duration> reset, OversizePolicy oversize, TimePoint now) {
  if (learn && limit && *limit > 0) {
    if (!bucket) {
      // Unknown until now, so unlimited: what the server says remains is
      // the first level we can stand behind; without it, empty.
      const std::int64_t start = std::clamp<std::int64_t>(remaining.value_or(0), 0, *limit);
      bucket = make_bucket(limit, start, oversize, now);
    } else if (bucket->capacity() != *limit) {
      bucket->reconfigure(*limit, *limit, now);
    }
  }
  if (!bucket)
    return;
  if (remaining)
    bucket->lower_to(*remaining, now);
  if (reset)
    bucket->lower_for_full_in(*reset, now);
}

}  // namespace

RateLimiter::RateLimiter(const RateLimiterConfig& config, TimePoint now)
    : config_(config),
      requests_(make_bucket(config.requests_per_minute, config.initial_requests,
                            OversizePolicy::kReject, now)),
      tokens_(make_bucket(config.tokens_per_minute, config.initial_tokens, config.oversize_tokens,
                          now)),
      learn_requests_(!config.requests_per_minute),
      learn_tokens_(!config.tokens_per_minute) {
  if (config.initial_requests < 0 || config.initial_tokens < 0) {
    throw std::invalid_argument("rate limiter: initial levels must be >= 0");
  }
}

std::optional<Duration> RateLimiter::time_until_admitted(std::int64_t estimated_tokens,
                                                         TimePoint now) const {
  if (estimated_tokens < 0)
    throw std::invalid_argument("rate limiter: negative token estimate");
  Duration wait = paused_until_ > now ? paused_until_ - now : Duration::zero();
  if (requests_) {
    const auto request_wait = requests_->time_until_available(1, now);
    if (!request_wait)
      return std::nullopt;
    wait = std::max(wait, *request_wait);
  }
  if (tokens_) {
    const auto token_wait = tokens_->time_until_available(estimated_tokens, now);
    if (!token_wait)
      return std::nullopt;
    wait = std::max(wait, *token_wait);
  }
  return wait;
}

Admission RateLimiter::try_admit(std::int64_t estimated_tokens, TimePoint now) {
  const auto wait = time_until_admitted(estimated_tokens, now);
  if (!wait)
    return {AdmissionStatus::kNever, Duration::zero()};
  if (*wait > Duration::zero())
    return {AdmissionStatus::kWait, *wait};
  // Both are available now, so both acquisitions succeed.
  if (requests_)
    requests_->try_acquire(1, now);
  if (tokens_)
    tokens_->try_acquire(estimated_tokens, now);
  return {AdmissionStatus::kAdmitted, Duration::zero()};
}

std::int64_t RateLimiter::counted_tokens(const TokenUsage& usage) const noexcept {
  const std::int64_t prompt =
      config_.cached_prompt_tokens_count ? usage.prompt_tokens : usage.uncached_prompt_tokens();
  return prompt + usage.completion_tokens;
}

void RateLimiter::settle(std::int64_t reserved_tokens, const TokenUsage& usage, TimePoint now) {
  if (reserved_tokens < 0 || usage.prompt_tokens < 0 || usage.completion_tokens < 0 ||
      usage.cached_prompt_tokens < 0) {
    throw std::invalid_argument("rate limiter: negative token count");
  }
  if (!tokens_)
    return;
  const std::int64_t delta = counted_tokens(usage) - reserved_tokens;
  if (delta < 0 && !config_.refund_unused_estimate)
    return;
  tokens_->correct(delta, now);
}

void RateLimiter::pause_until(TimePoint until) noexcept {
  paused_until_ = std::max(paused_until_, until);
}

void RateLimiter::adopt(const ServerRateHints& hints, TimePoint now) {
  if (hints.retry_after && *hints.retry_after > Duration::zero()) {
    pause_until(now + *hints.retry_after);
  }
  adopt_limit_hints(requests_, learn_requests_, hints.limit_requests, hints.remaining_requests,
                    hints.reset_requests, OversizePolicy::kReject, now);
  adopt_limit_hints(tokens_, learn_tokens_, hints.limit_tokens, hints.remaining_tokens,
                    hints.reset_tokens, config_.oversize_tokens, now);
}

void RateLimiter::on_throttled(TimePoint now) {
  if (requests_)
    requests_->lower_to(0, now);
  if (tokens_)
    tokens_->lower_to(0, now);
}

std::optional<std::int64_t> RateLimiter::requests_per_minute() const noexcept {
  if (!requests_)
    return std::nullopt;
  return requests_->capacity();
}

std::optional<std::int64_t> RateLimiter::tokens_per_minute() const noexcept {
  if (!tokens_)
    return std::nullopt;
  return tokens_->capacity();
}

}  // namespace lusifer::limits
