#pragma once

// Baseline estimates b_ui = mu + b_u + b_i (Koren 2010, section 2.1), learned
// exactly as Surprise's `compute_baselines` does, and BaselineOnly, the model
// that predicts them.
//
// ALS (the default): n_epochs rounds of, first for every item,
//   b_i = sum_{u rated i} (r_ui - mu - b_u) / (reg_i + |U_i|)
// then for every user,
//   b_u = sum_{i rated by u} (r_ui - mu - b_i) / (reg_u + |I_u|),
// from b = 0. SGD: n_epochs passes over the ratings in training order of
//   e = r_ui - (mu + b_u + b_i); b_u += lr (e - reg b_u); b_i += lr (e - reg b_i).
// Unknown users and items have a zero bias, so BaselineOnly predicts mu plus
// whichever biases are known.

#include <optional>
#include <string_view>
#include <vector>

#include "engine/model/rating_model.hpp"

namespace lusifer {

enum class BaselineMethod { kAls, kSgd };

struct BaselineOptions {
  BaselineMethod method = BaselineMethod::kAls;
  // Unset means Surprise's default for the method: 10 for ALS, 20 for SGD.
  std::optional<int> n_epochs;
  double reg_u = 15;             // ALS
  double reg_i = 10;             // ALS
  double reg = 0.02;             // SGD
  double learning_rate = 0.005;  // SGD

  int epochs() const noexcept {
    return n_epochs.value_or(method == BaselineMethod::kAls ? 10 : 20);
  }
};

// Biases by dataset index; zero for users and items without training ratings.
struct Baselines {
  std::vector<double> user;
  std::vector<double> item;
};

// Throws std::invalid_argument for a negative epoch count or a negative ALS
// regularisation.
Baselines compute_baselines(const TrainingSet& train, const BaselineOptions& options);

class BaselineOnly final : public RatingModel {
 public:
  explicit BaselineOnly(BaselineOptions options = {}) : options_(options) {}

  std::string_view name() const noexcept override { return "BaselineOnly"; }
  const BaselineOptions& options() const noexcept { return options_; }
  const Baselines& baselines() const noexcept { return baselines_; }

 private:
  void fit_model(const TrainingSet& train) override;
  double estimate_rating(UserIndex user, ItemIndex item) const override;

  BaselineOptions options_;
  Baselines baselines_;
};

}  // namespace lusifer
