#pragma once

#include <span>

namespace lusifer {

// The q-quantile (0 <= q <= 1) of ascending `sorted` values, interpolating
// linearly between order statistics (numpy's default, Hyndman-Fan type 7).
// Returns 0 for an empty span.
double quantile_of_sorted(std::span<const double> sorted, double q) noexcept;

}  // namespace lusifer
