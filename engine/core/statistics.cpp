#include "engine/core/statistics.hpp"

#include <cmath>

namespace lusifer {

double quantile_of_sorted(std::span<const double> sorted, double q) noexcept {
  if (sorted.empty()) return 0.0;
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

}  // namespace lusifer
