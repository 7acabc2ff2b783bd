#pragma once

// Small datasets and splits for the evaluation tests, written so that the
// rating indices, users and items a test names are the ones it gets.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/data/split.hpp"

namespace lusifer::testing {

struct TimedRating {
  UserIndex user;
  ItemIndex item;
  float value;
  std::int64_t time;
};

// Users 0..users-1 (ids 1..users), items 0..items-1 (ids 1..items); rating
// index = position in `ratings`.
inline Dataset timed_dataset(std::uint32_t users, std::uint32_t items,
                             const std::vector<TimedRating>& ratings,
                             RatingScale scale = RatingScale{1.0f, 5.0f, 1.0f}) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "timed", scale);
  for (std::uint32_t u = 0; u < users; ++u)
    builder.user_for_id(u + 1);
  for (std::uint32_t i = 0; i < items; ++i) {
    Item item;
    item.id = i + 1;
    item.title = "item " + std::to_string(i + 1);
    builder.add_item(std::move(item));
  }
  for (const auto& r : ratings)
    builder.add_rating(r.user, r.item, r.value, r.time);
  return builder.finish();
}

inline Split make_split(std::string name, std::vector<RatingIndex> train,
                        std::vector<RatingIndex> test) {
  Split split;
  split.name = std::move(name);
  split.train = std::move(train);
  split.test = std::move(test);
  return split;
}

}  // namespace lusifer::testing
