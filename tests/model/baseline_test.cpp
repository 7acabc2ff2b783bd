#include "engine/model/baseline.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::random_dataset;
using lusifer::testing::tiny_dataset;

TEST_CASE("BaselineOnly with Surprise's defaults on a full 2x2 matrix", "[model][baseline]") {
  // mu = 3.5. First item step: b_i0 = (1.5 + 0.5) / (10 + 2) = 1/6, b_i1 = -1/6.
  // First user step: b_u0 = ((1.5 - 1/6) + (-0.5 + 1/6)) / (15 + 2) = 1/17,
  // b_u1 = -1/17. The next rounds give the same values: a fixed point.
  const auto data = tiny_dataset(2, 2, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 1, 2}});
  BaselineOnly model;
  model.fit(data, all_ratings(data));
  CHECK(model.options().epochs() == 10);
  CHECK(model.baselines().item[0] == Approx(1.0 / 6));
  CHECK(model.baselines().item[1] == Approx(-1.0 / 6));
  CHECK(model.baselines().user[0] == Approx(1.0 / 17));
  CHECK(model.baselines().user[1] == Approx(-1.0 / 17));
  CHECK(model.predict(0, 0) == Approx(3.5 + 1.0 / 17 + 1.0 / 6));
  CHECK(model.predict(1, 1) == Approx(3.5 - 1.0 / 17 - 1.0 / 6));
}

TEST_CASE("BaselineOnly ALS: one round by hand, items first", "[model][baseline]") {
  // mu = 4. b_i0 = (1 + 0) / (1 + 2) = 1/3; b_i1 = -1 / (1 + 1) = -1/2;
  // then b_u0 = ((1 - 1/3) + (-1 + 1/2)) / (1 + 2) = 1/18; b_u1 = -1/3 / 2 = -1/6.
  const auto data = tiny_dataset(2, 2, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}});
  BaselineOptions options;
  options.n_epochs = 1;
  options.reg_i = 1;
  options.reg_u = 1;
  BaselineOnly model(options);
  model.fit(data, all_ratings(data));
  CHECK(model.baselines().item[0] == Approx(1.0 / 3));
  CHECK(model.baselines().item[1] == Approx(-1.0 / 2));
  CHECK(model.baselines().user[0] == Approx(1.0 / 18));
  CHECK(model.baselines().user[1] == Approx(-1.0 / 6));
  // The missing cell.
  CHECK(model.predict(1, 1) == Approx(4 - 1.0 / 6 - 1.0 / 2));
}

TEST_CASE("BaselineOnly SGD: one pass by hand, in training order", "[model][baseline]") {
  // lr 0.005, reg 0.02, mu = 4; visits (u0,i0,5), (u0,i1,3), (u1,i0,4).
  //   e = 1:       b_u0 = 0.005,       b_i0 = 0.005
  //   e = -1.005:  b_u0 = 0.005 + 0.005 (-1.005 - 0.0001) = -0.0000255,
  //                b_i1 = 0.005 (-1.005) = -0.005025
  //   e = -0.005:  b_u1 = -0.000025,   b_i0 = 0.005 + 0.005 (-0.005 - 0.0001) = 0.0049745
  const auto data = tiny_dataset(2, 2, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}});
  BaselineOptions options;
  options.method = BaselineMethod::kSgd;
  options.n_epochs = 1;
  BaselineOnly model(options);
  model.fit(data, all_ratings(data));
  CHECK(model.baselines().user[0] == Approx(-0.0000255).margin(1e-12));
  CHECK(model.baselines().user[1] == Approx(-0.000025).margin(1e-12));
  CHECK(model.baselines().item[0] == Approx(0.0049745).margin(1e-12));
  CHECK(model.baselines().item[1] == Approx(-0.005025).margin(1e-12));
  BaselineOptions defaults;
  defaults.method = BaselineMethod::kSgd;
  CHECK(defaults.epochs() == 20);
}

TEST_CASE("BaselineOnly ALS converges to the regularised least-squares fixed point",
          "[model][baseline]") {
  const auto data = random_dataset(30, 20, 10, 5);
  BaselineOptions options;
  options.n_epochs = 300;
  const TrainingSet train(data, all_ratings(data));
  const Baselines b = compute_baselines(train, options);
  const double mu = train.global_mean();
  for (const ItemIndex i : train.items_in_order()) {
    double dev = 0;
    for (const auto& e : train.item_ratings(i))
      dev += e.value - mu - b.user[e.other];
    CHECK(b.item[i] == Approx(dev / (options.reg_i + train.item_ratings(i).size())).margin(1e-9));
  }
  for (const UserIndex u : train.users_in_order()) {
    double dev = 0;
    for (const auto& e : train.user_ratings(u))
      dev += e.value - mu - b.item[e.other];
    CHECK(b.user[u] == Approx(dev / (options.reg_u + train.user_ratings(u).size())).margin(1e-9));
  }
}

TEST_CASE("BaselineOnly uses only the known biases for unknown users and items",
          "[model][baseline]") {
  // User 2 and item 2 have no ratings; their biases are zero.
  const auto data = tiny_dataset(3, 3, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 1, 2}});
  BaselineOnly model;
  model.fit(data, all_ratings(data));
  CHECK(model.predict(2, 0) == Approx(3.5 + 1.0 / 6));
  CHECK(model.predict(0, 2) == Approx(3.5 + 1.0 / 17));
  CHECK(model.predict(2, 2) == Approx(3.5));
  CHECK(model.predict(500, 500) == Approx(3.5));
}

TEST_CASE("Predictions are clipped to the rating scale; estimates are not", "[model][baseline]") {
  // Without regularisation, the generous user 0 meets the item that the
  // harsh user 1 rated 5: mu + b_u + b_i is about 4.2 + 1.2 + 1.6 = 7.
  BaselineOptions options;
  options.reg_u = 0;
  options.reg_i = 0;
  {
    const auto data = tiny_dataset(2, 3, {{0, 0, 5}, {0, 1, 5}, {1, 0, 3}, {1, 1, 3}, {1, 2, 5}});
    BaselineOnly model(options);
    model.fit(data, all_ratings(data));
    REQUIRE(model.estimate(0, 2) > 6.5);
    CHECK(model.predict(0, 2) == 5.0);
  }
  {
    // The mirror image: about -1 before clipping.
    const auto data = tiny_dataset(2, 3, {{0, 0, 1}, {0, 1, 1}, {1, 0, 3}, {1, 1, 3}, {1, 2, 1}});
    BaselineOnly model(options);
    model.fit(data, all_ratings(data));
    REQUIRE(model.estimate(0, 2) < -0.5);
    CHECK(model.predict(0, 2) == 1.0);
  }
}

TEST_CASE("Baseline options are validated", "[model][baseline]") {
  const auto data = tiny_dataset(1, 1, {{0, 0, 5}});
  BaselineOptions bad;
  bad.n_epochs = -1;
  CHECK_THROWS_AS(BaselineOnly(bad).fit(data, all_ratings(data)), std::invalid_argument);
  BaselineOptions negative_reg;
  negative_reg.reg_i = -2;
  CHECK_THROWS_AS(BaselineOnly(negative_reg).fit(data, all_ratings(data)), std::invalid_argument);
}
