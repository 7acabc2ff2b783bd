#include "engine/limits/backoff.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer::limits {

Backoff::Backoff(const BackoffConfig& config) : config_(config) {
  if (config.base <= Duration::zero())
    throw std::invalid_argument("backoff: base must be > 0");
  if (config.cap < config.base)
    throw std::invalid_argument("backoff: cap must be >= base");
  if (config.max_server_delay < Duration::zero()) {
    throw std::invalid_argument("backoff: max_server_delay must be >= 0");
  }
}

Duration Backoff::ceiling(int retry) const noexcept {
  Duration d = config_.base;
  // Doubling stops at the cap, so it never overflows.
  for (int i = 0; i < retry && d < config_.cap; ++i) {
    d = d > config_.cap / 2 ? config_.cap : d * 2;
  }
  return std::min(d, config_.cap);
}

Duration Backoff::jittered(int retry, Rng& rng) const {
  if (retry < 0)
    throw std::invalid_argument("backoff: negative retry number");
  return Duration(rng.uniform_int(0, ceiling(retry).count()));
}

std::optional<Duration> Backoff::delay(int retry, std::optional<Duration> server_delay,
                                       Rng& rng) const {
  if (retry < 0)
    throw std::invalid_argument("backoff: negative retry number");
  if (server_delay && *server_delay > Duration::zero()) {
    if (*server_delay > config_.max_server_delay)
      return std::nullopt;
    return *server_delay;
  }
  return jittered(retry, rng);
}

}  // namespace lusifer::limits
