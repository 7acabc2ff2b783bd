#pragma once

// The delay before a retry: exponential backoff with full jitter, unless the
// server said how long to wait.
//
// * Without a server delay, retry n (0 for the first retry) waits a uniform
//   random time in [0, min(cap, base * 2^n)] ("full jitter", AWS
//   architecture blog): clients that failed together do not retry together.
//   The draw comes from the lusifer::Rng passed in, so a seed reproduces
//   every delay.
// * A server delay (Retry-After / retry-after-ms) takes precedence when it is
//   positive and at most `max_server_delay`: the server knows when capacity
//   returns. A longer one (quota exhausted, daily limit) means "do not retry":
//   the result is nullopt, as openai-python does beyond its maximum; waiting
//   for it silently would stall the run, and ignoring it would hammer a
//   server that said no. A zero or negative server delay is no information
//   and falls back to jittered backoff.
//
// The count of attempts and the deadline of a call live in RetryPolicy; this
// is only the delay.
//
// Thread-safety: the object is immutable; the Rng is the caller's.
// Errors: invalid configuration throws std::invalid_argument.

#include <optional>

#include "engine/core/random.hpp"
#include "engine/limits/clock.hpp"

namespace lusifer::limits {

struct BackoffConfig {
  Duration base = std::chrono::milliseconds(500);
  Duration cap = std::chrono::seconds(8);
  Duration max_server_delay = std::chrono::minutes(2);
};

class Backoff {
 public:
  explicit Backoff(const BackoffConfig& config);

  // min(cap, base * 2^retry), without overflow for any retry >= 0.
  Duration ceiling(int retry) const noexcept;

  // A uniform draw from [0, ceiling(retry)], to the nanosecond.
  Duration jittered(int retry, Rng& rng) const;

  // The delay before retry `retry`, or nullopt when the server's delay is
  // above max_server_delay and the call must not be retried.
  std::optional<Duration> delay(int retry, std::optional<Duration> server_delay, Rng& rng) const;

  const BackoffConfig& config() const noexcept { return config_; }

 private:
  BackoffConfig config_;
};

}  // namespace lusifer::limits
