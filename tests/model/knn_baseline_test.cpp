#include "engine/model/knn_baseline.hpp"

#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::tiny_dataset;

namespace {

//        i0 i1 i2 i3
//   u0    5  3  4  .
//   u1    4  2  .  2
//   u2    1  .  2  5
// User MSD similarities: (u0,u1) 1/2, (u0,u2) 1/11, (u1,u2) 1/10.
// Item MSD similarities: (i0,i1) 1/5, (i0,i2) 1/2, (i0,i3) 1/11, (i1,i2) 1/2,
// (i1,i3) 1, (i2,i3) 1/10.
Dataset hand_data() {
  return tiny_dataset(3, 4,
                      {{0, 0, 5},
                       {0, 1, 3},
                       {0, 2, 4},
                       {1, 0, 4},
                       {1, 1, 2},
                       {1, 3, 2},
                       {2, 0, 1},
                       {2, 2, 2},
                       {2, 3, 5}});
}

constexpr double kMu = 28.0 / 9.0;

// Zero epochs leave every bias at 0, so the baseline is mu and the
// arithmetic stays readable.
KnnBaselineOptions flat(int k, int min_k, bool user_based = true) {
  KnnBaselineOptions options;
  options.k = k;
  options.min_k = min_k;
  options.similarity.user_based = user_based;
  options.baseline.n_epochs = 0;
  return options;
}

double fit_and_estimate(const Dataset& data, const KnnBaselineOptions& options, UserIndex u,
                        ItemIndex i) {
  KnnBaseline model(options);
  model.fit(data, all_ratings(data));
  return model.estimate(u, i);
}

}  // namespace

TEST_CASE("KNNBaseline defaults are Surprise's", "[model][knn]") {
  const KnnBaseline model;
  CHECK(model.name() == "KNNBaseline");
  CHECK(model.options().k == 40);
  CHECK(model.options().min_k == 1);
  CHECK(model.options().similarity.kind == SimilarityKind::kMsd);
  CHECK(model.options().similarity.user_based);
  CHECK(model.options().similarity.min_support == 1);
  CHECK(model.options().baseline.method == BaselineMethod::kAls);
}

TEST_CASE("KNNBaseline user-based: weighted deviations of the raters of the item", "[model][knn]") {
  const auto data = hand_data();
  // (u2, i1): raters u0 (3, sim 1/11) and u1 (2, sim 1/10).
  const double both = kMu + ((3 - kMu) / 11 + (2 - kMu) / 10) / (1.0 / 11 + 1.0 / 10);
  CHECK(fit_and_estimate(data, flat(40, 1), 2, 1) == Approx(both));
  // k = 1 keeps the most similar rater, u1.
  CHECK(fit_and_estimate(data, flat(1, 1), 2, 1) == Approx(2.0));
  // Fewer than min_k neighbours: the baseline alone.
  CHECK(fit_and_estimate(data, flat(40, 3), 2, 1) == Approx(kMu));
  CHECK(fit_and_estimate(data, flat(1, 2), 2, 1) == Approx(kMu));
  CHECK(fit_and_estimate(data, flat(40, 2), 2, 1) == Approx(both));
  // k = 0 selects nobody.
  CHECK(fit_and_estimate(data, flat(0, 0), 2, 1) == Approx(kMu));
}

TEST_CASE("KNNBaseline item-based: weighted deviations of the user's items", "[model][knn]") {
  const auto data = hand_data();
  // (u2, i1): u2 rated i0 (1, sim 1/5), i2 (2, sim 1/2), i3 (5, sim 1).
  const double all3 =
      kMu + (0.2 * (1 - kMu) + 0.5 * (2 - kMu) + 1.0 * (5 - kMu)) / (0.2 + 0.5 + 1.0);
  CHECK(fit_and_estimate(data, flat(40, 1, false), 2, 1) == Approx(all3));
  const double top2 = kMu + ((5 - kMu) + 0.5 * (2 - kMu)) / 1.5;
  CHECK(fit_and_estimate(data, flat(2, 1, false), 2, 1) == Approx(top2));
}

