#pragma once

// The time types of the limits module.
//
// Nothing in engine/limits reads a clock: every function takes `now`, so the
// arithmetic is exact and tests drive it with a fake clock. The gateway passes
// std::chrono::steady_clock::now(). Durations are nanoseconds, the steady
// clock's own resolution, so milliseconds parsed from headers convert without
// loss.
//
// Time that seems to run backwards (an older `now` than one already seen) is
// treated as no time passing; nothing refills or expires backwards.

#include <chrono>

namespace lusifer::limits {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;

}  // namespace lusifer::limits
