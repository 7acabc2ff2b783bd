#pragma once

// LinUCB with per-user (disjoint) linear models over item features, on top
// of a shared per-item baseline: the agent for large episodes.
//
// Model. The expected reward of item i for user u is
//   mean_i + theta_u . x_i
// where x_i are the item's features (item_features.hpp: bias, genres,
// hashed text and tags; d = 24 for MovieLens's genres), mean_i is the
// item's mean reward over all users (shrunk towards the global mean with
// item_prior_weight pseudo-observations), and theta_u = A_u^-1 b_u is user
// u's ridge regression of reward - mean_i on x_i, with A_u = ridge * I +
// sum x x^T and b_u = sum (reward - mean_i) x. The agent recommends the
// items with the highest upper confidence bound
//   mean_i + bonus_i + theta_u . x_i + alpha * sigma * sqrt(x_i^T A_u^-1 x_i)
// where sigma is the standard deviation of all rewards seen and
// bonus_i = item_exploration * sigma / sqrt(n_i + 1) is a shared bonus for
// items with few observations n_i. The shared baseline is what per-user
// content features cannot express (an item's own quality); the per-user
// model is what a shared ranking cannot (taste).
//
// Learning. Each rated slate item updates A_u^-1 by Sherman-Morrison
// (sherman_morrison.hpp, O(d^2), no inversion) and b_u, against mean_i as
// it was at the start of the `learn` call. theta_u is not stored: `act`
// computes it from A_u^-1 and b_u, which it reads anyway (it unpacks A_u^-1
// for the exact bounds), with the arithmetic that storing it after `learn`
// would have used, so the floats are the same and 4 bytes a dimension a
// user are saved. The shared sums are kept in integer fixed point (2^-24), so they do
// not depend on the order of feedback. Items without a rating are not
// learned from. The agent learns from rewards.
//
// Warm start (learn_from_training, the default): the training ratings,
// turned into rewards by training_reward_scale * rating +
// training_reward_offset (identity by default: reward = rating), are
// learned as if they were feedback before the episode, first the shared
// sums, then each user's model. Turn it off when rewards are not an affine
// function of ratings.
//
// Speed. Scoring every item with its d^2 confidence term would cost ~600
// multiply-adds an item; instead, after each `learn` call the items are
// ranked by mean_i + bonus_i (ranked_pool.hpp). A user's candidates are the
// first pool_size items of that ranking the user has not seen, scored by
// their estimated mean mean_i + bonus_i + theta_u . x_i (d multiply-adds an
// item, vectorised across items); the best `shortlist` of them get the
// exact bound (O(d * nonzeros) with sparse features), and the best k of
// those form the slate, best first. Exploration of a user's uncertain
// directions thus happens among the items the user's model already rates
// well; a diagonal approximation of the bound in the first stage changed
// nothing measurable on the synthetic world and cost twice as much.
// The price of a shared ranking: an item most users dislike reaches a user
// who would like it only once it is among that user's first pool_size
// unseen items. pool_size 0 scores every item (about 10x the work for
// 1,000 items); on the synthetic world 64 gives up 0.8% of the reward of
// 128, at 80% of the cost of act.
//
// Memory: a user's A_u^-1 as a packed triangle of p (p + 1) / 2 values and
// b_u as p floats, p = d rounded up to 8: 1,296 bytes at d = 24 (against
// 2,400 with the full matrix), or 696 with inverse_precision = kHalf; plus
// the seen sets, and O(items * (d + 1)) shared.
//
// Half precision (packed_matrices.hpp) stores A_u^-1 in IEEE binary16,
// scaled by the power of two at or below the ridge (A_u^-1's entries are
// at most 1 / ridge in magnitude, so they fill half's range). The
// arithmetic stays in float; a user's matrix is rounded once a `learn`
// call, to 11 significant bits. Results differ from single precision's,
// not in quality as far as measured: the mean reward per rated item over 20
// steps of bench/configs/rl-1m.toml at 100,000 users, of rl-100k.toml and of
// config/default.toml agreed to the third decimal, steps within 0.4%
// (bench/README.md). It is what a million users need (600 bytes a user).
//
// Contract, errors and thread-safety: agent.hpp. Construction throws
// std::invalid_argument for a negative or non-finite option, a ridge of 0
// or less, or a shortlist of 0.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/agents/agent.hpp"
#include "engine/agents/fixed_point_sum.hpp"
#include "engine/agents/item_features.hpp"
#include "engine/agents/packed_matrices.hpp"
#include "engine/agents/ranked_pool.hpp"
#include "engine/agents/sherman_morrison.hpp"

