#include "engine/sim/offline_user_state.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace lusifer {
namespace {

constexpr double kSmallestDrift = 0.05;

}  // namespace

double OfflineUserState::drift_for(GenreMask genres) const noexcept {
  if (drift.empty() || genres == 0)
    return 0.0;
  double sum = 0;
  for (const OfflineDrift& d : drift)
    if (genres & (GenreMask{1} << d.genre))
      sum += d.value;
  return sum / std::popcount(genres);
}

void update_drift(std::vector<OfflineDrift>& drift, const GenreResiduals& residuals,
                  const OfflineDriftOptions& options) {
  std::array<double, 64> values{};
  for (const OfflineDrift& d : drift)
    values[d.genre] = d.value;
  for (std::size_t g = 0; g < values.size(); ++g) {
    const double kept = options.decay * values[g];
    const std::uint32_t n = residuals.count[g];
    double next = kept;
    if (n > 0) {
      const double mean = residuals.sum[g] / n;
      next = (options.prior * kept + n * mean) / (options.prior + n);
    }
    values[g] = quantize_hundredths(std::clamp(next, -options.max, options.max));
  }
  drift.clear();
  for (std::size_t g = 0; g < values.size(); ++g) {
    if (std::abs(values[g]) >= kSmallestDrift - 1e-9)
      drift.push_back({static_cast<std::uint8_t>(g), static_cast<float>(values[g])});
  }
  std::sort(drift.begin(), drift.end(), [](const OfflineDrift& a, const OfflineDrift& b) {
    const float sa = std::abs(a.value), sb = std::abs(b.value);
    return sa != sb ? sa > sb : a.genre < b.genre;
  });
  if (drift.size() > OfflineUserState::kMaxDriftGenres)
    drift.resize(OfflineUserState::kMaxDriftGenres);
}

}  // namespace lusifer
