#pragma once

// Biased matrix factorisation trained by SGD: Surprise's `SVD` (Funk's SVD as
// in Koren, Bell & Volinsky 2009, eq. 5), with Surprise's defaults.
//
//   r^_ui = mu + b_u + b_i + q_i . p_u
//
// Training, as Surprise does it: biases start at 0, factors are drawn from
// N(init_mean, init_std_dev); then n_epochs passes over the training ratings
// in TrainingSet order (users by first appearance, each user's ratings in
// list order; no shuffling), each rating applying
//   e = r_ui - r^_ui
//   b_u += lr_bu (e - reg_bu b_u);  b_i += lr_bi (e - reg_bi b_i)
//   p_u += lr_pu (e q_i - reg_pu p_u);  q_i += lr_qi (e p_u - reg_qi q_i)
// with the old p_u in q_i's update. Unknown users and items contribute no
// bias and no factor term.
//
// Determinism: factors are drawn from lusifer::Rng(seed) with Rng::normal,
// first every user's row (users by dataset index, factors in order), then
// every item's. Surprise draws from numpy instead, so individual predictions
// differ from Surprise's while the algorithm and its accuracy are the same.
//
// With `biased = false` (probabilistic MF) the biases and mu are not used,
// and a pair with an unknown user or item gets the global mean, as
// Surprise's default prediction.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/model/rating_model.hpp"

namespace lusifer {

struct SvdOptions {
  int n_factors = 100;
  int n_epochs = 20;
  bool biased = true;
  double init_mean = 0;
  double init_std_dev = 0.1;
  double lr_all = 0.005;
  double reg_all = 0.02;
  // Per-parameter overrides of lr_all / reg_all.
  std::optional<double> lr_bu, lr_bi, lr_pu, lr_qi;
  std::optional<double> reg_bu, reg_bi, reg_pu, reg_qi;
  std::uint64_t seed = 0;
};

class Svd final : public RatingModel {
 public:
  // Throws std::invalid_argument for negative factor or epoch counts or a
  // negative init_std_dev.
  explicit Svd(SvdOptions options = {});

  std::string_view name() const noexcept override { return "SVD"; }
  const SvdOptions& options() const noexcept { return options_; }

  // Learned parameters by dataset index (zero biases for unknown ones).
  double user_bias(UserIndex user) const { return bu_.at(user); }
  double item_bias(ItemIndex item) const { return bi_.at(item); }
  std::span<const double> user_factors(UserIndex user) const;
  std::span<const double> item_factors(ItemIndex item) const;

 private:
  void fit_model(const TrainingSet& train) override;
  double estimate_rating(UserIndex user, ItemIndex item) const override;

  SvdOptions options_;
  std::size_t factors_ = 0;
  std::vector<double> bu_, bi_;
  std::vector<double> pu_, qi_;  // row-major: users (items) x factors
};

}  // namespace lusifer
