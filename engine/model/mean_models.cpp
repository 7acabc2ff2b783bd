#include "engine/model/mean_models.hpp"

#include <span>

namespace lusifer {
namespace {

double mean_of(std::span<const TrainingSet::Entry> entries) {
  double sum = 0;
  for (const auto& e : entries)
    sum += e.value;
  return sum / static_cast<double>(entries.size());
}

}  // namespace

void UserMean::fit_model(const TrainingSet& train) {
  means_.assign(train.user_count(), 0.0);
  for (const UserIndex u : train.users_in_order())
    means_[u] = mean_of(train.user_ratings(u));
}

double UserMean::estimate_rating(UserIndex user, ItemIndex) const {
  return knows_user(user) ? means_[user] : global_mean();
}

void ItemMean::fit_model(const TrainingSet& train) {
  means_.assign(train.item_count(), 0.0);
  for (const ItemIndex i : train.items_in_order())
    means_[i] = mean_of(train.item_ratings(i));
}

double ItemMean::estimate_rating(UserIndex, ItemIndex item) const {
  return knows_item(item) ? means_[item] : global_mean();
}

}  // namespace lusifer
