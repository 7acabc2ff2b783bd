// The evaluation protocols on the real MovieLens 100K (skips without
// LUSIFER_DATA_DIR): Lusifer's test set and cold-start subset, the user-mean
// floor, the acceptance criterion (the offline model beats the user mean of
// the last 40 ratings), and the full tables, printed for the report.

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/item_text_loader.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/evaluation_run.hpp"
#include "engine/eval/evaluation_table.hpp"
#include "engine/eval/item_id_list.hpp"
#include "engine/eval/table_rendering.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

struct Ml100k {
  Dataset dataset;
  bool with_text = false;
  std::optional<ItemIdList> authors_movies;
};

const Ml100k& ml100k(const std::filesystem::path& dir) {
  static const Ml100k data = [&] {
    Ml100k m;
    InputDiagnostics strict;
    m.dataset = load_dataset(dir, strict);
    // The offline model's content terms read item texts where there are some.
    if (const auto text = testing::shared_data("overviews/derived/ml100k_item_text.csv")) {
      ItemTextSource source;
      source.file = *text;
      join_item_text(m.dataset, source, strict);
      m.with_text = true;
    }
    if (const auto table = testing::shared_data("overviews/lusifer/movies_structured_100K.csv"))
      m.authors_movies = read_item_id_list(*table);
    return m;
  }();
  return data;
}

const MetricRow& row_named(const SubsetTable& subset, const std::string& method) {
  const auto it = std::find_if(subset.rows.begin(), subset.rows.end(),
                               [&](const MetricRow& r) { return r.method == method; });
  REQUIRE(it != subset.rows.end());
  return *it;
}

}  // namespace

TEST_CASE("ML-100K: Lusifer's rules give the authors' test set", "[eval][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  const Ml100k& m = ml100k(dir);
  InputDiagnostics strict;

  // The rules as stated: 4,303 ratings from 459 users.
  const EvaluationProtocol stated = lusifer_protocol(m.dataset, dir, std::nullopt, strict);
  CHECK(stated.counts.train_before == 80000);
  CHECK(stated.counts.train == 31619);  // the authors' "39.52% of the training set"
  CHECK(stated.counts.train_users == 943);
  CHECK(stated.counts.test_rows == 20000);
  CHECK(stated.counts.unknown_user == 0);
  CHECK(stated.counts.train_pair == 0);
  CHECK(stated.counts.unknown_user + stated.counts.unknown_item == 127);  // 19,873 remain
  CHECK(stated.test.size() == 4303);
  CHECK(stated.counts.test_users == 459);

  if (!m.authors_movies) {
    WARN("overviews/lusifer/movies_structured_100K.csv absent: the 4,292 set is not checked");
    return;
  }
  // With the authors' movie table (the 1,591 movies with a TMDB overview):
  // 4,292 ratings from 459 users, cold start 21 users / 210 ratings.
  const EvaluationProtocol p = lusifer_protocol(m.dataset, dir, m.authors_movies, strict);
  CHECK(m.authors_movies->ids.size() == 1591);
  CHECK(p.counts.item_list_unknown_ids == 0);
  CHECK(p.test.size() == 4292);
  CHECK(p.counts.test_users == 459);
  CHECK(p.train == stated.train);
  REQUIRE(p.subsets.size() == 2);
  CHECK(p.subsets[1].positions.size() == 210);
  CHECK(p.subsets[1].users == 21);
  // The first rows, as in the authors' released outputs: user 1's movie 6
  // (no overview) is skipped, so user 1 starts at movie 10.
  const auto ids = [&](const TestRating& t) {
    return std::pair{m.dataset.user(t.user).id, m.dataset.catalog().item(t.item).id};
  };
  CHECK(ids(p.test[0]) == std::pair<ExternalId, ExternalId>{1, 10});
  CHECK(ids(p.test[1]) == std::pair<ExternalId, ExternalId>{1, 12});
  CHECK(ids(p.test.back()).first == 462);

  // The authors broke timestamp ties in u1.base's order; the dataset's order
  // picks another rating for some users at the 40th place. Same test set.
  const EvaluationProtocol split_ties =
      lusifer_protocol(m.dataset, dir, m.authors_movies, strict, TieOrder::kSplitList);
  CHECK(split_ties.train.size() == 31619);
  std::vector<RatingIndex> a = p.train, b = split_ties.train, only;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only));
  CHECK(only.size() == 372);
  CHECK(split_ties.test.size() == 4292);
  std::printf(
      "Lusifer protocol: train %zu ratings; test %zu/%zu users (stated rules), %zu/%zu (authors' "
      "movies); cold start %zu/%zu users; tie orders differ on %zu training ratings\n",
      p.train.size(), stated.test.size(), stated.counts.test_users, p.test.size(),
      p.counts.test_users, p.subsets[1].positions.size(), p.subsets[1].users, only.size());
}

