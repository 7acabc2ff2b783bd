#include "engine/model/baseline.hpp"

#include <stdexcept>

namespace lusifer {
namespace {

void baselines_als(const TrainingSet& train, const BaselineOptions& options, Baselines& b) {
  const double mu = train.global_mean();
  for (int epoch = 0; epoch < options.epochs(); ++epoch) {
    // Each half-step reads only the other side's biases, so the visiting
    // order within a half-step does not matter.
    for (const ItemIndex i : train.items_in_order()) {
      const auto ratings = train.item_ratings(i);
      double deviation = 0;
      for (const auto& e : ratings)
        deviation += e.value - mu - b.user[e.other];
      b.item[i] = deviation / (options.reg_i + static_cast<double>(ratings.size()));
    }
    for (const UserIndex u : train.users_in_order()) {
      const auto ratings = train.user_ratings(u);
      double deviation = 0;
      for (const auto& e : ratings)
        deviation += e.value - mu - b.item[e.other];
      b.user[u] = deviation / (options.reg_u + static_cast<double>(ratings.size()));
    }
  }
}

void baselines_sgd(const TrainingSet& train, const BaselineOptions& options, Baselines& b) {
  const double mu = train.global_mean();
  const double lr = options.learning_rate;
  const double reg = options.reg;
  for (int epoch = 0; epoch < options.epochs(); ++epoch) {
    for (const UserIndex u : train.users_in_order()) {
      for (const auto& e : train.user_ratings(u)) {
        const double err = e.value - (mu + b.user[u] + b.item[e.other]);
        b.user[u] += lr * (err - reg * b.user[u]);
        b.item[e.other] += lr * (err - reg * b.item[e.other]);
      }
    }
  }
}

}  // namespace

Baselines compute_baselines(const TrainingSet& train, const BaselineOptions& options) {
  if (options.epochs() < 0)
    throw std::invalid_argument("baselines: n_epochs must be >= 0");
  if (options.method == BaselineMethod::kAls && (options.reg_u < 0 || options.reg_i < 0)) {
    throw std::invalid_argument("baselines: ALS regularisation must be >= 0");
  }
  Baselines b;
  b.user.assign(train.user_count(), 0.0);
  b.item.assign(train.item_count(), 0.0);
  if (options.method == BaselineMethod::kAls) {
    baselines_als(train, options, b);
  } else {
    baselines_sgd(train, options, b);
  }
  return b;
}

void BaselineOnly::fit_model(const TrainingSet& train) {
  baselines_ = compute_baselines(train, options_);
}

double BaselineOnly::estimate_rating(UserIndex user, ItemIndex item) const {
  double est = global_mean();
  if (knows_user(user))
    est += baselines_.user[user];
  if (knows_item(item))
    est += baselines_.item[item];
  return est;
}

}  // namespace lusifer
