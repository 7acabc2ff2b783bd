#include "engine/model/svd.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/model/baseline.hpp"
#include "engine/model/mean_models.hpp"
#include "engine/model/metrics.hpp"
#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::random_dataset;
using lusifer::testing::tiny_dataset;
using lusifer::testing::TinyRating;

namespace {

// Surprise's SVD.sgd transcribed loop by loop, over the dataset's ratings in
// the order Surprise's trainset.all_ratings() yields them (users by first
// appearance, then each user's ratings in file order), with the documented
// initialisation draws.
struct ReferenceSvd {
  std::vector<double> bu, bi, pu, qi;
  double mu = 0;
  int nf = 0;

  ReferenceSvd(const Dataset& data, const SvdOptions& o) : nf(o.n_factors) {
    const auto& r = data.ratings();
    const std::size_t users = data.user_count(), items = data.catalog().size();
    bu.assign(users, 0);
    bi.assign(items, 0);
    Rng rng(o.seed);
    for (std::size_t k = 0; k < users * nf; ++k)
      pu.push_back(rng.normal(o.init_mean, o.init_std_dev));
    for (std::size_t k = 0; k < items * nf; ++k)
      qi.push_back(rng.normal(o.init_mean, o.init_std_dev));
    for (RatingIndex k = 0; k < r.size(); ++k)
      mu += r.value(k);
    mu /= static_cast<double>(r.size());
    std::vector<UserIndex> order;
    std::vector<bool> seen(users, false);
    for (RatingIndex k = 0; k < r.size(); ++k) {
      if (!seen[r.user(k)])
        order.push_back(r.user(k));
      seen[r.user(k)] = true;
    }
    for (int epoch = 0; epoch < o.n_epochs; ++epoch) {
      for (const UserIndex u : order) {
        for (RatingIndex k = 0; k < r.size(); ++k) {
          if (r.user(k) != u)
            continue;
          const ItemIndex i = r.item(k);
          double dot = 0;
          for (int f = 0; f < nf; ++f)
            dot += qi[i * nf + f] * pu[u * nf + f];
          const double err = r.value(k) - (mu + bu[u] + bi[i] + dot);
          bu[u] += o.lr_all * (err - o.reg_all * bu[u]);
          bi[i] += o.lr_all * (err - o.reg_all * bi[i]);
          for (int f = 0; f < nf; ++f) {
            const double puf = pu[u * nf + f], qif = qi[i * nf + f];
            pu[u * nf + f] += o.lr_all * (err * qif - o.reg_all * puf);
            qi[i * nf + f] += o.lr_all * (err * puf - o.reg_all * qif);
          }
        }
      }
    }
  }

  double estimate(UserIndex u, ItemIndex i) const {
    double est = mu + bu[u] + bi[i];
    for (int f = 0; f < nf; ++f)
      est += qi[i * nf + f] * pu[u * nf + f];
    return est;
  }
};

}  // namespace

TEST_CASE("SVD follows Surprise's SGD step by step", "[model][svd]") {
  const auto data = random_dataset(25, 30, 12, 11);
  SvdOptions options;
  options.n_factors = 7;
  options.n_epochs = 6;
  options.seed = 42;
  Svd model(options);
  model.fit(data, all_ratings(data));
  const ReferenceSvd reference(data, options);
  for (UserIndex u = 0; u < 25; ++u) {
    CHECK(model.user_bias(u) == Approx(reference.bu[u]).margin(1e-12));
    for (ItemIndex i = 0; i < 30; ++i) {
      if (!model.knows_item(i))
        continue;
      CHECK(model.estimate(u, i) == Approx(reference.estimate(u, i)).margin(1e-12));
    }
  }
}

