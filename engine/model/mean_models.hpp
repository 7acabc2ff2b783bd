#pragma once

// The simplest predictors: the mean of all training ratings, of the user's,
// or of the item's. A user (item) without training ratings gets the global
// mean. (Surprise has no user- or item-mean model; these are the obvious
// definitions, used as floors in evaluations.)
//
// See rating_model.hpp for the contract shared by every model.

#include <string_view>
#include <vector>

#include "engine/model/rating_model.hpp"

namespace lusifer {

class GlobalMean final : public RatingModel {
 public:
  std::string_view name() const noexcept override { return "GlobalMean"; }

 private:
  void fit_model(const TrainingSet&) override {}
  double estimate_rating(UserIndex, ItemIndex) const override { return global_mean(); }
};

class UserMean final : public RatingModel {
 public:
  std::string_view name() const noexcept override { return "UserMean"; }

 private:
  void fit_model(const TrainingSet& train) override;
  double estimate_rating(UserIndex user, ItemIndex item) const override;

  std::vector<double> means_;
};

class ItemMean final : public RatingModel {
 public:
  std::string_view name() const noexcept override { return "ItemMean"; }

 private:
  void fit_model(const TrainingSet& train) override;
  double estimate_rating(UserIndex user, ItemIndex item) const override;

  std::vector<double> means_;
};

}  // namespace lusifer
