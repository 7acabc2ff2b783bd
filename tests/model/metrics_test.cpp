#include "engine/model/metrics.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/model/mean_models.hpp"
#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::tiny_dataset;

TEST_CASE("RMSE and MAE on known vectors", "[model][metrics]") {
  const std::vector<double> predicted{3, 4, 2, 5};
  const std::vector<double> actual{4, 4, 4, 1};
  // Errors 1, 0, 2, 4: squared 1 + 0 + 4 + 16 = 21.
  CHECK(rmse(predicted, actual) == Approx(std::sqrt(21.0 / 4)));
  CHECK(mae(predicted, actual) == Approx(7.0 / 4));
  CHECK(rmse(actual, actual) == 0.0);
  CHECK(mae(actual, actual) == 0.0);
}

TEST_CASE("Metrics reject unpaired or empty vectors", "[model][metrics]") {
  const std::vector<double> three{1, 2, 3}, two{1, 2}, none;
  CHECK_THROWS_AS(rmse(three, two), std::invalid_argument);
  CHECK_THROWS_AS(mae(none, none), std::invalid_argument);
  CHECK_THROWS_AS(pearson(three, two), std::invalid_argument);
  CHECK_THROWS_AS(spearman(none, none), std::invalid_argument);
}

TEST_CASE("Pearson correlation on known vectors", "[model][metrics]") {
  // Deviations (-2,-1,0,1,2) and (-2,0,1,0,1): 6 / sqrt(10 * 6).
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  CHECK(pearson(x, y) == Approx(0.7745966692414834));
  CHECK(pearson(y, x) == Approx(0.7745966692414834));
  const std::vector<double> doubled{2, 4, 6, 8, 10}, reversed{5, 4, 3, 2, 1};
  CHECK(pearson(x, doubled) == Approx(1.0));
  CHECK(pearson(x, reversed) == Approx(-1.0));
  // Undefined for a constant side or a single pair.
  const std::vector<double> constant{3, 3, 3, 3, 3}, one{1};
  CHECK(std::isnan(pearson(x, constant)));
  CHECK(std::isnan(pearson(one, one)));
}

TEST_CASE("Spearman correlation ranks ties by their average rank", "[model][metrics]") {
  const std::vector<double> y{2, 4, 5, 4, 5};
  CHECK(average_ranks(y) == std::vector<double>{1, 2.5, 4.5, 2.5, 4.5});
  const std::vector<double> x{1, 2, 3, 4, 5};
  // scipy.stats.spearmanr(x, y) = 7 / sqrt(10 * 9).
  CHECK(spearman(x, y) == Approx(0.7378647873726218));
  // Monotone but not linear: Spearman 1, Pearson less.
  const std::vector<double> cubes{1, 8, 27, 64, 125};
  CHECK(spearman(x, cubes) == Approx(1.0));
  CHECK(pearson(x, cubes) < 0.99);
}

TEST_CASE("Rounding to the rating scale", "[model][metrics]") {
  const RatingScale stars{1, 5, 1};
  CHECK(round_to_scale(3.49, stars) == 3.0);
  CHECK(round_to_scale(3.5, stars) == 4.0);
  CHECK(round_to_scale(0.2, stars) == 1.0);
  CHECK(round_to_scale(7.0, stars) == 5.0);
  const RatingScale halves{0.5, 5, 0.5};
  CHECK(round_to_scale(3.24, halves) == 3.0);
  CHECK(round_to_scale(3.26, halves) == 3.5);
  CHECK(round_to_scale(0.0, halves) == 0.5);
  CHECK(std::isnan(round_to_scale(std::nan(""), stars)));
}

TEST_CASE("Rating histogram counts values at their nearest level", "[model][metrics]") {
  const RatingScale stars{1, 5, 1};
  const std::vector<double> values{1, 1.4, 2.6, 3, 4.5, 5, 9, -2, std::nan(""), INFINITY};
  const auto h = rating_histogram(values, stars);
  CHECK(h.counts == std::vector<std::size_t>{3, 0, 2, 0, 3});
  CHECK(h.non_finite == 2);
  CHECK(h.total() == 8);
  CHECK(h.share(0) == Approx(3.0 / 8));
  CHECK(h.share(1) == 0.0);
  const auto empty = rating_histogram(std::vector<double>{}, stars);
  CHECK(empty.counts.size() == 5);
  CHECK(empty.share(2) == 0.0);
}

TEST_CASE("evaluate predicts every test rating and scores it", "[model][metrics]") {
  const auto data = tiny_dataset(3, 2, {{0, 0, 5}, {0, 1, 4}, {1, 0, 2}, {2, 1, 3}, {2, 0, 1}});
  UserMean model;
  model.fit(data, std::vector<RatingIndex>{0, 1, 2});  // means: u0 4.5, u1 2; global 11/3
  const std::vector<RatingIndex> test{3, 4};           // user 2 is unknown: 11/3 each
  const auto result = evaluate(model, data, test);
  CHECK(result.model == "UserMean");
  CHECK(result.count == 2);
  CHECK(result.actual == std::vector<double>{3, 1});
  CHECK(result.predicted[0] == Approx(11.0 / 3));
  const double e0 = 3 - 11.0 / 3, e1 = 1 - 11.0 / 3;
  CHECK(result.rmse == Approx(std::sqrt((e0 * e0 + e1 * e1) / 2)));
  CHECK(result.mae == Approx((std::abs(e0) + std::abs(e1)) / 2));
  CHECK(std::isnan(result.pearson));  // constant predictions

  const auto seen = evaluate(model, data, std::vector<RatingIndex>{0, 1, 2});
  CHECK(seen.predicted == std::vector<double>{4.5, 4.5, 2.0});
  EvaluateOptions rounded;
  rounded.round_to_scale = true;
  const auto on_scale = evaluate(model, data, std::vector<RatingIndex>{0, 1, 2}, rounded);
  CHECK(on_scale.predicted == std::vector<double>{5.0, 5.0, 2.0});
  CHECK(on_scale.rmse == Approx(std::sqrt(1.0 / 3)));
}

TEST_CASE("evaluate rejects bad test lists and unfitted models", "[model][metrics]") {
  const auto data = tiny_dataset(1, 1, {{0, 0, 5}});
  GlobalMean model;
  CHECK_THROWS_AS(evaluate(model, data, all_ratings(data)), std::logic_error);
  model.fit(data, all_ratings(data));
  CHECK_THROWS_AS(evaluate(model, data, std::vector<RatingIndex>{}), std::invalid_argument);
  CHECK_THROWS_AS(evaluate(model, data, std::vector<RatingIndex>{3}), std::out_of_range);
}