TEST_CASE("KNNBaseline measures neighbours against their own baselines", "[model][knn]") {
  const auto data = hand_data();
  KnnBaseline model;  // ALS baselines, MSD, user-based
  model.fit(data, all_ratings(data));
  const auto& b = model.baselines();
  const double mu = model.global_mean();
  REQUIRE(b.user[0] != 0.0);
  const double s0 = model.similarities()(2, 0), s1 = model.similarities()(2, 1);
  const double expected =
      mu + b.user[2] + b.item[1] +
      (s0 * (3 - (mu + b.user[0] + b.item[1])) + s1 * (2 - (mu + b.user[1] + b.item[1]))) /
          (s0 + s1);
  CHECK(model.estimate(2, 1) == Approx(expected));
}

TEST_CASE("KNNBaseline breaks similarity ties by training order", "[model][knn]") {
  // The target u0 agrees exactly with u1 and with u2 on i0 (similarity 1
  // each); they disagree on i1. With k = 1 the rater of i1 listed first wins.
  const auto data = tiny_dataset(3, 2, {{0, 0, 3}, {1, 0, 3}, {1, 1, 5}, {2, 0, 3}, {2, 1, 1}});
  for (const auto& [order, expected] : {std::pair{std::vector<RatingIndex>{0, 1, 2, 3, 4}, 5.0},
                                        std::pair{std::vector<RatingIndex>{0, 3, 4, 1, 2}, 1.0}}) {
    KnnBaseline model(flat(1, 1));
    model.fit(data, order);
    CHECK(model.estimate(0, 1) == Approx(expected));
    const auto neighbours = model.neighbours(0, 1);
    REQUIRE(neighbours.size() == 1);
    CHECK(neighbours[0].similarity == Approx(1.0));
  }
  KnnBaseline both(flat(2, 1));
  both.fit(data, all_ratings(data));
  CHECK(both.estimate(0, 1) == Approx(3.0));
}

TEST_CASE("KNNBaseline ignores neighbours without positive similarity", "[model][knn]") {
  // Pearson-baseline: u1 deviates like u0, u2 the opposite way (negative
  // similarity); only u1 may count.
  const auto data = tiny_dataset(
      3, 3,
      {{0, 0, 5}, {0, 1, 1}, {1, 0, 5}, {1, 1, 1}, {1, 2, 4}, {2, 0, 1}, {2, 1, 5}, {2, 2, 2}});
  KnnBaselineOptions options = flat(40, 1);
  options.similarity.kind = SimilarityKind::kPearsonBaseline;
  KnnBaseline model(options);
  model.fit(data, all_ratings(data));
  REQUIRE(model.similarities()(0, 1) > 0);
  REQUIRE(model.similarities()(0, 2) < 0);
  CHECK(model.estimate(0, 2) == Approx(4.0));
  const auto neighbours = model.neighbours(0, 2);
  REQUIRE(neighbours.size() == 1);
  CHECK(neighbours[0].entity == 1);
}

TEST_CASE("KNNBaseline falls back to the baseline for unknown users and items", "[model][knn]") {
  // User 3 and item 4 have no ratings.
  const auto data = tiny_dataset(4, 5,
                                 {{0, 0, 5},
                                  {0, 1, 3},
                                  {0, 2, 4},
                                  {1, 0, 4},
                                  {1, 1, 2},
                                  {1, 3, 2},
                                  {2, 0, 1},
                                  {2, 2, 2},
                                  {2, 3, 5}});
  KnnBaseline model;
  model.fit(data, all_ratings(data));
  const auto& b = model.baselines();
  const double mu = model.global_mean();
  CHECK(model.estimate(3, 0) == Approx(mu + b.item[0]));
  CHECK(model.estimate(0, 4) == Approx(mu + b.user[0]));
  CHECK(model.estimate(3, 4) == Approx(mu));
  CHECK(model.estimate(100, 100) == Approx(mu));
  CHECK(model.neighbours(3, 0).empty());
}

TEST_CASE("KNNBaseline options are validated", "[model][knn]") {
  KnnBaselineOptions options;
  options.k = -1;
  CHECK_THROWS_AS(KnnBaseline(options), std::invalid_argument);
  options = {};
  options.min_k = -1;
  CHECK_THROWS_AS(KnnBaseline(options), std::invalid_argument);
  KnnBaseline unfitted;
  CHECK_THROWS_AS(unfitted.neighbours(0, 0), std::logic_error);
}
