#include "engine/mock/rate_limits.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer::mock {
namespace {

limits::TokenBucket make_bucket(std::int64_t per_minute, MockRateLimiter::TimePoint now) {
  limits::TokenBucketConfig config;
  config.capacity = per_minute;
  config.refill_tokens = per_minute;
  config.refill_period = std::chrono::minutes(1);
  config.initial_tokens = per_minute;
  config.oversize = limits::OversizePolicy::kReject;
  return limits::TokenBucket(config, now);
}

}  // namespace

MockRateLimiter::MockRateLimiter(RateLimitOptions options, TimePoint now) : options_(options) {
  if (options_.requests_per_minute < 0 || options_.tokens_per_minute < 0)
    throw std::invalid_argument("rate limits must be >= 0 (0 is unlimited)");
  if (options_.requests_per_minute > 0)
    requests_.emplace(make_bucket(options_.requests_per_minute, now));
  if (options_.tokens_per_minute > 0)
    tokens_.emplace(make_bucket(options_.tokens_per_minute, now));
}

LimitHeaderValues MockRateLimiter::values_of(const limits::TokenBucket& bucket, TimePoint now) {
  LimitHeaderValues v;
  v.limit = bucket.capacity();
  v.remaining = std::max<std::int64_t>(bucket.available(now), 0);
  v.reset = bucket.time_until_available(bucket.capacity(), now).value_or(limits::Duration{0});
  return v;
}

void MockRateLimiter::fill_headers(RateDecision& decision, TimePoint now) const {
  if (requests_)
    decision.requests = values_of(*requests_, now);
  if (tokens_)
    decision.tokens = values_of(*tokens_, now);
}

RateDecision MockRateLimiter::admit(std::int64_t tokens, TimePoint now) {
  RateDecision decision;
  if (!enabled())
    return decision;
  tokens = std::max<std::int64_t>(tokens, 0);
  std::lock_guard lock(mutex_);
  const auto refuse = [&](RateVerdict verdict, const limits::TokenBucket& bucket,
                          std::int64_t cost) {
    decision.verdict = verdict;
    decision.requested = cost;
    decision.used =
        std::clamp<std::int64_t>(bucket.capacity() - bucket.available(now), 0, bucket.capacity());
    if (verdict != RateVerdict::kTooLarge)
      decision.retry_after = bucket.time_until_available(cost, now).value_or(limits::Duration{0});
    fill_headers(decision, now);
    return decision;
  };
  if (tokens_ && tokens > tokens_->capacity())
    return refuse(RateVerdict::kTooLarge, *tokens_, tokens);
  if (requests_ && requests_->available(now) < 1)
    return refuse(RateVerdict::kRequestsExceeded, *requests_, 1);
  if (tokens_ && tokens_->available(now) < tokens)
    return refuse(RateVerdict::kTokensExceeded, *tokens_, tokens);
  if (requests_)
    requests_->try_acquire(1, now);
  if (tokens_)
    tokens_->try_acquire(tokens, now);
  fill_headers(decision, now);
  return decision;
}

RateDecision MockRateLimiter::peek(TimePoint now) const {
  RateDecision decision;
  std::lock_guard lock(mutex_);
  fill_headers(decision, now);
  return decision;
}

}  // namespace lusifer::mock
