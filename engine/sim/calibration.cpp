#include "engine/sim/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lusifer {
namespace {

constexpr int kBinsPerStep = 64;

}  // namespace

RatingCalibration::RatingCalibration(const RatingScale& scale, CalibrationOptions options)
    : scale_(scale), options_(options), levels_(scale.level_count()) {
  if (levels_ < 1 || !(scale.step > 0))
    throw std::invalid_argument("rating calibration: the scale has no levels");
  if (!(options_.shrinkage >= 0) || !std::isfinite(options_.shrinkage))
    throw std::invalid_argument("rating calibration: shrinkage must be a finite number >= 0");
  pooled_bins_.assign(static_cast<std::size_t>((levels_ - 1) * kBinsPerStep + 1), 0.0);
  pooled_cumulative_.assign(pooled_bins_.size() + 1, 0.0);
  pooled_real_.assign(static_cast<std::size_t>(levels_), 0.0);
}

std::size_t RatingCalibration::bin_of(double x) const noexcept {
  const double position = (x - scale_.min) / (scale_.step / kBinsPerStep);
  const double clamped =
      std::clamp(std::round(position), 0.0, static_cast<double>(pooled_bins_.size() - 1));
  return static_cast<std::size_t>(clamped);
}

double RatingCalibration::clamp_to_scale(double x) const noexcept {
  return std::clamp(x, static_cast<double>(scale_.min), static_cast<double>(scale_.max));
}

void RatingCalibration::fit(UserIndex user, std::span<const double> simulated,
                            std::span<const double> real) {
  if (simulated.empty() || real.empty())
    throw std::invalid_argument(
        "rating calibration: a user needs simulated and real training ratings");
  UserData data;
  data.simulated.reserve(simulated.size());
  for (const double x : simulated) {
    if (!std::isfinite(x))
      throw std::invalid_argument("rating calibration: a simulated rating is not finite");
    data.simulated.push_back(clamp_to_scale(x));
  }
  std::sort(data.simulated.begin(), data.simulated.end());
  data.real_counts.assign(static_cast<std::size_t>(levels_), 0);
  for (const double y : real) {
    const int level = scale_.level_of(y);
    if (level < 0)
      throw std::invalid_argument("rating calibration: a real rating is not on the scale");
    ++data.real_counts[static_cast<std::size_t>(level)];
  }
  data.real_total = static_cast<std::uint32_t>(real.size());

  if (user >= users_.size())
    users_.resize(static_cast<std::size_t>(user) + 1);
  UserData& slot = users_[user];
  // A refit replaces the user's share of the pooled distributions.
  for (const double x : slot.simulated)
    pooled_bins_[bin_of(x)] -= 1.0;
  pooled_simulated_ -= static_cast<double>(slot.simulated.size());
  for (std::size_t l = 0; l < slot.real_counts.size(); ++l)
    pooled_real_[l] -= slot.real_counts[l];
  pooled_real_total_ -= slot.real_total;
  if (slot.real_total == 0)
    ++fitted_users_;

  slot = std::move(data);
  for (const double x : slot.simulated)
    pooled_bins_[bin_of(x)] += 1.0;
  pooled_simulated_ += static_cast<double>(slot.simulated.size());
  for (std::size_t l = 0; l < slot.real_counts.size(); ++l)
    pooled_real_[l] += slot.real_counts[l];
  pooled_real_total_ += slot.real_total;

  pooled_cumulative_[0] = 0;
  for (std::size_t b = 0; b < pooled_bins_.size(); ++b)
    pooled_cumulative_[b + 1] = pooled_cumulative_[b] + pooled_bins_[b];
}

bool RatingCalibration::fitted(UserIndex user) const noexcept {
  return user < users_.size() && users_[user].real_total > 0;
}

double RatingCalibration::sample_cdf(std::span<const double> sorted, double x) noexcept {
  const std::size_t n = sorted.size();
  if (n == 0)
    return 0.0;
  const auto lo = std::lower_bound(sorted.begin(), sorted.end(), x);
  const auto hi = std::upper_bound(lo, sorted.end(), x);
  const auto below = static_cast<double>(lo - sorted.begin());
  const auto total = static_cast<double>(n);
  if (hi != lo)
    return (below + static_cast<double>(hi - lo) / 2.0) / total;
  if (lo == sorted.begin())
    return 0.0;
  if (lo == sorted.end())
    return 1.0;
  // Between two sample values: interpolate between their mid-ranks.
  const double a = *(lo - 1), b = *lo;
  const auto a_first = std::lower_bound(sorted.begin(), lo, a);
  const auto b_last = std::upper_bound(lo, sorted.end(), b);
  const double rank_a =
      (static_cast<double>(a_first - sorted.begin()) + static_cast<double>(lo - a_first) / 2.0) /
      total;
  const double rank_b = (below + static_cast<double>(b_last - lo) / 2.0) / total;
  return rank_a + (rank_b - rank_a) * (x - a) / (b - a);
}

double RatingCalibration::pooled_simulated_cdf(double x) const noexcept {
  if (pooled_simulated_ <= 0)
    return 0.5;
  const std::size_t bin = bin_of(x);
  const double width = scale_.step / kBinsPerStep;
  const double centre = scale_.min + static_cast<double>(bin) * width;
  // Mass is spread evenly over its bin, so a value at a bin's centre sits at
  // its mid-rank.
  const double within = std::clamp(0.5 + (x - centre) / width, 0.0, 1.0);
  return (pooled_cumulative_[bin] + pooled_bins_[bin] * within) / pooled_simulated_;
}

template <class Visit>
int RatingCalibration::walk_target_cdf(UserIndex user, Visit&& visit) const {
  const UserData* data = fitted(user) ? &users_[user] : nullptr;
  const double own = data ? data->real_total : 0.0;
  const double s = options_.shrinkage;
  const double pooled = pooled_real_total_;
  double own_cum = 0, pooled_cum = 0;
  for (int l = 0; l < levels_; ++l) {
    if (data)
      own_cum += data->real_counts[static_cast<std::size_t>(l)];
    pooled_cum += pooled_real_[static_cast<std::size_t>(l)];
    const double own_share = own > 0 ? own_cum / own : 0.0;
    const double pooled_share = pooled > 0 ? pooled_cum / pooled : 0.0;
    const double pooled_weight = pooled > 0 ? s : 0.0;
    const double total_weight = own + pooled_weight;
    const double cdf =
        total_weight > 0 ? (own * own_share + pooled_weight * pooled_share) / total_weight : 0.0;
    if (visit(l, cdf))
      return l;
  }
  return levels_ - 1;
}

std::vector<double> RatingCalibration::target_cdf(UserIndex user) const {
  std::vector<double> cdf;
  cdf.reserve(static_cast<std::size_t>(levels_));
  walk_target_cdf(user, [&](int, double value) {
    cdf.push_back(value);
    return false;
  });
  return cdf;
}

double RatingCalibration::map(UserIndex user, double raw) const {
  if (fitted_users_ == 0)
    throw std::logic_error("rating calibration: map before any fit");
  const double x = clamp_to_scale(raw);
  const double s = options_.shrinkage;
  double p = pooled_simulated_cdf(x);
  if (fitted(user)) {
    const UserData& data = users_[user];
    const double n = static_cast<double>(data.simulated.size());
    p = (n * sample_cdf(data.simulated, x) + s * p) / (n + s);
  }
  const int level = walk_target_cdf(user, [&](int, double cdf) { return cdf >= p - 1e-12; });
  return scale_.level_value(level);
}

}  // namespace lusifer
