#include "engine/model/rating_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lusifer {

void RatingModel::fit(const Dataset& dataset, std::span<const RatingIndex> train) {
  fit(TrainingSet(dataset, train));
}

void RatingModel::fit(const TrainingSet& train) {
  if (train.rating_count() == 0) {
    throw std::invalid_argument(std::string(name()) + ": fit needs training ratings");
  }
  // A failed fit leaves the model unfitted rather than half-updated.
  fitted_ = false;
  global_mean_ = train.global_mean();
  scale_ = train.scale();
  known_users_.assign(train.user_count(), 0);
  known_items_.assign(train.item_count(), 0);
  for (const UserIndex u : train.users_in_order())
    known_users_[u] = 1;
  for (const ItemIndex i : train.items_in_order())
    known_items_[i] = 1;
  fit_model(train);
  fitted_ = true;
}

double RatingModel::estimate(UserIndex user, ItemIndex item) const {
  if (!fitted_)
    throw std::logic_error(std::string(name()) + ": predict before fit");
  return estimate_rating(user, item);
}

double RatingModel::predict(UserIndex user, ItemIndex item) const {
  const double est = estimate(user, item);
  return std::max(static_cast<double>(scale_.min), std::min(static_cast<double>(scale_.max), est));
}

}  // namespace lusifer
