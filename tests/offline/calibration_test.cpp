// Per-user quantile-mapping calibration.

#include "engine/sim/calibration.hpp"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/data/split.hpp"
#include "engine/model/metrics.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "tests/offline/offline_world.hpp"

using namespace lusifer;

namespace {

const RatingScale kFive{1.0f, 5.0f, 1.0f};

// Real ratings with the histogram `counts` (levels 1..5).
std::vector<double> with_histogram(const std::vector<int>& counts) {
  std::vector<double> out;
  for (std::size_t l = 0; l < counts.size(); ++l)
    for (int k = 0; k < counts[l]; ++k)
      out.push_back(static_cast<double>(l + 1));
  return out;
}

// A simulator that gives far too many 1s and 2s: raw values crowded low.
std::vector<double> skewed_low(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<double> out;
  for (std::size_t k = 0; k < n; ++k) {
    const double u = rng.uniform01();
    out.push_back(1.0 + 4.0 * u * u * u);  // most mass near 1
  }
  return out;
}

void fit(RatingCalibration& calibration, UserIndex user, std::vector<double> simulated,
         std::vector<double> real) {
  calibration.fit(user, simulated, real);
}

}  // namespace

TEST_CASE("a skewed raw distribution is mapped onto the user's histogram", "[calibration]") {
  RatingCalibration calibration(kFive, CalibrationOptions{0.0});
  const std::vector<int> target{50, 100, 250, 400, 200};
  const auto real = with_histogram(target);
  const auto simulated = skewed_low(real.size(), 3);
  calibration.fit(7, simulated, real);
  // Fresh raw ratings from the same simulator land in the same proportions.
  const auto fresh = skewed_low(20000, 4);
  std::vector<double> mapped;
  for (const double x : fresh)
    mapped.push_back(calibration.map(7, x));
  const auto histogram = rating_histogram(mapped, kFive);
  for (int l = 0; l < 5; ++l) {
    INFO("level " << l + 1);
    CHECK(histogram.share(l) == Approx(target[static_cast<std::size_t>(l)] / 1000.0).margin(0.04));
  }
  // Uncalibrated, the same ratings are mostly 1s and 2s.
  const auto raw = rating_histogram(fresh, kFive);
  CHECK(raw.share(0) + raw.share(1) > 0.6);
}

TEST_CASE("the mapping is monotone and stays on the scale's levels", "[calibration]") {
  for (const RatingScale scale : {kFive, RatingScale{0.5f, 5.0f, 0.5f}}) {
    RatingCalibration calibration(scale);
    Rng rng(5);
    for (UserIndex u = 0; u < 20; ++u) {
      std::vector<double> simulated, real;
      const std::size_t n = 3 + rng.uniform_index(40);
      for (std::size_t k = 0; k < n; ++k) {
        simulated.push_back(scale.min + (scale.max - scale.min) * rng.uniform01());
        real.push_back(scale.level_value(
            static_cast<int>(rng.uniform_index(static_cast<std::uint64_t>(scale.level_count())))));
      }
      calibration.fit(u, simulated, real);
    }
    for (UserIndex u = 0; u < 22; ++u) {  // 20, 21: never fitted
      double previous = -1;
      for (double x = scale.min - 1; x <= scale.max + 1; x += 0.01) {
        const double y = calibration.map(u, x);
        REQUIRE(scale.level_of(y) >= 0);
        REQUIRE(y >= previous);
        previous = y;
      }
    }
  }
}

TEST_CASE("users with few ratings are shrunk toward the pooled mapping", "[calibration]") {
  RatingCalibration calibration(kFive, CalibrationOptions{10.0});
  // Many users rate high whatever the simulator says.
  for (UserIndex u = 0; u < 30; ++u)
    fit(calibration, u, {1.0, 2.0, 3.0, 4.0, 5.0}, {4, 4, 5, 5, 5});
  // One user with two ratings, both 1s; one with forty.
  fit(calibration, 100, {2.0, 4.0}, {1, 1});
  std::vector<double> many_sim, many_real(40, 1.0);
  for (int k = 0; k < 40; ++k)
    many_sim.push_back(1.0 + 4.0 * k / 39.0);
  calibration.fit(101, many_sim, many_real);
  CHECK(calibration.fitted(100));
  CHECK_FALSE(calibration.fitted(55));
  // The never-fitted user gets the pooled mapping: high.
  CHECK(calibration.map(55, 3.0) >= 4.0);
  // Two ratings are weak evidence: still mostly the pooled mapping.
  CHECK(calibration.map(100, 3.0) >= 4.0);
  // Forty are strong: the user's own 1s dominate.
  CHECK(calibration.map(101, 3.0) == 1.0);
  const auto cdf = calibration.target_cdf(100);
  REQUIRE(cdf.size() == 5);
  // Its own two 1s and ten ratings' worth of the pooled distribution, where
  // 42 of 192 ratings are 1s.
  CHECK(cdf[0] == Approx((2.0 + 10.0 * 42.0 / 192.0) / 12.0));
  CHECK(cdf[4] == Approx(1.0));
}

