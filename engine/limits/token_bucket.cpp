#include "engine/limits/token_bucket.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lusifer::limits {

TokenBucket::TokenBucket(const TokenBucketConfig& config, TimePoint now)
    : capacity_(config.capacity),
      refill_tokens_(config.refill_tokens),
      period_(config.refill_period),
      oversize_(config.oversize),
      level_(0),
      last_(now) {
  if (config.capacity <= 0)
    throw std::invalid_argument("token bucket: capacity must be > 0");
  if (config.refill_tokens <= 0) {
    throw std::invalid_argument("token bucket: refill_tokens must be > 0");
  }
  if (config.refill_period <= Duration::zero()) {
    throw std::invalid_argument("token bucket: refill_period must be > 0");
  }
  if (config.initial_tokens < 0 || config.initial_tokens > config.capacity) {
    throw std::invalid_argument("token bucket: initial_tokens must be in [0, capacity], got " +
                                std::to_string(config.initial_tokens));
  }
  level_ = static_cast<Units>(config.initial_tokens) * period_.count();
}

TokenBucket::Units TokenBucket::level_at(TimePoint now) const noexcept {
  if (now <= last_)
    return level_;
  const Units cap = static_cast<Units>(capacity_) * period_.count();
  if (level_ >= cap)
    return level_;
  const Units elapsed = (now - last_).count();
  // elapsed < 2^63 and refill_tokens < 2^63: the product fits in 127 bits.
  return std::min(cap, level_ + elapsed * refill_tokens_);
}

void TokenBucket::advance(TimePoint now) noexcept {
  if (now <= last_)
    return;
  level_ = level_at(now);
  last_ = now;
}

TokenBucket::Units TokenBucket::units_needed(std::int64_t cost) const noexcept {
  // Under kAdmitWhenFull an oversize cost needs a full bucket, not more.
  const std::int64_t tokens = std::min(cost, capacity_);
  return static_cast<Units>(tokens) * period_.count();
}

Admission TokenBucket::try_acquire(std::int64_t cost, TimePoint now) {
  if (cost < 0)
    throw std::invalid_argument("token bucket: negative cost");
  if (!ever_admits(cost))
    return {AdmissionStatus::kNever, Duration::zero()};
  advance(now);
  const Units needed = units_needed(cost);
  if (level_at(now) >= needed) {
    level_ -= static_cast<Units>(cost) * period_.count();
    return {AdmissionStatus::kAdmitted, Duration::zero()};
  }
  return {AdmissionStatus::kWait, *time_until_available(cost, now)};
}

std::optional<Duration> TokenBucket::time_until_available(std::int64_t cost, TimePoint now) const {
  if (cost < 0)
    throw std::invalid_argument("token bucket: negative cost");
  if (!ever_admits(cost))
    return std::nullopt;
  // Measured from max(now, last_): time before last_ brings no refill.
  const TimePoint from = std::max(now, last_);
  const Units deficit = units_needed(cost) - level_at(from);
  if (deficit <= 0)
    return from - now;
  const Units refill_ns = (deficit + refill_tokens_ - 1) / refill_tokens_;  // ceiling
  return (from - now) + Duration(static_cast<Duration::rep>(refill_ns));
}

void TokenBucket::correct(std::int64_t delta, TimePoint now) {
  advance(now);
  const Units cap = static_cast<Units>(capacity_) * period_.count();
  level_ = std::min(cap, level_ - static_cast<Units>(delta) * period_.count());
}

void TokenBucket::lower_to(std::int64_t tokens, TimePoint now) {
  advance(now);
  level_ = std::min(level_, static_cast<Units>(tokens) * period_.count());
}

void TokenBucket::lower_for_full_in(Duration time_to_full, TimePoint now) {
  advance(now);
  if (time_to_full <= Duration::zero())
    return;
  // Full at now + t means the level now is at most capacity - rate * t, and
  // never below empty: even an empty bucket is full after capacity / rate.
  const Units cap = static_cast<Units>(capacity_) * period_.count();
  const Units refill = static_cast<Units>(time_to_full.count()) * refill_tokens_;
  level_ = std::min(level_, std::max<Units>(0, cap - refill));
}

void TokenBucket::reconfigure(std::int64_t capacity, std::int64_t refill_tokens, TimePoint now) {
  if (capacity <= 0)
    throw std::invalid_argument("token bucket: capacity must be > 0");
  if (refill_tokens <= 0)
    throw std::invalid_argument("token bucket: refill_tokens must be > 0");
  advance(now);
  capacity_ = capacity;
  refill_tokens_ = refill_tokens;
  level_ = std::min(level_, static_cast<Units>(capacity_) * period_.count());
}

std::int64_t TokenBucket::available(TimePoint now) const {
  const Units level = level_at(now);
  const Units period = period_.count();
  // Floor division, also for debt.
  Units whole = level / period;
  if (level % period != 0 && level < 0)
    --whole;
  return static_cast<std::int64_t>(whole);
}

}  // namespace lusifer::limits
