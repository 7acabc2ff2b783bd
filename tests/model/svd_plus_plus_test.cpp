#include "engine/model/svd_plus_plus.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/model/mean_models.hpp"
#include "engine/model/metrics.hpp"
#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::random_dataset;
using lusifer::testing::tiny_dataset;
using lusifer::testing::TinyRating;

namespace {

// Surprise's SVDpp.sgd transcribed loop by loop (the implicit sum recomputed
// and every y_j updated at every rating), over the ratings in Surprise's
// all_ratings() order, with the documented initialisation draws.
struct ReferenceSvdpp {
  std::vector<double> bu, bi, pu, qi, yj;
  std::vector<std::vector<ItemIndex>> rated;
  double mu = 0;
  int nf = 0;

  ReferenceSvdpp(const Dataset& data, const SvdPlusPlusOptions& o) : nf(o.n_factors) {
    const auto& r = data.ratings();
    const std::size_t users = data.user_count(), items = data.catalog().size();
    const double lr_yj = o.lr_yj.value_or(o.lr_all), reg_yj = o.reg_yj.value_or(o.reg_all);
    const double lr = o.lr_all, reg = o.reg_all;
    bu.assign(users, 0);
    bi.assign(items, 0);
    Rng rng(o.seed);
    for (std::size_t k = 0; k < users * nf; ++k)
      pu.push_back(rng.normal(o.init_mean, o.init_std_dev));
    for (std::size_t k = 0; k < items * nf; ++k)
      qi.push_back(rng.normal(o.init_mean, o.init_std_dev));
    for (std::size_t k = 0; k < items * nf; ++k)
      yj.push_back(rng.normal(o.init_mean, o.init_std_dev));
    for (RatingIndex k = 0; k < r.size(); ++k)
      mu += r.value(k);
    mu /= static_cast<double>(r.size());
    rated.resize(users);
    std::vector<UserIndex> order;
    for (RatingIndex k = 0; k < r.size(); ++k) {
      if (rated[r.user(k)].empty())
        order.push_back(r.user(k));
      rated[r.user(k)].push_back(r.item(k));
    }
    std::vector<double> z(nf);
    for (int epoch = 0; epoch < o.n_epochs; ++epoch) {
      for (const UserIndex u : order) {
        const auto& iu = rated[u];
        const double sqrt_iu = std::sqrt(static_cast<double>(iu.size()));
        for (RatingIndex k = 0; k < r.size(); ++k) {
          if (r.user(k) != u)
            continue;
          const ItemIndex i = r.item(k);
          std::fill(z.begin(), z.end(), 0.0);
          for (const ItemIndex j : iu) {
            for (int f = 0; f < nf; ++f)
              z[f] += yj[j * nf + f] / sqrt_iu;
          }
          double dot = 0;
          for (int f = 0; f < nf; ++f)
            dot += qi[i * nf + f] * (pu[u * nf + f] + z[f]);
          const double err = r.value(k) - (mu + bu[u] + bi[i] + dot);
          bu[u] += lr * (err - reg * bu[u]);
          bi[i] += lr * (err - reg * bi[i]);
          for (int f = 0; f < nf; ++f) {
            const double puf = pu[u * nf + f], qif = qi[i * nf + f];
            pu[u * nf + f] += lr * (err * qif - reg * puf);
            qi[i * nf + f] += lr * (err * (puf + z[f]) - reg * qif);
            const double step = err * qif / sqrt_iu;
            for (const ItemIndex j : iu)
              yj[j * nf + f] += lr_yj * (step - reg_yj * yj[j * nf + f]);
          }
        }
      }
    }
  }

