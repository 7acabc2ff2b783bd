#pragma once

// A token bucket with continuous refill, the model of a provider's
// per-minute limit (one bucket for requests, one for tokens).
//
// The bucket holds at most `capacity` tokens and gains `refill_tokens` every
// `refill_period`, continuously (a request of 10 tokens at 600 per minute
// waits exactly one second from empty). It starts at `initial_tokens`, which
// defaults to EMPTY, not full: a provider's bucket may already have been
// drained by a previous run with the same key, and a bucket that starts full
// admits a full minute's worth at once plus the refill of that minute — twice
// the limit. Starting empty keeps the local level at or below the server's at
// all times (both refill alike and are capped alike), at the price of a
// ramp-up during the first minute.
//
// Arithmetic is exact: the level is kept in integer units of 1/period_ns of a
// token, so `time_until_available` returns the exact shortest wait — at
// now + wait the request is admitted, one nanosecond earlier it is not.
//
// The level may go negative (debt): a reserved estimate that turns out too
// small is charged afterwards with `correct`, and later requests wait until
// the debt is refilled. Refunds (negative corrections) never lift the level
// above capacity.
//
// A cost larger than the capacity can never be covered. `OversizePolicy`
// decides what happens instead of waiting forever:
//   kReject         the request is never admitted; `try_acquire` returns kNever
//                   at once. Right for provider limits: OpenAI rejects such a
//                   request with a terminal "Request too large" error.
//   kAdmitWhenFull  the request is admitted once the bucket is full and drives
//                   it into debt, so the average rate is still kept. Right for
//                   limits we set ourselves.
//
// Thread-safety: none; one owner (an actor) uses a bucket.
// Errors: invalid configuration or a negative cost throws
// std::invalid_argument.

#include <cstdint>
#include <optional>

#include "engine/limits/clock.hpp"

namespace lusifer::limits {

enum class OversizePolicy { kReject, kAdmitWhenFull };

struct TokenBucketConfig {
  std::int64_t capacity = 0;                         // > 0
  std::int64_t refill_tokens = 0;                    // > 0, per refill_period
  Duration refill_period = std::chrono::minutes(1);  // > 0
  std::int64_t initial_tokens = 0;                   // in [0, capacity]
  OversizePolicy oversize = OversizePolicy::kReject;
};

enum class AdmissionStatus {
  kAdmitted,  // taken now
  kWait,      // not now; `wait` is the exact time until it would be
  kNever      // can never be admitted (cost above capacity under kReject)
};

struct Admission {
  AdmissionStatus status = AdmissionStatus::kNever;
  Duration wait{0};  // zero unless status is kWait

  bool admitted() const noexcept { return status == AdmissionStatus::kAdmitted; }
};

class TokenBucket {
 public:
  // `now` is when the bucket starts to refill.
  TokenBucket(const TokenBucketConfig& config, TimePoint now);

  // Takes `cost` tokens if available now; otherwise changes nothing.
  Admission try_acquire(std::int64_t cost, TimePoint now);

  // Zero when `cost` is available now, the exact wait otherwise, and
  // nullopt when it never will be (cost above capacity under kReject).
  std::optional<Duration> time_until_available(std::int64_t cost, TimePoint now) const;

  // Charges `delta` tokens (positive: used more than reserved, may create
  // debt) or refunds them (negative; capped at capacity).
  void correct(std::int64_t delta, TimePoint now);

  // Lowers the level to at most `tokens` (never raises it): a server saying
  // that fewer remain than we think.
  void lower_to(std::int64_t tokens, TimePoint now);

  // Lowers the level so the bucket cannot be full before `now + time_to_full`:
  // a server saying how long until its bucket is fully refilled. A time longer
  // than refilling from empty is inconsistent with the configured limit and is
  // taken as "empty now" rather than as debt.
  void lower_for_full_in(Duration time_to_full, TimePoint now);

  // Changes capacity and refill rate, keeping the current level (capped at
  // the new capacity). Used when the server reports a different limit.
  void reconfigure(std::int64_t capacity, std::int64_t refill_tokens, TimePoint now);

  // Whole tokens available at `now` (negative while in debt).
  std::int64_t available(TimePoint now) const;

  std::int64_t capacity() const noexcept { return capacity_; }
  std::int64_t refill_tokens() const noexcept { return refill_tokens_; }
  Duration refill_period() const noexcept { return period_; }
  OversizePolicy oversize_policy() const noexcept { return oversize_; }
  bool ever_admits(std::int64_t cost) const noexcept {
    return cost <= capacity_ || oversize_ == OversizePolicy::kAdmitWhenFull;
  }

 private:
  // GCC's 128-bit integer; __extension__ marks the use as deliberate under -Wpedantic.
  __extension__ using Units = __int128;

  void advance(TimePoint now) noexcept;
  Units level_at(TimePoint now) const noexcept;
  Units units_needed(std::int64_t cost) const noexcept;

  std::int64_t capacity_;
  std::int64_t refill_tokens_;
  Duration period_;
  OversizePolicy oversize_;
  Units level_;  // tokens * period_.count()
  TimePoint last_;
};

}  // namespace lusifer::limits
