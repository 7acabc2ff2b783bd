#include "engine/model/training_set.hpp"

#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::tiny_dataset;

namespace {

std::vector<std::uint32_t> others(std::span<const TrainingSet::Entry> entries) {
  std::vector<std::uint32_t> out;
  for (const auto& e : entries)
    out.push_back(e.other);
  return out;
}

}  // namespace

TEST_CASE("TrainingSet indexes the listed ratings both ways, in list order",
          "[model][training_set]") {
  // Rating indices:           0            1            2            3            4
  const auto data = tiny_dataset(4, 3, {{2, 0, 4}, {0, 1, 2}, {2, 1, 5}, {1, 0, 3}, {0, 2, 1}});
  const std::vector<RatingIndex> train{0, 1, 2, 3};
  const TrainingSet set(data, train);

  CHECK(set.rating_count() == 4);
  CHECK(set.user_count() == 4);
  CHECK(set.item_count() == 3);
  CHECK(set.global_mean() == Approx((4 + 2 + 5 + 3) / 4.0));
  // Users by first appearance: 2 (rating 0), 0 (rating 1), 1 (rating 3).
  CHECK(std::vector<UserIndex>(set.users_in_order().begin(), set.users_in_order().end()) ==
        std::vector<UserIndex>{2, 0, 1});
  CHECK(std::vector<ItemIndex>(set.items_in_order().begin(), set.items_in_order().end()) ==
        std::vector<ItemIndex>{0, 1});
  CHECK(others(set.user_ratings(2)) == std::vector<std::uint32_t>{0, 1});
  CHECK(set.user_ratings(2)[1].value == 5.0f);
  CHECK(others(set.item_ratings(0)) == std::vector<std::uint32_t>{2, 1});
  CHECK(others(set.item_ratings(1)) == std::vector<std::uint32_t>{0, 2});
  // Rating 4 is not in the list: user 0 has one rating and item 2 none.
  CHECK(set.user_ratings(0).size() == 1);
  CHECK_FALSE(set.knows_item(2));
  CHECK(set.item_ratings(2).empty());
  CHECK_FALSE(set.knows_user(3));
  CHECK(set.knows_user(1));
}

TEST_CASE("TrainingSet follows the order of the list, not of the dataset",
          "[model][training_set]") {
  const auto data = tiny_dataset(2, 2, {{0, 0, 4}, {0, 1, 2}, {1, 0, 3}});
  const std::vector<RatingIndex> train{2, 1, 0};
  const TrainingSet set(data, train);
  CHECK(std::vector<UserIndex>(set.users_in_order().begin(), set.users_in_order().end()) ==
        std::vector<UserIndex>{1, 0});
  CHECK(others(set.user_ratings(0)) == std::vector<std::uint32_t>{1, 0});
}

TEST_CASE("TrainingSet treats out-of-range indices as unknown", "[model][training_set]") {
  const auto data = tiny_dataset(1, 1, {{0, 0, 4}});
  const std::vector<RatingIndex> train{0};
  const TrainingSet set(data, train);
  CHECK_FALSE(set.knows_user(1));
  CHECK_FALSE(set.knows_item(7));
  CHECK(set.user_ratings(1).empty());
  CHECK(set.item_ratings(7).empty());
}

TEST_CASE("TrainingSet rejects empty lists and foreign rating indices", "[model][training_set]") {
  const auto data = tiny_dataset(1, 1, {{0, 0, 4}});
  CHECK_THROWS_AS(TrainingSet(data, std::vector<RatingIndex>{}), std::invalid_argument);
  CHECK_THROWS_AS(TrainingSet(data, std::vector<RatingIndex>{0, 1}), std::out_of_range);
}

TEST_CASE("TrainingSet counts a rating listed twice twice, as Surprise", "[model][training_set]") {
  const auto data = tiny_dataset(1, 2, {{0, 0, 5}, {0, 1, 1}});
  const TrainingSet set(data, std::vector<RatingIndex>{0, 0, 1});
  CHECK(set.rating_count() == 3);
  CHECK(set.global_mean() == Approx(11.0 / 3.0));
  CHECK(set.item_ratings(0).size() == 2);
}
