#pragma once

// Requests-per-minute and tokens-per-minute limits enforced the way OpenAI
// enforces them, for the mock LLM server.
//
// Each limit is a bucket holding one minute's worth that refills
// continuously (limit per minute) and starts full, as a fresh API key's
// does. A request costs one request and its token estimate (what the server
// computes before running the model: the prompt estimate plus the most the
// answer may use). A request is admitted only when both buckets can pay;
// otherwise nothing is taken and the decision says which limit was hit (the
// requests limit is checked first) and how long until the request would fit.
// A request costing more tokens than the whole TPM limit can never fit: it
// is kTooLarge, OpenAI's terminal "Request too large" 429.
//
// Every decision carries the values of the x-ratelimit-* headers: limit,
// remaining (after this request when admitted) and the time until the bucket
// is full again. A limit of 0 is unlimited and reports nothing.
//
// Thread-safe (one mutex); time comes from the caller.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "engine/limits/token_bucket.hpp"
#include "engine/mock/wire_format.hpp"

namespace lusifer::mock {

struct RateLimitOptions {
  std::int64_t requests_per_minute = 0;  // 0: unlimited
  std::int64_t tokens_per_minute = 0;    // 0: unlimited
};

enum class RateVerdict { kAdmitted, kRequestsExceeded, kTokensExceeded, kTooLarge };

struct RateDecision {
  RateVerdict verdict = RateVerdict::kAdmitted;
  std::optional<LimitHeaderValues> requests;  // set when the limit is configured
  std::optional<LimitHeaderValues> tokens;
  // When refused: the limit's used amount (limit minus what is left, at
  // least 0), what was asked, and the wait until it would fit (0 for kTooLarge).
  std::int64_t used = 0;
  std::int64_t requested = 0;
  std::chrono::nanoseconds retry_after{0};

  bool admitted() const noexcept { return verdict == RateVerdict::kAdmitted; }
};

class MockRateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Throws std::invalid_argument for negative limits.
  MockRateLimiter(RateLimitOptions options, TimePoint now);

  bool enabled() const noexcept { return requests_ || tokens_; }
  const RateLimitOptions& options() const noexcept { return options_; }

  RateDecision admit(std::int64_t tokens, TimePoint now);

  // The header values now, without taking anything.
  RateDecision peek(TimePoint now) const;

 private:
  static LimitHeaderValues values_of(const limits::TokenBucket& bucket, TimePoint now);
  void fill_headers(RateDecision& decision, TimePoint now) const;

  RateLimitOptions options_;
  mutable std::mutex mutex_;
  std::optional<limits::TokenBucket> requests_;
  std::optional<limits::TokenBucket> tokens_;
};

}  // namespace lusifer::mock
