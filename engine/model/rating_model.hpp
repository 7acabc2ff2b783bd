#pragma once

// The interface of every rating predictor: fit on training ratings, then
// predict the rating a user would give an item.
//
// The models re-implement the Surprise library (scikit-surprise 1.1.x)
// algorithm by algorithm, with its defaults, so that published figures can
// be reproduced; where a model departs from Surprise its header says so.
//
// Contract, as in Surprise's `AlgoBase.predict`:
// - `predict` clips the estimate into the dataset's rating scale;
//   `estimate` gives the unclipped value (Surprise's `clip=False`).
// - A user or item without training ratings is unknown, and so is an index
//   outside the fitted dataset. Unknown users and items are never an error:
//   each model falls back to what Surprise does (the parts of the baseline
//   that are known, else the global mean), so every (user, item) pair has a
//   finite prediction.
// - `fit` replaces whatever was learned before; the same data and options
//   (seed included) give bit-identical predictions.
//
// Errors: `fit` throws std::invalid_argument for an empty training list and
// std::out_of_range for an index that is not a rating of the dataset;
// `predict`/`estimate` throw std::logic_error before the first `fit`.
//
// Thread-safety: after `fit`, any number of threads may call the const
// members concurrently; `fit` must not run concurrently with anything else.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/model/training_set.hpp"

namespace lusifer {

class RatingModel {
 public:
  virtual ~RatingModel() = default;

  // A short, stable name for reports ("SVD", "KNNBaseline"...).
  virtual std::string_view name() const noexcept = 0;

  // Trains on the ratings `train` of `dataset`, visited in the order given
  // (see TrainingSet for why order matters).
  void fit(const Dataset& dataset, std::span<const RatingIndex> train);
  // Trains on an already indexed training set, so that several models can
  // share one.
  void fit(const TrainingSet& train);

  bool fitted() const noexcept { return fitted_; }

  double predict(UserIndex user, ItemIndex item) const;
  double estimate(UserIndex user, ItemIndex item) const;

  // What the last `fit` saw; meaningful once fitted.
  double global_mean() const noexcept { return global_mean_; }
  const RatingScale& scale() const noexcept { return scale_; }
  bool knows_user(UserIndex user) const noexcept {
    return user < known_users_.size() && known_users_[user] != 0;
  }
  bool knows_item(ItemIndex item) const noexcept {
    return item < known_items_.size() && known_items_[item] != 0;
  }

 protected:
  RatingModel() = default;
  RatingModel(const RatingModel&) = default;
  RatingModel(RatingModel&&) noexcept = default;
  RatingModel& operator=(const RatingModel&) = default;
  RatingModel& operator=(RatingModel&&) noexcept = default;

  // Learns from `train`; the base has already recorded the global mean, the
  // scale and which users and items are known.
  virtual void fit_model(const TrainingSet& train) = 0;
  // The unclipped estimate. Called only after a successful fit, with any
  // indices (use knows_user / knows_item before indexing arrays).
  virtual double estimate_rating(UserIndex user, ItemIndex item) const = 0;

 private:
  bool fitted_ = false;
  double global_mean_ = 0;
  RatingScale scale_;
  std::vector<std::uint8_t> known_users_;
  std::vector<std::uint8_t> known_items_;
};

}  // namespace lusifer
