#pragma once

// Small hand-made datasets for the model tests.

#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer::testing {

struct TinyRating {
  UserIndex user;
  ItemIndex item;
  float value;
};

// Users 0..users-1 (ids 1..users) and items 0..items-1 (ids 1..items), so
// that dataset indices are the ones written in the test; ratings in the
// order given (rating index = position).
inline Dataset tiny_dataset(std::uint32_t users, std::uint32_t items,
                            const std::vector<TinyRating>& ratings,
                            RatingScale scale = RatingScale{1.0f, 5.0f, 1.0f}) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "tiny", scale);
  for (std::uint32_t u = 0; u < users; ++u)
    builder.user_for_id(u + 1);
  for (std::uint32_t i = 0; i < items; ++i) {
    Item item;
    item.id = i + 1;
    item.title = "item " + std::to_string(i + 1);
    builder.add_item(std::move(item));
  }
  std::int64_t time = 0;
  for (const auto& r : ratings)
    builder.add_rating(r.user, r.item, r.value, ++time);
  return builder.finish();
}

inline std::vector<RatingIndex> all_ratings(const Dataset& dataset) {
  std::vector<RatingIndex> indices(dataset.ratings().size());
  std::iota(indices.begin(), indices.end(), RatingIndex{0});
  return indices;
}

// A random sparse dataset: each user rates `per_user` distinct items drawn
// from `items` (so it is at most that), ratings uniform on 1..5.
inline Dataset random_dataset(std::uint32_t users, std::uint32_t items, std::uint32_t per_user,
                              std::uint64_t seed) {
  Rng rng(seed);
  std::vector<TinyRating> ratings;
  std::vector<ItemIndex> pool(items);
  std::iota(pool.begin(), pool.end(), ItemIndex{0});
  for (UserIndex u = 0; u < users; ++u) {
    rng.shuffle(std::span<ItemIndex>(pool));
    const std::uint32_t n = 1 + static_cast<std::uint32_t>(rng.uniform_index(per_user));
    for (std::uint32_t k = 0; k < n && k < items; ++k) {
      ratings.push_back({u, pool[k], static_cast<float>(rng.uniform_int(1, 5))});
    }
  }
  // Interleave users, as real files do, so that first-appearance order is
  // not simply index order.
  rng.shuffle(std::span<TinyRating>(ratings));
  return tiny_dataset(users, items, ratings);
}

}  // namespace lusifer::testing
