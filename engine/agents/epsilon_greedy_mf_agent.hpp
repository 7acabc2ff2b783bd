#pragma once

// Epsilon-greedy over biased matrix factorisation.
//
// The model is the model library's Svd (biased MF, Surprise's SVD) fitted
// on the training ratings at construction:
//   r^_ui = mu + b_u + b_i + p_u . q_i
// Each slot of a slate is, with probability epsilon, an unseen item drawn
// uniformly from the catalogue, and otherwise the unseen item with the
// highest predicted rating not yet in the slate (b_u and mu do not change
// the order, so items are ranked by b_i + p_u . q_i). The coin and the draws
// come from the stream of (user, step).
//
// Online learning: for each feedback, `online_epochs` passes of SGD over
// its rated items update the user's bias and factors,
//   e = r - r^_ui;  b_u += lr (e - reg b_u);  p_u += lr (e q_i - reg p_u).
// Item factors stay as fitted (moving them from each user's feedback would
// make users' updates interfere and depend on their order). Item biases
// move slowly (learn_item_biases): after each `learn` call, b_i is the
// fitted bias plus the mean residual of all feedback on the item against the
// fitted model, shrunk by item_prior_weight pseudo-observations of zero;
// residuals are summed as FixedPointSums, so the result does not depend on
// the order of feedback. This is what lets the agent find good items that
// the training data never rated. The agent learns from ratings, the scale
// the model was fitted on, not rewards.
// Users and items unknown to the training data start at zero bias and
// factors: an unknown user's first feedback moves it away from the average
// user.
//
// Speed: scoring is vectorised across items (factors stored factor by
// factor, ranked_pool.hpp); only the first pool_size unseen items by b_i are
// scored (0: all), which trades accuracy on niche items for time. On the
// synthetic world 256 of 1,000 lose nothing measurable.
//
// Memory: n_factors + 1 floats a user plus the seen sets, and
// O(items * n_factors) shared. Contract, errors and thread-safety:
// agent.hpp; construction also throws what Svd::fit throws, and
// std::invalid_argument for epsilon outside [0, 1] or a negative learning
// setting.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/agents/agent.hpp"
#include "engine/agents/fixed_point_sum.hpp"
#include "engine/agents/ranked_pool.hpp"
#include "engine/model/svd.hpp"

namespace lusifer {

// Biased MF with 16 factors: enough for ranking, and scoring stays cheap.
inline SvdOptions default_agent_svd_options() {
  SvdOptions svd;
  svd.n_factors = 16;
  return svd;
}

struct EpsilonGreedyMfOptions {
  SvdOptions svd = default_agent_svd_options();
  double epsilon = 0.1;
  int online_epochs = 3;
  double online_learning_rate = 0.05;
  double online_regularization = 0.02;
  std::size_t pool_size = 256;  // unseen items scored per user; 0: every item
  bool learn_item_biases = true;
  double item_prior_weight = 5.0;
};

class EpsilonGreedyMfAgent final : public Agent {
 public:
  EpsilonGreedyMfAgent(const Dataset& dataset, std::span<const RatingIndex> train,
                       AgentOptions options = {}, EpsilonGreedyMfOptions mf = {});

  std::string_view name() const noexcept override { return "epsilon-greedy-mf"; }

  const EpsilonGreedyMfOptions& mf_options() const noexcept { return mf_; }
  std::size_t factor_count() const noexcept { return factors_; }
  // The model's current prediction (unclipped); throws std::out_of_range
  // outside the dataset.
  double predicted_rating(UserIndex user, ItemIndex item) const;
  std::span<const float> user_factors(UserIndex user) const;
  float user_bias(UserIndex user) const { return user_bias_.at(user); }
  float item_bias(ItemIndex item) const { return item_bias_.at(item); }

 private:
  void act_batch(std::span<const Observation> observations, SlateSize k,
                 std::span<ItemIndex> slates) const override;
  void learn_user(const Feedback& feedback) override;
  void learn_shared(FeedbackView feedback) override;
  std::size_t state_bytes() const noexcept override;
  void save_state(CheckpointWriter& out) const override;
  std::function<void()> load_state(CheckpointReader& in) override;
  std::uint64_t item_model_fingerprint() const noexcept;
  // Recomputes item biases from the residual sums, the ranking and the pool.
  void refresh_items();

  EpsilonGreedyMfOptions mf_;
  std::size_t factors_ = 0;
  float global_mean_ = 0.0f;

  // Items: fitted, plus what feedback taught about their biases.
  std::vector<float> fitted_item_bias_;
  std::vector<float> item_factors_;  // items x factors
  std::vector<std::int64_t> item_feedback_;
  std::vector<FixedPointSum> item_residual_sum_;
  std::vector<float> item_bias_;
  std::vector<ItemIndex> ranking_;  // every item by b_i, highest first
  RankedPool pool_;

  // Users.
  std::vector<float> user_bias_;
  std::vector<float> user_factors_;  // users x factors
};

}  // namespace lusifer
