#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/eval/baseline_methods.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/evaluation_table.hpp"
#include "engine/eval/prediction_set.hpp"
#include "engine/eval/table_rendering.hpp"
#include "engine/model/metrics.hpp"
#include "tests/eval/eval_test_support.hpp"

using namespace lusifer;
using testing::make_split;
using testing::timed_dataset;

namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// Users 0..2 and items 0..3 (ids = index + 1). Users 0 and 1 have three
// training ratings, user 2 one (cold start at 1). Test, in order: (0, 2) 5,
// (1, 1) 2, (2, 0) 3, (2, 2) 4.
Dataset small_dataset() {
  return timed_dataset(3, 4,
                       {{0, 0, 4, 1},
                        {0, 1, 2, 2},
                        {0, 3, 4, 3},
                        {1, 0, 5, 4},
                        {1, 2, 3, 5},
                        {1, 3, 2, 6},
                        {2, 1, 1, 7},
                        {0, 2, 5, 8},
                        {1, 1, 2, 9},
                        {2, 0, 3, 10},
                        {2, 2, 4, 11}});
}

EvaluationProtocol small_protocol(const Dataset& d) {
  ProtocolOptions options;
  options.cold_start_max_train = 1;
  return build_protocol(d, make_split("small", {0, 1, 2, 3, 4, 5, 6}, {7, 8, 9, 10}), options);
}

PredictionSet manual_set(std::string name, std::vector<double> predicted) {
  return {std::move(name), "by hand", MethodKind::kSimulator, std::move(predicted)};
}

