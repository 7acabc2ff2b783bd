#pragma once

// The metric table of an evaluation: for each user subset of a protocol (all
// users, cold start), one row per method with n, RMSE, MAE, Pearson,
// Spearman and the histogram of its predictions over the scale's levels,
// beside the histogram of the true ratings. And the summary of several folds
// (mean and standard deviation per method).
//
// Rounding policy: predictions are scored as given, unrounded, unless
// `round_predictions` is set, in which case EVERY row (baselines, the offline
// model, simulators raw and calibrated) is rounded to the nearest level of the
// scale first. Rounding some rows and not others is what made the paper's
// baselines look weaker; the option exists to reproduce that handicap
// knowingly, on everyone.
//
// Missing predictions (NaN) are left out of a row's metrics and counted in
// `missing`; a row with none left has NaN metrics. Histograms count each
// prediction at its nearest level (the ends take what lies beyond).
// Correlations are NaN when undefined (a constant predictor).
//
// Errors: std::invalid_argument when a prediction set is not aligned with
// the protocol's test (another length). Pure functions; safe from any thread.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/prediction_set.hpp"

namespace lusifer {

struct TableOptions {
  bool round_predictions = false;
};

struct MetricRow {
  std::string method;
  std::string detail;
  MethodKind kind = MethodKind::kBaseline;
  std::size_t n = 0;        // predictions scored
  std::size_t missing = 0;  // test ratings of the subset without a prediction
  double rmse = 0;
  double mae = 0;
  double pearson = 0;
  double spearman = 0;
  std::vector<std::size_t> histogram;  // predictions per level of the scale
};

struct SubsetTable {
  std::string name;
  std::string description;
  std::size_t users = 0;
  std::size_t ratings = 0;
  std::vector<std::size_t> truth_histogram;  // true ratings per level
  std::vector<MetricRow> rows;
};

struct EvaluationTable {
  std::string protocol;
  std::string description;
  ProtocolKind kind = ProtocolKind::kCustom;
  RatingScale scale;
  std::size_t train_ratings = 0;
  bool rounded = false;
  std::vector<SubsetTable> subsets;  // in the protocol's subset order
};

EvaluationTable make_evaluation_table(const EvaluationProtocol& protocol,
                                      std::span<const PredictionSet> sets,
                                      const TableOptions& options = {});

// A method over several folds. Means and standard deviations (sample, n - 1;
// 0 for one fold) are over the folds where the method has a finite value;
// `n` is the total of predictions scored.
struct FoldSummaryRow {
  std::string method;
  std::string detail;
  MethodKind kind = MethodKind::kBaseline;
  std::size_t folds = 0;
  std::size_t n = 0;
  std::size_t missing = 0;
  double rmse_mean = 0, rmse_sd = 0;
  double mae_mean = 0, mae_sd = 0;
  double pearson_mean = 0, pearson_sd = 0;
  double spearman_mean = 0, spearman_sd = 0;
  std::vector<double> fold_rmse;  // per fold, in fold order; NaN where absent
};

struct FoldSummarySubset {
  std::string name;
  std::string description;
  std::size_t ratings = 0;  // over all folds
  std::vector<FoldSummaryRow> rows;
};

struct FoldSummaryTable {
  std::string name;
  std::vector<std::string> folds;  // the folds' protocol names
  bool rounded = false;
  std::vector<FoldSummarySubset> subsets;
};

// Rows are matched by method label and subsets by name across folds, in the
// order they first appear. Throws std::invalid_argument for no fold, or folds
// that differ in their rounding.
FoldSummaryTable summarize_folds(std::span<const EvaluationTable> folds, std::string name);

}  // namespace lusifer
