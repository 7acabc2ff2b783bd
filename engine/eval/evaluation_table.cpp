#include "engine/eval/evaluation_table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/model/metrics.hpp"

namespace lusifer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

MetricRow score_row(const EvaluationProtocol& protocol, const UserSubset& subset,
                    const PredictionSet& set, bool round) {
  MetricRow row;
  row.method = set.method;
  row.detail = set.detail;
  row.kind = set.kind;
  std::vector<double> predicted, actual;
  predicted.reserve(subset.positions.size());
  actual.reserve(subset.positions.size());
  for (const std::uint32_t k : subset.positions) {
    double p = set.predicted[k];
    if (std::isnan(p)) {
      ++row.missing;
      continue;
    }
    if (round)
      p = round_to_scale(p, protocol.scale);
    predicted.push_back(p);
    actual.push_back(protocol.test[k].value);
  }
  row.n = predicted.size();
  if (row.n == 0) {
    row.rmse = row.mae = row.pearson = row.spearman = kNaN;
  } else {
    row.rmse = rmse(predicted, actual);
    row.mae = mae(predicted, actual);
    // A constant predictor has no correlation. metrics.cpp's pearson can
    // return +-0 for one, from rounding noise in the mean of equal values.
    const auto [low, high] = std::minmax_element(predicted.begin(), predicted.end());
    const bool constant = *low == *high;
    row.pearson = constant ? kNaN : pearson(predicted, actual);
    row.spearman = constant ? kNaN : spearman(predicted, actual);
  }
  row.histogram = rating_histogram(predicted, protocol.scale).counts;
  return row;
}

struct Moments {
  double mean = kNaN;
  double sd = kNaN;
};

Moments moments(const std::vector<double>& values) {
  std::vector<double> finite;
  for (const double v : values) {
    if (std::isfinite(v))
      finite.push_back(v);
  }
  Moments m;
  if (finite.empty())
    return m;
  double sum = 0;
  for (const double v : finite)
    sum += v;
  m.mean = sum / static_cast<double>(finite.size());
  if (finite.size() == 1) {
    m.sd = 0;
    return m;
  }
  double squares = 0;
  for (const double v : finite)
    squares += (v - m.mean) * (v - m.mean);
  m.sd = std::sqrt(squares / static_cast<double>(finite.size() - 1));
  return m;
}

}  // namespace

EvaluationTable make_evaluation_table(const EvaluationProtocol& protocol,
                                      std::span<const PredictionSet> sets,
                                      const TableOptions& options) {
  for (const PredictionSet& set : sets) {
    if (set.predicted.size() != protocol.test.size()) {
      throw std::invalid_argument(
          fmt::format("evaluation table: {} has {} predictions for the {} test ratings of {}",
                      set.method, set.predicted.size(), protocol.test.size(), protocol.name));
    }
  }
  EvaluationTable table;
  table.protocol = protocol.name;
  table.description = protocol.description;
  table.kind = protocol.kind;
  table.scale = protocol.scale;
  table.train_ratings = protocol.train.size();
  table.rounded = options.round_predictions;
  for (const UserSubset& subset : protocol.subsets) {
    SubsetTable out;
    out.name = subset.name;
    out.description = subset.description;
    out.users = subset.users;
    out.ratings = subset.positions.size();
    std::vector<double> truth;
    truth.reserve(subset.positions.size());
    for (const std::uint32_t k : subset.positions)
      truth.push_back(protocol.test[k].value);
    out.truth_histogram = rating_histogram(truth, protocol.scale).counts;
    for (const PredictionSet& set : sets)
      out.rows.push_back(score_row(protocol, subset, set, options.round_predictions));
    table.subsets.push_back(std::move(out));
  }
  return table;
}

FoldSummaryTable summarize_folds(std::span<const EvaluationTable> folds, std::string name) {
  if (folds.empty())
    throw std::invalid_argument("summarize_folds: no fold to summarize");
  FoldSummaryTable summary;
  summary.name = std::move(name);
  summary.rounded = folds.front().rounded;
  for (const EvaluationTable& fold : folds) {
    if (fold.rounded != summary.rounded)
      throw std::invalid_argument("summarize_folds: some folds are rounded and others are not");
    summary.folds.push_back(fold.protocol);
  }

  // Per subset and method: the values of every fold (NaN where absent).
  struct Values {
    std::vector<double> rmse, mae, pearson, spearman;
  };
  std::vector<std::vector<Values>> values;
  for (std::size_t f = 0; f < folds.size(); ++f) {
    for (const SubsetTable& subset : folds[f].subsets) {
      auto s = std::find_if(summary.subsets.begin(), summary.subsets.end(),
                            [&](const FoldSummarySubset& x) { return x.name == subset.name; });
      if (s == summary.subsets.end()) {
        summary.subsets.push_back({subset.name, subset.description, 0, {}});
        values.emplace_back();
        s = summary.subsets.end() - 1;
      }
      const std::size_t si = static_cast<std::size_t>(s - summary.subsets.begin());
      s->ratings += subset.ratings;
      for (const MetricRow& row : subset.rows) {
        auto r = std::find_if(s->rows.begin(), s->rows.end(),
                              [&](const FoldSummaryRow& x) { return x.method == row.method; });
        if (r == s->rows.end()) {
          FoldSummaryRow fresh;
          fresh.method = row.method;
          fresh.detail = row.detail;
          fresh.kind = row.kind;
          fresh.fold_rmse.assign(folds.size(), kNaN);
          s->rows.push_back(std::move(fresh));
          Values v;
          v.rmse.assign(folds.size(), kNaN);
          v.mae = v.pearson = v.spearman = v.rmse;
          values[si].push_back(std::move(v));
          r = s->rows.end() - 1;
        }
        const std::size_t ri = static_cast<std::size_t>(r - s->rows.begin());
        ++r->folds;
        r->n += row.n;
        r->missing += row.missing;
        r->fold_rmse[f] = row.rmse;
        values[si][ri].rmse[f] = row.rmse;
        values[si][ri].mae[f] = row.mae;
        values[si][ri].pearson[f] = row.pearson;
        values[si][ri].spearman[f] = row.spearman;
      }
    }
  }
  for (std::size_t si = 0; si < summary.subsets.size(); ++si) {
    for (std::size_t ri = 0; ri < summary.subsets[si].rows.size(); ++ri) {
      FoldSummaryRow& row = summary.subsets[si].rows[ri];
      const Values& v = values[si][ri];
      const Moments rmse_m = moments(v.rmse), mae_m = moments(v.mae);
      const Moments pearson_m = moments(v.pearson), spearman_m = moments(v.spearman);
      row.rmse_mean = rmse_m.mean;
      row.rmse_sd = rmse_m.sd;
      row.mae_mean = mae_m.mean;
      row.mae_sd = mae_m.sd;
      row.pearson_mean = pearson_m.mean;
      row.pearson_sd = pearson_m.sd;
      row.spearman_mean = spearman_m.mean;
      row.spearman_sd = spearman_m.sd;
    }
  }
  return summary;
}

}  // namespace lusifer
