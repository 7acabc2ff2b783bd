#pragma once

// SVD++ (Koren 2008, section 4): Surprise's `SVDpp`, with its defaults.
//
//   r^_ui = mu + b_u + b_i + q_i . (p_u + |I_u|^-1/2 sum_{j in I_u} y_j)
//
// where I_u is the list of items u rated in training. Training is Surprise's
// SGD: biases start at 0; p, q and y are drawn from N(init_mean,
// init_std_dev); then n_epochs passes over the ratings in TrainingSet order,
// each rating (u, i) computing the implicit term z = |I_u|^-1/2 sum y_j from
// the current y, then
//   e = r_ui - r^_ui
//   b_u += lr_bu (e - reg_bu b_u);  b_i += lr_bi (e - reg_bi b_i)
//   p_u += lr_pu (e q_i - reg_pu p_u)
//   q_i += lr_qi (e (p_u + z) - reg_qi q_i)
//   y_j += lr_yj (e q_i |I_u|^-1/2 - reg_yj y_j)   for every j in I_u
// with the old p_u and q_i on the right-hand sides.
//
// Speed without changing the math: done literally, the y update costs
// O(|I_u| factors) per rating. While one user's ratings are being visited
// (they are consecutive in TrainingSet order) only that user's y_j change,
// and every one of them goes through the same affine map y -> (1 - lr_yj
// reg_yj) y + lr_yj c_f. The fit keeps that map as one scale and one offset
// per factor, gets sum y_j from it in O(factors), and writes the y_j back
// once at the end of the user's ratings: O(factors) per rating plus
// O(|I_u| factors) per user and epoch. Results equal the literal algorithm
// up to floating-point rounding. (A user who rated the same item twice is
// trained the literal way, since the repeated y_j gets two updates per step.)
//
// Determinism: draws from lusifer::Rng(seed) with Rng::normal, first all of
// p (users by dataset index), then q, then y (items by dataset index),
// factors in order within a row.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/model/rating_model.hpp"

namespace lusifer {

struct SvdPlusPlusOptions {
  int n_factors = 20;
  int n_epochs = 20;
  double init_mean = 0;
  double init_std_dev = 0.1;
  double lr_all = 0.007;
  double reg_all = 0.02;
  // Per-parameter overrides of lr_all / reg_all.
  std::optional<double> lr_bu, lr_bi, lr_pu, lr_qi, lr_yj;
  std::optional<double> reg_bu, reg_bi, reg_pu, reg_qi, reg_yj;
  std::uint64_t seed = 0;
};

class SvdPlusPlus final : public RatingModel {
 public:
  // Throws std::invalid_argument for negative factor or epoch counts or a
  // negative init_std_dev.
  explicit SvdPlusPlus(SvdPlusPlusOptions options = {});

  std::string_view name() const noexcept override { return "SVD++"; }
  const SvdPlusPlusOptions& options() const noexcept { return options_; }

  // Learned parameters by dataset index.
  double user_bias(UserIndex user) const { return bu_.at(user); }
  double item_bias(ItemIndex item) const { return bi_.at(item); }
  std::span<const double> user_factors(UserIndex user) const;
  std::span<const double> item_factors(ItemIndex item) const;
  std::span<const double> implicit_item_factors(ItemIndex item) const;

 private:
  struct Rates;
  struct Scratch;

  void fit_model(const TrainingSet& train) override;
  double estimate_rating(UserIndex user, ItemIndex item) const override;

  // One user's ratings within an epoch, the two ways described above.
  void train_user_deferred(const TrainingSet& train, UserIndex u, const Rates& rates,
                           Scratch& scratch);
  void train_user_literal(const TrainingSet& train, UserIndex u, const Rates& rates,
                          Scratch& scratch);

  SvdPlusPlusOptions options_;
  std::size_t factors_ = 0;
  std::vector<double> bu_, bi_;
  std::vector<double> pu_, qi_, yj_;  // row-major: users (items) x factors
  // Per user, |I_u|^-1/2 sum y_j with the final y: fixed after fit, so that
  // predictions cost O(factors).
  std::vector<double> implicit_;
};

}  // namespace lusifer
