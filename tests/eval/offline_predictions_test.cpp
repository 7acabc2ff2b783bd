#include "engine/eval/offline_predictions.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/data/split.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/evaluation_run.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "tests/eval/eval_test_support.hpp"

using namespace lusifer;

namespace {

// 40 users and 30 items with two tastes (even users like low items, odd
// users high ones); every user rates 15 items. `test_shift` changes the
// values of the last 3 ratings of each user in time (the hold-out's test
// side) and nothing else.
Dataset taste_dataset(int test_shift) {
  Rng rng(5);
  std::vector<testing::TimedRating> ratings;
  std::int64_t time = 0;
  std::vector<ItemIndex> items(30);
  for (ItemIndex i = 0; i < 30; ++i)
    items[i] = i;
  for (UserIndex u = 0; u < 40; ++u) {
    rng.shuffle(std::span<ItemIndex>(items));
    for (int k = 0; k < 15; ++k) {
      const ItemIndex i = items[static_cast<std::size_t>(k)];
      const bool likes = (u % 2 == 0) == (i < 15);
      double value = likes ? 4.4 : 1.8;
      value += rng.uniform01() - 0.5;
      if (k >= 12)
        value += test_shift;
      const double level = std::clamp(std::round(value), 1.0, 5.0);
      ratings.push_back({u, i, static_cast<float>(level), ++time});
    }
  }
  return testing::timed_dataset(40, 30, ratings);
}

EvaluationProtocol holdout_protocol(const Dataset& d) {
  ProtocolOptions options;
  options.train_last_n = 10;
  return build_protocol(d, holdout_last_k(d, 3), options);
}

}  // namespace

TEST_CASE("the offline model is scored from its training ratings only", "[eval][offline]") {
  const Dataset d = taste_dataset(0);
  const EvaluationProtocol p = holdout_protocol(d);
  REQUIRE(p.test.size() > 0);
  const SimulatorPredictions predictions = offline_model_predictions(d, p);
  CHECK(predictions.label == "offline model (not an LLM)");
  CHECK(predictions.kind == MethodKind::kOfflineModel);
  CHECK(predictions.detail.find("not an LLM") != std::string::npos);
  REQUIRE(predictions.ratings.size() == p.test.size());

  // Raw is the model's unrounded score, fitted on the protocol's training set.
  const OfflineUserModel model(d, p.train);
  for (std::size_t k = 0; k < p.test.size(); ++k) {
    const SimulatedRating& r = predictions.ratings[k];
    CHECK(r.user_id == d.user(p.test[k].user).id);
    CHECK(r.item_id == d.catalog().item(p.test[k].item).id);
    CHECK(r.raw == model.score(p.test[k].user, p.test[k].item).raw);
    REQUIRE(r.calibrated.has_value());
    CHECK(d.scale().level_of(*r.calibrated) >= 0);
  }

  // The test ratings' values reach neither the model nor the calibration.
  const Dataset shifted = taste_dataset(-3);
  const EvaluationProtocol q = holdout_protocol(shifted);
  REQUIRE(q.train == p.train);
  REQUIRE(q.test.size() == p.test.size());
  bool any_test_value_differs = false;
  for (std::size_t k = 0; k < p.test.size(); ++k)
    any_test_value_differs |= q.test[k].value != p.test[k].value;
  REQUIRE(any_test_value_differs);
  const SimulatorPredictions again = offline_model_predictions(shifted, q);
  for (std::size_t k = 0; k < p.test.size(); ++k) {
    CHECK(again.ratings[k].raw == predictions.ratings[k].raw);
    CHECK(again.ratings[k].calibrated == predictions.ratings[k].calibrated);
  }
}

TEST_CASE("an evaluation puts baselines, the offline model and simulators in one table",
          "[eval][offline]") {
  const Dataset d = taste_dataset(0);
  const EvaluationProtocol p = holdout_protocol(d);
  EvaluationRunOptions options;
  options.baselines = {BaselineKind::kUserMean, BaselineKind::kBaselineOnly};
  SimulatorPredictions sim;
  sim.label = simulator_label("mock", "echo");
  for (const TestRating& t : p.test)
    sim.ratings.push_back({d.user(t.user).id, d.catalog().item(t.item).id, t.value, std::nullopt});
  const std::vector<SimulatorPredictions> simulators = {sim};
  const EvaluationTable table = evaluate_protocol(d, p, options, simulators);
  REQUIRE(table.subsets.size() == 2);
  const auto& rows = table.subsets[0].rows;
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].method == "user mean");
  CHECK(rows[1].method == "BaselineOnly");
  CHECK(rows[2].method == "offline model (not an LLM), raw");
  CHECK(rows[3].method == "offline model (not an LLM), calibrated");
  CHECK(rows[4].method == "Lusifer simulator: mock/echo, raw");
  CHECK(rows[4].rmse == 0.0);  // it echoed the truth
  for (const auto& row : rows)
    CHECK(row.n == p.test.size());
  // The tastes are learnable: the offline model beats the user mean here.
  CHECK(rows[2].rmse < rows[0].rmse);

  options.offline_model = false;
  CHECK(evaluate_protocol(d, p, options).subsets[0].rows.size() == 2);
}
