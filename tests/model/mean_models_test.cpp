#include "engine/model/mean_models.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::tiny_dataset;

namespace {

// User 2 and item 2 have no ratings.
Dataset means_data() {
  return tiny_dataset(3, 3, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 1, 1}});
}

}  // namespace

TEST_CASE("GlobalMean predicts the mean of the training ratings", "[model][means]") {
  const auto data = means_data();
  GlobalMean model;
  model.fit(data, all_ratings(data));
  CHECK(model.name() == "GlobalMean");
  CHECK(model.predict(0, 0) == Approx(13.0 / 4.0));
  CHECK(model.predict(2, 2) == Approx(13.0 / 4.0));
  CHECK(model.predict(1000, 1000) == Approx(13.0 / 4.0));
}

TEST_CASE("UserMean predicts the user's mean, and the global mean for unknown users",
          "[model][means]") {
  const auto data = means_data();
  UserMean model;
  model.fit(data, all_ratings(data));
  CHECK(model.predict(0, 2) == Approx(4.0));
  CHECK(model.predict(1, 0) == Approx(2.5));
  CHECK(model.predict(2, 0) == Approx(13.0 / 4.0));   // no training ratings
  CHECK(model.predict(99, 0) == Approx(13.0 / 4.0));  // not in the dataset
}

TEST_CASE("ItemMean predicts the item's mean, and the global mean for unknown items",
          "[model][means]") {
  const auto data = means_data();
  ItemMean model;
  model.fit(data, all_ratings(data));
  CHECK(model.predict(2, 0) == Approx(4.5));
  CHECK(model.predict(0, 1) == Approx(2.0));
  CHECK(model.predict(0, 2) == Approx(13.0 / 4.0));
  CHECK(model.predict(0, 99) == Approx(13.0 / 4.0));
}

TEST_CASE("Only the training ratings count", "[model][means]") {
  const auto data = means_data();
  UserMean model;
  model.fit(data, std::vector<RatingIndex>{0, 3});  // user 0: 5; user 1: 1
  CHECK(model.predict(0, 0) == Approx(5.0));
  CHECK(model.predict(1, 0) == Approx(1.0));
  // Refitting replaces what was learned.
  model.fit(data, std::vector<RatingIndex>{1});
  CHECK(model.predict(0, 0) == Approx(3.0));
  CHECK_FALSE(model.knows_user(1));
  CHECK(model.predict(1, 0) == Approx(3.0));
}

TEST_CASE("Predicting before fitting is an error", "[model][means]") {
  ItemMean model;
  CHECK_FALSE(model.fitted());
  CHECK_THROWS_AS(model.predict(0, 0), std::logic_error);
}