  double estimate(UserIndex u, ItemIndex i) const {
    double est = mu + bu[u] + bi[i];
    const double sqrt_iu = std::sqrt(static_cast<double>(rated[u].size()));
    for (int f = 0; f < nf; ++f) {
      double z = 0;
      for (const ItemIndex j : rated[u])
        z += yj[j * nf + f];
      est += qi[i * nf + f] * (pu[u * nf + f] + z / sqrt_iu);
    }
    return est;
  }
};

void check_matches_reference(const Dataset& data, const SvdPlusPlusOptions& options) {
  SvdPlusPlus model(options);
  model.fit(data, all_ratings(data));
  const ReferenceSvdpp reference(data, options);
  for (UserIndex u = 0; u < data.user_count(); ++u) {
    if (!model.knows_user(u))
      continue;
    CHECK(model.user_bias(u) == Approx(reference.bu[u]).margin(1e-10));
    for (ItemIndex i = 0; i < data.catalog().size(); ++i) {
      if (!model.knows_item(i))
        continue;
      CHECK(model.estimate(u, i) == Approx(reference.estimate(u, i)).margin(1e-10));
    }
  }
  for (ItemIndex i = 0; i < data.catalog().size(); ++i) {
    for (int f = 0; f < options.n_factors; ++f) {
      CHECK(model.implicit_item_factors(i)[f] ==
            Approx(reference.yj[i * options.n_factors + f]).margin(1e-10));
    }
  }
}

}  // namespace

TEST_CASE("SVD++ with deferred implicit updates equals Surprise's literal SGD", "[model][svdpp]") {
  SvdPlusPlusOptions options;
  options.n_factors = 6;
  options.n_epochs = 5;
  options.seed = 9;
  check_matches_reference(random_dataset(25, 40, 30, 21), options);
}

TEST_CASE("SVD++ stays exact when the deferred scale is folded back mid-user", "[model][svdpp]") {
  // decay = 1 - 0.3 * 1 = 0.7 per rating: past 20 ratings the scale drops
  // below 1e-3 and is folded into y.
  SvdPlusPlusOptions options;
  options.n_factors = 3;
  options.n_epochs = 3;
  options.lr_yj = 0.3;
  options.reg_yj = 1.0;
  const auto data = random_dataset(6, 60, 60, 22);
  std::size_t most = 0;
  for (UserIndex u = 0; u < 6; ++u)
    most = std::max(most, data.histories().of(u).size());
  REQUIRE(most > 25);
  check_matches_reference(data, options);
}

TEST_CASE("SVD++ trains users with a repeated item the literal way", "[model][svdpp]") {
  // User 0 rated item 1 twice: its y_1 gets two updates per step.
  const auto data = tiny_dataset(
      3, 4,
      {{0, 1, 4}, {1, 0, 2}, {0, 2, 5}, {0, 1, 3}, {2, 3, 1}, {1, 2, 4}, {2, 1, 3}, {0, 3, 2}});
  SvdPlusPlusOptions options;
  options.n_factors = 4;
  options.n_epochs = 10;
  check_matches_reference(data, options);
}

TEST_CASE("SVD++ learns its training ratings and is deterministic", "[model][svdpp]") {
  const auto data = random_dataset(40, 30, 15, 23);
  SvdPlusPlus first, second;
  first.fit(data, all_ratings(data));
  second.fit(data, all_ratings(data));
  CHECK(first.name() == "SVD++");
  for (UserIndex u = 0; u < 40; ++u) {
    for (ItemIndex i = 0; i < 30; ++i)
      CHECK(first.estimate(u, i) == second.estimate(u, i));
  }
  GlobalMean mean;
  mean.fit(data, all_ratings(data));
  const auto ratings = all_ratings(data);
  CHECK(evaluate(first, data, ratings).rmse < 0.9 * evaluate(mean, data, ratings).rmse);
}

TEST_CASE("SVD++ falls back to the known biases for unknown users and items", "[model][svdpp]") {
  const auto data = tiny_dataset(3, 3, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 1, 2}});
  SvdPlusPlus model;
  model.fit(data, all_ratings(data));
  CHECK(model.estimate(2, 0) == Approx(3.5 + model.item_bias(0)));
  CHECK(model.estimate(1, 2) == Approx(3.5 + model.user_bias(1)));
  CHECK(model.estimate(9, 9) == Approx(3.5));
  CHECK(model.predict(9, 9) == Approx(3.5));
}

TEST_CASE("SVD++ options are validated", "[model][svdpp]") {
  SvdPlusPlusOptions options;
  options.init_std_dev = -0.1;
  CHECK_THROWS_AS(SvdPlusPlus(options), std::invalid_argument);
}