TEST_CASE("ML-100K: the Lusifer table, and the offline model beats the user mean",
          "[eval][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  const Ml100k& m = ml100k(dir);
  InputDiagnostics strict;
  const EvaluationProtocol p = lusifer_protocol(m.dataset, dir, m.authors_movies, strict);
  const EvaluationTable table = evaluate_protocol(m.dataset, p, EvaluationRunOptions{});
  std::printf("%s\n(item text %s)\n\n", render_text(table).c_str(),
              m.with_text ? "joined" : "absent");

  const SubsetTable& all = table.subsets[0];
  REQUIRE(all.rows.size() == 9);  // seven baselines, offline raw and calibrated
  for (const MetricRow& row : all.rows) {
    CHECK(row.n == p.test.size());
    CHECK(row.missing == 0);
  }
  const MetricRow& user_mean = row_named(all, "user mean");
  const MetricRow& global_mean = row_named(all, "global mean");
  const MetricRow& offline = row_named(all, "offline model (not an LLM), raw");
  // The floor the paper did not report: about 1.075 (the notes' 1.0746 on the
  // 4,292 set; ties at the 40th rating move it in the fourth decimal).
  CHECK(user_mean.rmse == Approx(1.075).margin(0.01));
  CHECK(user_mean.rmse < global_mean.rmse);
  // The acceptance criterion.
  CHECK(offline.rmse < user_mean.rmse);
  CHECK(offline.mae < user_mean.mae);
  CHECK(offline.pearson > user_mean.pearson);
  // The truth histogram the notes give for the authors' set.
  if (m.authors_movies)
    CHECK(all.truth_histogram == std::vector<std::size_t>{185, 422, 971, 1570, 1144});

  // Calibration moves the offline model's rating histogram toward the truth.
  const MetricRow& calibrated = row_named(all, "offline model (not an LLM), calibrated");
  double raw_gap = 0, calibrated_gap = 0;
  for (std::size_t l = 0; l < 5; ++l) {
    const double truth = static_cast<double>(all.truth_histogram[l]);
    raw_gap += std::abs(static_cast<double>(offline.histogram[l]) - truth);
    calibrated_gap += std::abs(static_cast<double>(calibrated.histogram[l]) - truth);
  }
  CHECK(calibrated_gap < raw_gap);

  // Rounding every method, as the authors rounded their baselines.
  EvaluationRunOptions rounded;
  rounded.table.round_predictions = true;
  const EvaluationTable r = evaluate_protocol(m.dataset, p, rounded);
  std::printf("%s\n", render_markdown(r).c_str());
  const MetricRow& user_mean_rounded = row_named(r.subsets[0], "user mean");
  CHECK(user_mean_rounded.rmse > user_mean.rmse);  // rounding costs a predictor accuracy
  CHECK(user_mean_rounded.rmse == Approx(1.117).margin(0.01));  // the notes' 1.1172
}

TEST_CASE("ML-100K: the 5-fold protocol on u1..u5", "[eval][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  const Ml100k& m = ml100k(dir);
  InputDiagnostics strict;
  const auto protocols = official_fold_protocols(m.dataset, dir, ProtocolOptions{}, strict);
  REQUIRE(protocols.size() == 5);
  std::vector<EvaluationTable> tables;
  for (const EvaluationProtocol& p : protocols) {
    CHECK(p.train.size() == 80000);
    CHECK(p.test.size() == 20000);  // every test rating is scored
    tables.push_back(evaluate_protocol(m.dataset, p, EvaluationRunOptions{}));
  }
  const FoldSummaryTable summary = summarize_folds(tables, "ml-100k 5-fold (u1..u5)");
  std::printf("%s\n", render_text(summary).c_str());
  const FoldSummarySubset& all = summary.subsets[0];
  CHECK(all.ratings == 100000);
  const auto mean_rmse = [&](const std::string& method) {
    const auto it = std::find_if(all.rows.begin(), all.rows.end(),
                                 [&](const FoldSummaryRow& r) { return r.method == method; });
    REQUIRE(it != all.rows.end());
    CHECK(it->folds == 5);
    return it->rmse_mean;
  };
  // Surprise's published 5-fold figures on ML-100K, within 0.01.
  CHECK(mean_rmse("BaselineOnly") == Approx(0.944).margin(0.01));
  CHECK(mean_rmse("SVD") == Approx(0.934).margin(0.01));
  CHECK(mean_rmse("KNNBaseline") == Approx(0.931).margin(0.01));
  CHECK(mean_rmse("SVD++") == Approx(0.919).margin(0.01));
  CHECK(mean_rmse("offline model (not an LLM), raw") < mean_rmse("user mean"));
}
