#pragma once

// Per-user rating calibration by quantile mapping: maps a simulator's raw
// ratings (an LLM's, or the offline model's) onto the user's own rating
// distribution, because simulated ratings are miscalibrated (GPT-4o-mini gave
// far too many 1s and 2s on Lusifer's test set).
//
// Fitting uses training data only: for each user, the simulator's raw
// ratings of the user's training items and the user's real training ratings.
// Nothing about test ratings enters a mapping.
//
// The mapping of a raw rating x for user u:
//   p = F_sim(x)   the mid-rank of x among the simulated ratings: the share
//                  below x plus half the share equal to x (values between
//                  samples are interpolated linearly between neighbouring
//                  mid-ranks);
//   y = the smallest level l of the scale with F_real(l) >= p,
// so a raw rating is sent to the same quantile of the user's real ratings.
// Both distributions are shrunk toward the pooled ones of every fitted user,
//   F_u = (n_u F_user + s F_pooled) / (n_u + s),
// with s = options.shrinkage ratings' worth, so a user with few ratings gets
// nearly the pooled (global) mapping and a user never fitted gets exactly
// it. The pooled simulated distribution is kept as a histogram with 64 bins
// per step of the scale (clamped to the scale's range), so fitting a user
// costs O(their ratings log their ratings) whatever the number of users.
//
// Guarantees: every output is a level of the scale; the mapping of a user is
// monotone non-decreasing in x; it depends only on what was fitted.
// Errors: fit throws std::invalid_argument for an empty side, a non-finite
// simulated rating, or a real rating not on the scale; nothing is changed
// then. map throws std::logic_error before anything was fitted.
// Thread-safety: fit must not run concurrently with anything; after the last
// fit, map may be called from any number of threads.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

struct CalibrationOptions {
  double shrinkage = 10.0;  // ratings' worth of weight for the pooled distributions
};

class RatingCalibration {
 public:
  explicit RatingCalibration(const RatingScale& scale, CalibrationOptions options = {});

  // Fits (or refits, replacing the previous data of) `user`.
  void fit(UserIndex user, std::span<const double> simulated, std::span<const double> real);

  bool fitted(UserIndex user) const noexcept;
  std::size_t fitted_users() const noexcept { return fitted_users_; }
  const RatingScale& scale() const noexcept { return scale_; }

  // The calibrated rating: a level of the scale.
  double map(UserIndex user, double raw) const;

  // The share of `user`'s mapped real distribution at or below each level
  // (shrunk as above), for inspection and tests.
  std::vector<double> target_cdf(UserIndex user) const;

 private:
  struct UserData {
    std::vector<double> simulated;           // ascending
    std::vector<std::uint32_t> real_counts;  // per level
    std::uint32_t real_total = 0;
  };

  double pooled_simulated_cdf(double x) const noexcept;
  static double sample_cdf(std::span<const double> sorted, double x) noexcept;
  std::size_t bin_of(double x) const noexcept;
  double clamp_to_scale(double x) const noexcept;
  // Calls visit(level, shrunk real CDF at that level) in ascending order
  // until it returns true; returns that level, or the last one.
  template <class Visit>
  int walk_target_cdf(UserIndex user, Visit&& visit) const;

  RatingScale scale_;
  CalibrationOptions options_;
  int levels_ = 0;
  std::vector<UserData> users_;
  std::size_t fitted_users_ = 0;
  std::vector<double> pooled_bins_;        // simulated-rating mass per bin
  std::vector<double> pooled_cumulative_;  // mass below each bin
  double pooled_simulated_ = 0;
  std::vector<double> pooled_real_;  // per level
  double pooled_real_total_ = 0;
};

}  // namespace lusifer
