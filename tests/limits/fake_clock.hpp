#pragma once

// A fixed origin for fake time: tests say "at 1.5 s" instead of reading a clock.

#include "engine/limits/clock.hpp"

namespace lusifer::limits::testing {

// Far from the clock's epoch, so "before the start" is representable too.
inline const TimePoint kStart = TimePoint{} + std::chrono::hours(1000);

inline TimePoint at(Duration since_start) {
  return kStart + since_start;
}

}  // namespace lusifer::limits::testing