TEST_CASE("SVD learns a rank-1 matrix and predicts its held-out cells", "[model][svd]") {
  // r_ui = 1 + 4 a_u b_i with a, b in [0.2, 1]: a rank-1 matrix within the scale.
  const std::uint32_t users = 12, items = 10;
  std::vector<double> a(users), b(items);
  for (std::uint32_t u = 0; u < users; ++u)
    a[u] = 0.2 + 0.8 * u / (users - 1.0);
  for (std::uint32_t i = 0; i < items; ++i)
    b[i] = 1.0 - 0.8 * i / (items - 1.0);
  std::vector<TinyRating> ratings;
  std::vector<RatingIndex> train, test;
  for (UserIndex u = 0; u < users; ++u) {
    for (ItemIndex i = 0; i < items; ++i) {
      ((u * 7 + i * 3) % 9 == 0 ? test : train).push_back(static_cast<RatingIndex>(ratings.size()));
      ratings.push_back({u, i, static_cast<float>(1 + 4 * a[u] * b[i])});
    }
  }
  const auto data = tiny_dataset(users, items, ratings, RatingScale{1.0f, 5.0f, 0.001f});
  REQUIRE(test.size() >= 10);

  SvdOptions options;
  options.n_factors = 3;
  options.n_epochs = 3000;
  options.lr_all = 0.02;
  options.reg_all = 0;
  Svd model(options);
  model.fit(data, train);
  GlobalMean mean;
  mean.fit(data, train);

  const auto fit_on_train = evaluate(model, data, train);
  const auto held_out = evaluate(model, data, test);
  const auto mean_held_out = evaluate(mean, data, test);
  CHECK(fit_on_train.rmse < 0.02);
  CHECK(held_out.rmse < 0.1);
  CHECK(held_out.rmse < mean_held_out.rmse / 5);
}

TEST_CASE("SVD with zero-initialised factors is the SGD baseline", "[model][svd]") {
  // Factors that start at 0 get zero gradients and stay 0, leaving the bias
  // updates, which are exactly Surprise's baseline_sgd with lr 0.005, reg 0.02.
  const auto data = random_dataset(20, 15, 8, 3);
  SvdOptions options;
  options.init_std_dev = 0;
  Svd svd(options);
  svd.fit(data, all_ratings(data));
  BaselineOptions sgd;
  sgd.method = BaselineMethod::kSgd;
  BaselineOnly baseline(sgd);
  baseline.fit(data, all_ratings(data));
  for (UserIndex u = 0; u < 21; ++u) {
    for (ItemIndex i = 0; i < 16; ++i) {
      CHECK(svd.estimate(u, i) == Approx(baseline.estimate(u, i)).margin(1e-12));
    }
  }
}

TEST_CASE("SVD is deterministic for a seed", "[model][svd]") {
  const auto data = random_dataset(20, 15, 8, 4);
  SvdOptions options;
  options.n_factors = 10;
  Svd first(options), second(options);
  options.seed = 1;
  Svd other_seed(options);
  first.fit(data, all_ratings(data));
  second.fit(data, all_ratings(data));
  other_seed.fit(data, all_ratings(data));
  bool any_difference = false;
  for (UserIndex u = 0; u < 20; ++u) {
    for (ItemIndex i = 0; i < 15; ++i) {
      CHECK(first.estimate(u, i) == second.estimate(u, i));
      any_difference |= first.estimate(u, i) != other_seed.estimate(u, i);
    }
  }
  CHECK(any_difference);
  // Refitting gives the same model again.
  const double before = first.estimate(3, 4);
  first.fit(data, all_ratings(data));
  CHECK(first.estimate(3, 4) == before);
}

TEST_CASE("SVD falls back to the known biases for unknown users and items", "[model][svd]") {
  // User 2 and item 2 have no ratings.
  const auto data = tiny_dataset(3, 3, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 1, 2}});
  Svd model;
  model.fit(data, all_ratings(data));
  const double mu = 3.5;
  CHECK(model.estimate(2, 0) == Approx(mu + model.item_bias(0)));
  CHECK(model.estimate(0, 2) == Approx(mu + model.user_bias(0)));
  CHECK(model.estimate(2, 2) == Approx(mu));
  CHECK(model.estimate(77, 77) == Approx(mu));
  CHECK(model.item_bias(0) > 0);
}

TEST_CASE("Unbiased SVD predicts q.p, and the global mean when that is impossible",
          "[model][svd]") {
  const auto data = tiny_dataset(3, 3, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 1, 2}});
  SvdOptions options;
  options.biased = false;
  options.n_factors = 4;
  Svd model(options);
  model.fit(data, all_ratings(data));
  double dot = 0;
  for (int f = 0; f < 4; ++f)
    dot += model.user_factors(1)[f] * model.item_factors(0)[f];
  CHECK(model.estimate(1, 0) == Approx(dot));
  CHECK(model.user_bias(1) == 0.0);
  CHECK(model.estimate(2, 0) == Approx(3.5));
}

TEST_CASE("SVD options are validated", "[model][svd]") {
  SvdOptions options;
  options.n_factors = -1;
  CHECK_THROWS_AS(Svd(options), std::invalid_argument);
  options = {};
  options.n_epochs = -3;
  CHECK_THROWS_AS(Svd(options), std::invalid_argument);
}