TEST_CASE("the mapping is fitted on training data only", "[calibration]") {
  // Two copies of a world that differ only in the ratings of a held-out test
  // set: mappings fitted on the training side are identical.
  const auto world = testing::make_taste_world();
  const Dataset& d = world.dataset;
  std::vector<RatingIndex> train, test;
  for (RatingIndex r = 0; r < d.ratings().size(); ++r)
    (r % 5 == 0 ? test : train).push_back(r);

  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "changed-test", d.scale());
  for (const auto& name : d.catalog().genre_names())
    builder.catalog().add_genre(name);
  for (UserIndex u = 0; u < d.user_count(); ++u)
    builder.add_user(d.user(u).id, d.demographics(u));
  for (const Item& i : d.catalog().items())
    builder.add_item(i);
  for (RatingIndex r = 0; r < d.ratings().size(); ++r) {
    const float value = r % 5 == 0 ? 6.0f - d.ratings().value(r) : d.ratings().value(r);
    builder.add_rating(d.ratings().user(r), d.ratings().item(r), value, d.ratings().timestamp(r));
  }
  const Dataset changed = builder.finish();

  const auto fit_on_train = [&](const Dataset& data) {
    const OfflineUserModel model(data, train);
    RatingCalibration calibration(data.scale());
    for (UserIndex u = 0; u < data.user_count(); ++u) {
      std::vector<double> simulated, real;
      for (const Interaction& i : model.training_history(u)) {
        simulated.push_back(model.score(u, i.item).raw);
        real.push_back(i.rating);
      }
      if (!real.empty())
        calibration.fit(u, simulated, real);
    }
    return calibration;
  };
  const RatingCalibration a = fit_on_train(d);
  const RatingCalibration b = fit_on_train(changed);
  bool any_test_rating_changed = false;
  for (const RatingIndex r : test)
    any_test_rating_changed |= d.ratings().value(r) != changed.ratings().value(r);
  REQUIRE(any_test_rating_changed);
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    CHECK(a.target_cdf(u) == b.target_cdf(u));
    for (double x = 1.0; x <= 5.0; x += 0.05)
      REQUIRE(a.map(u, x) == b.map(u, x));
  }
  // Whereas fitting on the changed ratings themselves would differ.
  RatingCalibration c(changed.scale());
  for (UserIndex u = 0; u < 48; ++u) {
    std::vector<double> real;
    for (const RatingIndex r : changed.histories().of(u))
      real.push_back(changed.ratings().value(r));
    c.fit(u, real, real);
  }
  bool differs = false;
  for (UserIndex u = 0; u < 48; ++u)
    differs |= c.target_cdf(u) != a.target_cdf(u);
  CHECK(differs);
}

TEST_CASE("refitting a user replaces their data; bad input changes nothing", "[calibration]") {
  RatingCalibration calibration(kFive, CalibrationOptions{0.0});
  CHECK_THROWS_AS(calibration.map(0, 3.0), std::logic_error);
  fit(calibration, 0, {1.0, 2.0}, {5, 5});
  CHECK(calibration.map(0, 1.0) == 5.0);
  fit(calibration, 0, {1.0, 2.0}, {1, 1});
  CHECK(calibration.map(0, 2.0) == 1.0);
  CHECK(calibration.fitted_users() == 1);
  CHECK_THROWS_AS(fit(calibration, 1, {}, {3}), std::invalid_argument);
  CHECK_THROWS_AS(fit(calibration, 1, {3.0}, {3.5}), std::invalid_argument);
  CHECK_THROWS_AS(fit(calibration, 1, {std::nan("")}, {3}), std::invalid_argument);
  CHECK_FALSE(calibration.fitted(1));
  CHECK(calibration.fitted_users() == 1);
  CHECK_THROWS_AS(RatingCalibration(kFive, CalibrationOptions{-1.0}), std::invalid_argument);
}