const MetricRow& row_named(const SubsetTable& subset, const std::string& method) {
  for (const auto& row : subset.rows) {
    if (row.method == method)
      return row;
  }
  FAIL("no row " << method);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("rows are scored on the predictions they have", "[eval][table]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  REQUIRE(p.test.size() == 4);
  const std::vector<PredictionSet> sets = {manual_set("A", {4.6, 2.4, 3.0, kNone})};
  const EvaluationTable table = make_evaluation_table(p, sets);
  CHECK(table.protocol == "small");
  CHECK(table.train_ratings == 7);
  CHECK_FALSE(table.rounded);
  REQUIRE(table.subsets.size() == 2);

  const SubsetTable& all = table.subsets[0];
  CHECK(all.name == "all users");
  CHECK(all.ratings == 4);
  CHECK(all.users == 3);
  CHECK(all.truth_histogram == std::vector<std::size_t>{0, 1, 1, 1, 1});
  const MetricRow& a = all.rows.at(0);
  CHECK(a.method == "A");
  CHECK(a.kind == MethodKind::kSimulator);
  CHECK(a.n == 3);
  CHECK(a.missing == 1);
  CHECK(a.rmse == Approx(std::sqrt((0.16 + 0.16) / 3)));
  CHECK(a.mae == Approx(0.8 / 3));
  const std::vector<double> pred = {4.6, 2.4, 3.0}, truth = {5, 2, 3};
  CHECK(a.pearson == Approx(pearson(pred, truth)));
  CHECK(a.spearman == Approx(1.0));
  // 4.6 counts at 5, 2.4 at 2, 3.0 at 3.
  CHECK(a.histogram == std::vector<std::size_t>{0, 1, 1, 0, 1});

  const SubsetTable& cold = table.subsets[1];
  CHECK(cold.name == "cold start");
  CHECK(cold.users == 1);
  CHECK(cold.ratings == 2);
  CHECK(cold.truth_histogram == std::vector<std::size_t>{0, 0, 1, 1, 0});
  const MetricRow& c = cold.rows.at(0);
  CHECK(c.n == 1);
  CHECK(c.missing == 1);
  CHECK(c.rmse == 0.0);
  CHECK(std::isnan(c.pearson));  // one pair: undefined
}

TEST_CASE("a row without any prediction has undefined metrics", "[eval][table]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  const std::vector<PredictionSet> sets = {manual_set("none", {kNone, kNone, kNone, kNone})};
  const EvaluationTable table = make_evaluation_table(p, sets);
  const MetricRow& row = table.subsets[0].rows[0];
  CHECK(row.n == 0);
  CHECK(row.missing == 4);
  CHECK(std::isnan(row.rmse));
  CHECK(std::isnan(row.mae));
  CHECK(row.histogram == std::vector<std::size_t>{0, 0, 0, 0, 0});
}

TEST_CASE("a constant predictor has no correlation", "[eval][table]") {
  // One user, one training rating, 1,000 test ratings: the mean of 1,000
  // copies of 3.3 is not exactly 3.3 in floating point, which must not make
  // a correlation appear.
  std::vector<testing::TimedRating> ratings = {{0, 0, 3, 1}};
  std::vector<RatingIndex> test;
  for (ItemIndex i = 1; i <= 1000; ++i) {
    test.push_back(static_cast<RatingIndex>(ratings.size()));
    ratings.push_back({0, i, static_cast<float>(1 + i % 5), 1 + static_cast<std::int64_t>(i)});
  }
  const Dataset d = timed_dataset(1, 1001, ratings);
  const EvaluationProtocol p = build_protocol(d, make_split("many", {0}, test), ProtocolOptions{});
  REQUIRE(p.test.size() == 1000);
  const std::vector<PredictionSet> sets = {manual_set("constant", std::vector<double>(1000, 3.3))};
  const EvaluationTable table = make_evaluation_table(p, sets);
  const MetricRow& row = table.subsets[0].rows[0];
  CHECK(row.n == 1000);
  CHECK(std::isnan(row.pearson));
  CHECK(std::isnan(row.spearman));
  CHECK(std::isfinite(row.rmse));
}

TEST_CASE("a prediction set of the wrong length is refused", "[eval][table]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  const std::vector<PredictionSet> sets = {manual_set("short", {3.0, 3.0})};
  CHECK_THROWS_AS(make_evaluation_table(p, sets), std::invalid_argument);
}

TEST_CASE("rounding is all or nothing: every row, simulators included", "[eval][table]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  const BaselineKind kinds[] = {BaselineKind::kUserMean};
  std::vector<PredictionSet> sets = baseline_predictions(d, p, kinds);
  sets.push_back(manual_set("simulator", {4.6, 2.4, 3.4, 3.5}));

  const EvaluationTable plain = make_evaluation_table(p, sets);
  TableOptions options;
  options.round_predictions = true;
  const EvaluationTable rounded = make_evaluation_table(p, sets, options);
  CHECK(rounded.rounded);

  const std::vector<double> truth = {5, 2, 3, 4};
  // The user means: 10/3, 10/3, 1 (user 2's only rating) and 1.
  const std::vector<double> means = {10.0 / 3, 10.0 / 3, 1, 1};
  const std::vector<double> means_rounded = {3, 3, 1, 1};
  CHECK(row_named(plain.subsets[0], "user mean").rmse == Approx(rmse(means, truth)));
  CHECK(row_named(rounded.subsets[0], "user mean").rmse == Approx(rmse(means_rounded, truth)));
  const std::vector<double> sim = {4.6, 2.4, 3.4, 3.5};
  const std::vector<double> sim_rounded = {5, 2, 3, 4};  // halves round up
  CHECK(row_named(plain.subsets[0], "simulator").rmse == Approx(rmse(sim, truth)));
  CHECK(row_named(rounded.subsets[0], "simulator").rmse == 0.0);
  CHECK(row_named(rounded.subsets[0], "simulator").mae == 0.0);
  CHECK(rmse(sim_rounded, truth) == 0.0);
}

TEST_CASE("baselines train on the protocol's truncated training ratings", "[eval][table]") {
  const Dataset d = small_dataset();
  ProtocolOptions options;
  options.train_last_n = 1;          // user 0 keeps (3) 4, user 1 keeps (3) 2, user 2 keeps (1) 1
  options.known_items_only = false;  // item 2 is no longer in training
  const EvaluationProtocol p =
      build_protocol(d, make_split("last-1", {0, 1, 2, 3, 4, 5, 6}, {7, 8}), options);
  REQUIRE(p.train == std::vector<RatingIndex>{2, 5, 6});
  const auto sets = baseline_predictions(d, p, all_baseline_kinds(), 3);
  REQUIRE(sets.size() == all_baseline_kinds().size());
  for (const auto& set : sets) {
    CHECK(set.kind == MethodKind::kBaseline);
    CHECK(set.predicted.size() == p.test.size());
    for (const double v : set.predicted)
      CHECK((v >= 1.0 && v <= 5.0));
  }
  CHECK(sets[0].method == "global mean");
  CHECK(sets[0].predicted[0] == Approx(7.0 / 3));
  CHECK(sets[1].method == "user mean");
  // Test (0, 2) and (1, 1): each user's one kept rating.
  CHECK(sets[1].predicted == std::vector<double>{4.0, 2.0});
  CHECK(sets[4].detail.find("Surprise SVD()") != std::string::npos);
  CHECK(sets[4].detail.find("seed 3") != std::string::npos);
  CHECK(sets[6].method == "SVD++");
}

TEST_CASE("baselines are named by keys", "[eval][table]") {
  for (const BaselineKind kind : all_baseline_kinds()) {
    CHECK(parse_baseline_key(baseline_key(kind)) == kind);
    CHECK_FALSE(baseline_label(kind).empty());
    CHECK(make_baseline(kind, 0) != nullptr);
  }
  CHECK(parse_baseline_key("svd++") == BaselineKind::kSvdPlusPlus);
  CHECK_FALSE(parse_baseline_key("SVD").has_value());
}

TEST_CASE("simulator predictions are aligned with the test by external ids", "[eval][table]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  SimulatorPredictions sim;
  sim.label = simulator_label("openai", "gpt-4o-mini");
  CHECK(sim.label == "Lusifer simulator: openai/gpt-4o-mini");
  sim.ratings = {
      {3, 1, 2.0, 3.0},           // user 2, item 0: test position 2
      {1, 3, 4.0, std::nullopt},  // user 0, item 2: position 0
      {1, 1, 4.0, 4.0},           // a training pair: not a test rating
      {99, 1, 3.0, 3.0},          // no such user
  };
  AlignmentCounts counts;
  const auto sets = align_simulator_predictions(d, p, sim, &counts);
  REQUIRE(sets.size() == 2);
  CHECK(sets[0].method == "Lusifer simulator: openai/gpt-4o-mini, raw");
  CHECK(sets[1].method == "Lusifer simulator: openai/gpt-4o-mini, calibrated");
  CHECK(sets[0].predicted[0] == 4.0);
  CHECK(std::isnan(sets[0].predicted[1]));
  CHECK(sets[0].predicted[2] == 2.0);
  CHECK(std::isnan(sets[1].predicted[0]));
  CHECK(sets[1].predicted[2] == 3.0);
  CHECK(counts.matched == 2);
  CHECK(counts.missing == 2);
  CHECK(counts.not_tested == 2);

  SECTION("without calibrated ratings there is one set") {
    for (auto& r : sim.ratings)
      r.calibrated.reset();
    CHECK(align_simulator_predictions(d, p, sim).size() == 1);
  }
  SECTION("a pair rated twice is refused") {
    sim.ratings.push_back({3, 1, 5.0, std::nullopt});
    CHECK_THROWS_AS(align_simulator_predictions(d, p, sim), std::invalid_argument);
  }
  SECTION("a rating that is not a number is refused") {
    sim.ratings[1].raw = kNone;
    CHECK_THROWS_AS(align_simulator_predictions(d, p, sim), std::invalid_argument);
  }
}

TEST_CASE("run-store feedback outside episodes becomes simulator predictions", "[eval][table]") {
  std::vector<FeedbackRow> feedback(3);
  feedback[0].user_id = 1;
  feedback[0].item_id = 3;
  feedback[0].raw_rating = 4;
  feedback[0].calibrated_rating = 5;
  feedback[1].episode = 7;  // an RL episode, not the evaluation
  feedback[1].user_id = 2;
  feedback[2].user_id = 3;
  feedback[2].item_id = 1;
  feedback[2].raw_rating = 2;
  const auto sim = simulator_predictions_from_feedback(feedback, "label", "detail");
  CHECK(sim.label == "label");
  CHECK(sim.detail == "detail");
  REQUIRE(sim.ratings.size() == 2);
  CHECK(sim.ratings[0].user_id == 1);
  CHECK(sim.ratings[0].item_id == 3);
  CHECK(sim.ratings[0].raw == 4.0);
  CHECK(sim.ratings[0].calibrated == 5.0);
  CHECK_FALSE(sim.ratings[1].calibrated.has_value());
}

TEST_CASE("folds are summarised by mean and standard deviation per method", "[eval][table]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  const std::vector<PredictionSet> first = {manual_set("A", {5, 2, 3, 3})};  // RMSE 0.5
  const std::vector<PredictionSet> second = {manual_set("A", {4, 1, 2, 3}),  // RMSE 1
                                             manual_set("B", {5, 2, 3, 4})};
  std::vector<EvaluationTable> folds = {make_evaluation_table(p, first),
                                        make_evaluation_table(p, second)};
  folds[1].protocol = "small-2";
  const FoldSummaryTable summary = summarize_folds(folds, "two folds");
  CHECK(summary.name == "two folds");
  CHECK(summary.folds == std::vector<std::string>{"small", "small-2"});
  REQUIRE(summary.subsets.size() == 2);
  const FoldSummarySubset& all = summary.subsets[0];
  CHECK(all.ratings == 8);
  REQUIRE(all.rows.size() == 2);
  const FoldSummaryRow& a = all.rows[0];
  CHECK(a.method == "A");
  CHECK(a.folds == 2);
  CHECK(a.n == 8);
  CHECK(a.rmse_mean == Approx(0.75));
  CHECK(a.rmse_sd == Approx(std::sqrt(0.125)));
  CHECK(a.fold_rmse == std::vector<double>{0.5, 1.0});
  const FoldSummaryRow& b = all.rows[1];
  CHECK(b.folds == 1);
  CHECK(std::isnan(b.fold_rmse[0]));
  CHECK(b.rmse_mean == 0.0);
  CHECK(b.rmse_sd == 0.0);

  TableOptions rounded;
  rounded.round_predictions = true;
  folds.push_back(make_evaluation_table(p, first, rounded));
  CHECK_THROWS_AS(summarize_folds(folds, "mixed"), std::invalid_argument);
  CHECK_THROWS_AS(summarize_folds({}, "none"), std::invalid_argument);
}

TEST_CASE("tables render as text, Markdown and JSON", "[eval][table][render]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  std::vector<PredictionSet> sets = {
      manual_set("offline model (not an LLM), raw", {4.6, 2.4, 3.0, kNone}),
      manual_set("offline model (not an LLM), calibrated", {5, 2, 3, kNone}),
      manual_set("constant | piped", {3, 3, 3, 3})};
  sets[0].kind = sets[1].kind = MethodKind::kOfflineModel;
  sets[2].detail = "always 3";
  EvaluationTable table = make_evaluation_table(p, sets);

  const std::string text = render_text(table);
  CHECK(text.find("== Evaluation: small ==") != std::string::npos);
  CHECK(text.find("Predictions are scored as given, unrounded") != std::string::npos);
  CHECK(text.find("-- all users: 4 test ratings from 3 users") != std::string::npos);
  CHECK(text.find("-- cold start: 2 test ratings from 1 users") != std::string::npos);
  CHECK(text.find("predicted 1/2/3/4/5") != std::string::npos);
  CHECK(text.find("true ratings") != std::string::npos);
  CHECK(text.find("0/1/1/1/1") != std::string::npos);
  CHECK(text.find("offline model (not an LLM), raw") != std::string::npos);
  CHECK(text.find("0.3266") != std::string::npos);
  CHECK(text.find("n/a") != std::string::npos);  // the constant's correlations
  CHECK(text.find("Reference figures") == std::string::npos);

  const std::string md = render_markdown(table);
  CHECK(md.find("## Evaluation: small") != std::string::npos);
  CHECK(
      md.find("| method | n | missing | RMSE | MAE | Pearson | Spearman | predicted 1/2/3/4/5 |") !=
      std::string::npos);
  CHECK(md.find("|---|---:|") != std::string::npos);
  CHECK(md.find("constant \\| piped") != std::string::npos);
  CHECK(md.find("- **constant | piped**: always 3") != std::string::npos);
  // Consecutive rows that share their detail share an entry in the legend.
  CHECK(text.find("  offline model (not an LLM), raw and calibrated: by hand") !=
        std::string::npos);

  const auto json = nlohmann::json::parse(render_json(table));
  CHECK(json["protocol"] == "small");
  CHECK(json["kind"] == "custom");
  CHECK(json["rounded"] == false);
  CHECK(json["paper_reference"].is_null());
  CHECK(json["scale"]["max"] == 5.0);
  const auto& rows = json["subsets"][0]["rows"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["kind"] == "offline-model");
  CHECK(rows[0]["n"] == 3);
  CHECK(rows[0]["missing"] == 1);
  CHECK(rows[0]["rmse"].get<double>() == Approx(std::sqrt(0.32 / 3)));
  CHECK(rows[0]["histogram"] == nlohmann::json::array({0, 1, 1, 0, 1}));
  CHECK(rows[1]["method"] == "offline model (not an LLM), calibrated");
  CHECK(rows[2]["pearson"].is_null());
  CHECK(json["subsets"][1]["name"] == "cold start");

  SECTION("Lusifer's protocol carries the paper's figures as a separate block") {
    table.kind = ProtocolKind::kLusiferMl100k;
    const std::string t = render_text(table);
    const auto block = t.find("== Reference figures from the Lusifer paper (not computed here) ==");
    REQUIRE(block != std::string::npos);
    CHECK(t.find("Lusifer + GPT-4o-mini") > block);
    CHECK(t.find("1.5721") != std::string::npos);
    CHECK(t.find("1.1903") != std::string::npos);  // Gemma3-12B
    CHECK(t.find("1.0588") != std::string::npos);  // their SVD++
    CHECK(t.find("446/839/632/1228/1147") != std::string::npos);
    CHECK(render_markdown(table).find("### Reference figures from the Lusifer paper") !=
          std::string::npos);
    const auto j = nlohmann::json::parse(render_json(table));
    CHECK(j["kind"] == "lusifer-ml100k");
    const auto& ref = j["paper_reference"]["subsets"];
    REQUIRE(ref.size() == 2);
    CHECK(ref[0]["ratings"] == 4292);
    CHECK(ref[1]["ratings"] == 210);
    CHECK(ref[1]["truth_histogram"].is_null());
  }
}

TEST_CASE("fold summaries render as text, Markdown and JSON", "[eval][table][render]") {
  const Dataset d = small_dataset();
  const EvaluationProtocol p = small_protocol(d);
  const std::vector<PredictionSet> sets = {manual_set("A", {5, 2, 3, 3})};
  const std::vector<EvaluationTable> folds = {make_evaluation_table(p, sets),
                                              make_evaluation_table(p, sets)};
  const FoldSummaryTable summary = summarize_folds(folds, "twice");
  const std::string text = render_text(summary);
  CHECK(text.find("== Evaluation: twice ==") != std::string::npos);
  CHECK(text.find("0.5000 ± 0.0000") != std::string::npos);
  CHECK(text.find("RMSE small") != std::string::npos);
  CHECK(render_markdown(summary).find("| A | 2 | 8 | 0 | 0.5000 ± 0.0000 |") != std::string::npos);
  const auto json = nlohmann::json::parse(render_json(summary));
  CHECK(json["folds"].size() == 2);
  CHECK(json["subsets"][0]["rows"][0]["rmse_mean"].get<double>() == Approx(0.5));
  CHECK(json["subsets"][0]["rows"][0]["fold_rmse"].size() == 2);
}
