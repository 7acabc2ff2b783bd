#include "engine/limits/admission_queue.hpp"

#include <stdexcept>

namespace lusifer::limits::admission_queue_detail {

void validate(const AdmissionQueueConfig& config) {
  if (config.class_capacities.empty()) {
    throw std::invalid_argument("admission queue: at least one priority class is needed");
  }
  for (const std::size_t capacity : config.class_capacities) {
    if (capacity == 0)
      throw std::invalid_argument("admission queue: capacities must be > 0");
  }
  if (config.aging_step && *config.aging_step <= Duration::zero()) {
    throw std::invalid_argument("admission queue: aging_step must be > 0");
  }
}

std::size_t effective_class(std::size_t priority_class, Duration waited,
                            const std::optional<Duration>& aging_step) noexcept {
  if (!aging_step || waited <= Duration::zero())
    return priority_class;
  const auto steps = static_cast<std::size_t>(waited / *aging_step);
  return steps >= priority_class ? 0 : priority_class - steps;
}

}  // namespace lusifer::limits::admission_queue_detail
