#include "engine/limits/concurrency_controller.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lusifer::limits {

ConcurrencyController::ConcurrencyController(const ConcurrencyConfig& config)
    : config_(config), limit_(config.initial_limit) {
  if (config.min_limit < 1 || config.max_limit < config.min_limit) {
    throw std::invalid_argument("concurrency: need 1 <= min_limit <= max_limit");
  }
  if (config.initial_limit < config.min_limit || config.initial_limit > config.max_limit) {
    throw std::invalid_argument("concurrency: initial_limit must be in [min_limit, max_limit]");
  }
  if (!(config.decrease_factor > 0.0 && config.decrease_factor < 1.0)) {
    throw std::invalid_argument("concurrency: decrease_factor must be in (0, 1)");
  }
  if (config.decrease_interval < Duration::zero()) {
    throw std::invalid_argument("concurrency: decrease_interval must be >= 0");
  }
}

bool ConcurrencyController::try_acquire() noexcept {
  if (in_flight_ >= limit_)
    return false;
  ++in_flight_;
  if (in_flight_ >= limit_)
    reached_limit_since_change_ = true;
  return true;
}

void ConcurrencyController::release() {
  if (in_flight_ == 0)
    throw std::logic_error("concurrency: release without acquire");
  --in_flight_;
}

void ConcurrencyController::on_success() {
  release();
  ++successes_since_change_;
  if (successes_since_change_ >= limit_ && reached_limit_since_change_ &&
      limit_ < config_.max_limit) {
    ++limit_;
    successes_since_change_ = 0;
    reached_limit_since_change_ = in_flight_ >= limit_;
  }
}

void ConcurrencyController::on_overload(TimePoint now) {
  release();
  if (last_decrease_ && now - *last_decrease_ < config_.decrease_interval)
    return;
  const auto reduced = static_cast<int>(std::floor(limit_ * config_.decrease_factor));
  limit_ = std::max(config_.min_limit, reduced);
  last_decrease_ = now;
  ++decreases_;
  successes_since_change_ = 0;
  reached_limit_since_change_ = in_flight_ >= limit_;
}

void ConcurrencyController::on_other_failure() {
  release();
}

}  // namespace lusifer::limits