namespace lusifer {

struct LinUcbOptions {
  ItemFeatureOptions features;
  double alpha = 0.5;              // width of the per-user bound, in reward sds
  double ridge = 1.0;              // lambda: A_u starts as ridge * I
  double item_exploration = 0.3;   // scale of the shared bonus for rarely seen items
  double item_prior_weight = 2.0;  // pseudo-observations at the global mean, per item
  std::size_t pool_size = 64;      // unseen candidates scored per user; 0: every item
  std::size_t shortlist = 12;      // candidates per user given the exact bound (at least k)
  bool learn_from_training = true;
  double training_reward_scale = 1.0;
  double training_reward_offset = 0.0;
  // How A_u^-1 is stored (see Memory above).
  FloatPrecision inverse_precision = FloatPrecision::kSingle;
};

class LinUcbAgent final : public Agent {
 public:
  LinUcbAgent(const Dataset& dataset, std::span<const RatingIndex> train, AgentOptions options = {},
              LinUcbOptions linucb = {});

  std::string_view name() const noexcept override { return "linucb"; }

  const LinUcbOptions& linucb_options() const noexcept { return linucb_; }
  const ItemFeatures& features() const noexcept { return features_; }
  std::size_t dimension() const noexcept { return d_; }

  // User u's A_u^-1 (a d x d copy, row-major), b_u and theta_u = A_u^-1 b_u
  // (computed, the floats act uses). Throw std::out_of_range for a user
  // outside the dataset.
  std::vector<float> inverse_covariance(UserIndex user) const;
  std::span<const float> response(UserIndex user) const;
  std::vector<float> coefficients(UserIndex user) const;

  // The shared baseline: mean_i, and the observations behind it.
  float item_mean(ItemIndex item) const { return item_mean_.at(item); }
  std::int64_t item_observations(ItemIndex item) const { return item_count_.at(item); }
  // The standard deviation of all rewards learned (1 until they vary).
  float reward_sd() const noexcept { return sigma_; }
  // The exact upper confidence bound of `item` for `user`, as act ranks the
  // shortlist by.
  float upper_confidence_bound(UserIndex user, ItemIndex item) const;
  // Every item by mean_i + bonus_i, best first: the order candidates are
  // drawn from.
  std::span<const ItemIndex> ranking() const noexcept { return ranking_; }

 private:
  void act_batch(std::span<const Observation> observations, SlateSize k,
                 std::span<ItemIndex> slates) const override;
  void learn_user(const Feedback& feedback) override;
  void learn_shared(FeedbackView feedback) override;
  void prefetch_user(UserIndex user) const noexcept override;
  std::size_t state_bytes() const noexcept override;
  void save_state(CheckpointWriter& out) const override;
  std::function<void()> load_state(CheckpointReader& in) override;

  // The per-user kernels work on `inverse`, user's A_u^-1 unpacked into a
  // full dp x dp scratch matrix (sherman_morrison.hpp: unpacking and packing
  // around them costs far less than working on the packed form).
  void add_to_shared(ItemIndex item, double reward);
  // for_each_rating(learn) calls learn(item, reward) for each of the user's
  // ratings to learn, in order; they are applied to A_u^-1 and b_u in
  // batches (sherman_morrison_learn), then A_u^-1 is packed back.
  template <class ForEachRating>
  void learn_items(UserIndex user, ForEachRating&& for_each_rating);
  // theta (dp floats) = user's A_u^-1 b_u, with `inverse` the unpacked A_u^-1.
  void coefficients_into(UserIndex user, std::span<const float> inverse,
                         std::span<float> theta) const noexcept;
  void warm_start(const Dataset& dataset, std::span<const RatingIndex> train);
  // Recomputes the baseline, the ranking and the pool from the shared sums.
  void refresh();
  // x_item by its nonzeros, and mean_i + bonus_i (the start of the estimated
  // mean) in `residual`.
  SparseObservation bound_terms(ItemIndex item) const noexcept;
  // The exact bound from x^T A_u^-1 x (`form`) and the estimated mean.
  float exact_bound(float form, float dot) const noexcept;
  // Unpacks user u's A_u^-1 into `full` (dp x dp floats) and returns that.
  std::span<float> unpacked_inverse(UserIndex user, std::span<float> full) const noexcept;

  LinUcbOptions linucb_;
  ItemFeatures features_;
  std::size_t d_ = 0;
  // The per-user arrays' dimension: d rounded up to 8, so that every row is
  // whole vectors. The padding stays A^-1 = I / ridge, b = 0, since no
  // feature vector reaches it.
  std::size_t dp_ = 0;

  // Per user.
  PackedMatrices inverse_;       // A_u^-1, dp x dp
  std::vector<float> response_;  // users x dp: b_u

  // Shared sums (fixed point) and the prior order of items (training
  // popularity), which breaks ties between equally scored items.
  std::vector<std::int64_t> item_count_;
  std::vector<FixedPointSum> item_sum_;
  std::int64_t total_count_ = 0;
  FixedPointSum total_sum_;
  FixedPointSum total_square_;
  std::vector<std::uint32_t> prior_rank_;

  // Derived by refresh().
  float global_mean_ = 0.0f;
  float sigma_ = 1.0f;
  std::vector<float> item_mean_;
  std::vector<float> item_score_;  // mean_i + bonus_i
  std::vector<ItemIndex> ranking_;
  RankedPool pool_;
};

}  // namespace lusifer
