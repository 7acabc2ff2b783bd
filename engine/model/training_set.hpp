#pragma once

// The training ratings of a model, indexed both ways: what Surprise calls a
// Trainset (its `ur` and `ir`), built from a Dataset and a list of rating
// indices.
//
// Order is part of the contract, because SGD results depend on it. Users are
// visited in order of their first rating in the list given (Surprise assigns
// inner ids that way), and each user's and each item's ratings keep the order
// of the list. `users_in_order()` followed by `user_ratings()` is therefore
// exactly the order of Surprise's `trainset.all_ratings()` for a trainset
// built from the same list.
//
// Users and items keep the Dataset's dense indices; those without a training
// rating are "unknown" (Surprise's `knows_user` / `knows_item`), and so is
// any index outside the dataset.
//
// Immutable after construction; safe to share between threads. Memory is
// O(users + items + ratings): 16 bytes per training rating.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

class TrainingSet {
 public:
  // One rating seen from one side: `other` is the item in a user's list and
  // the user in an item's list.
  struct Entry {
    std::uint32_t other = 0;
    float value = 0;
  };

  TrainingSet() = default;
  // Throws std::out_of_range when an index is not a rating of `dataset`, and
  // std::invalid_argument when `train` is empty (nothing can be learned and
  // the global mean is undefined). A rating listed twice counts twice, as in
  // Surprise.
  TrainingSet(const Dataset& dataset, std::span<const RatingIndex> train);

  const RatingScale& scale() const noexcept { return scale_; }
  // Sizes of the Dataset's index spaces, not the number of known users/items.
  std::size_t user_count() const noexcept {
    return user_offsets_.empty() ? 0 : user_offsets_.size() - 1;
  }
  std::size_t item_count() const noexcept {
    return item_offsets_.empty() ? 0 : item_offsets_.size() - 1;
  }
  std::size_t rating_count() const noexcept { return by_user_.size(); }
  double global_mean() const noexcept { return global_mean_; }

  bool knows_user(UserIndex user) const noexcept {
    return user < user_count() && user_offsets_[user + 1] != user_offsets_[user];
  }
  bool knows_item(ItemIndex item) const noexcept {
    return item < item_count() && item_offsets_[item + 1] != item_offsets_[item];
  }

  // Empty for unknown users and items (including out-of-range indices).
  std::span<const Entry> user_ratings(UserIndex user) const noexcept;
  std::span<const Entry> item_ratings(ItemIndex item) const noexcept;

  // The known users in order of first appearance (Surprise's inner-id order).
  std::span<const UserIndex> users_in_order() const noexcept { return users_in_order_; }
  // The known items in order of first appearance.
  std::span<const ItemIndex> items_in_order() const noexcept { return items_in_order_; }

 private:
  RatingScale scale_;
  double global_mean_ = 0;
  std::vector<std::size_t> user_offsets_;  // user u's ratings: by_user_[offsets[u], offsets[u+1])
  std::vector<Entry> by_user_;
  std::vector<std::size_t> item_offsets_;
  std::vector<Entry> by_item_;
  std::vector<UserIndex> users_in_order_;
  std::vector<ItemIndex> items_in_order_;
};

}  // namespace lusifer
