#include "engine/model/training_set.hpp"

#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

namespace lusifer {
namespace {

// Counting sort of `train` by `key`, keeping list order within each key.
template <class KeyOf, class OtherOf>
void index_by(std::span<const RatingIndex> train, std::size_t key_count, const RatingTable& ratings,
              KeyOf key_of, OtherOf other_of, std::vector<std::size_t>& offsets,
              std::vector<TrainingSet::Entry>& entries) {
  offsets.assign(key_count + 1, 0);
  for (const RatingIndex r : train)
    ++offsets[key_of(r) + 1];
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  std::vector<std::size_t> cursor(offsets.begin(), offsets.end() - 1);
  entries.resize(train.size());
  for (const RatingIndex r : train) {
    entries[cursor[key_of(r)]++] = TrainingSet::Entry{other_of(r), ratings.value(r)};
  }
}

}  // namespace

TrainingSet::TrainingSet(const Dataset& dataset, std::span<const RatingIndex> train)
    : scale_(dataset.scale()) {
  if (train.empty())
    throw std::invalid_argument("TrainingSet: no training ratings");
  const RatingTable& ratings = dataset.ratings();
  double sum = 0;
  for (const RatingIndex r : train) {
    if (r >= ratings.size()) {
      throw std::out_of_range(
          fmt::format("TrainingSet: rating index {} is not a rating of the dataset ({} ratings)", r,
                      ratings.size()));
    }
    sum += ratings.value(r);
  }
  global_mean_ = sum / static_cast<double>(train.size());

  const auto user_of = [&](RatingIndex r) { return ratings.user(r); };
  const auto item_of = [&](RatingIndex r) { return ratings.item(r); };
  index_by(train, dataset.user_count(), ratings, user_of, item_of, user_offsets_, by_user_);
  index_by(train, dataset.catalog().size(), ratings, item_of, user_of, item_offsets_, by_item_);

  std::vector<std::uint8_t> seen_user(dataset.user_count(), 0);
  std::vector<std::uint8_t> seen_item(dataset.catalog().size(), 0);
  for (const RatingIndex r : train) {
    const UserIndex u = ratings.user(r);
    const ItemIndex i = ratings.item(r);
    if (!seen_user[u]) {
      seen_user[u] = 1;
      users_in_order_.push_back(u);
    }
    if (!seen_item[i]) {
      seen_item[i] = 1;
      items_in_order_.push_back(i);
    }
  }
}

std::span<const TrainingSet::Entry> TrainingSet::user_ratings(UserIndex user) const noexcept {
  if (user >= user_count())
    return {};
  return std::span<const Entry>(by_user_).subspan(user_offsets_[user],
                                                  user_offsets_[user + 1] - user_offsets_[user]);
}

std::span<const TrainingSet::Entry> TrainingSet::item_ratings(ItemIndex item) const noexcept {
  if (item >= item_count())
    return {};
  return std::span<const Entry>(by_item_).subspan(item_offsets_[item],
                                                  item_offsets_[item + 1] - item_offsets_[item]);
}

}  // namespace lusifer
