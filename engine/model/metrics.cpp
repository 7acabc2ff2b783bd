#include "engine/model/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

namespace lusifer {
namespace {

void require_pairs(std::span<const double> a, std::span<const double> b, const char* metric) {
  if (a.size() != b.size()) {
    throw std::invalid_argument(
        fmt::format("{}: {} predictions for {} true ratings", metric, a.size(), b.size()));
  }
  if (a.empty())
    throw std::invalid_argument(fmt::format("{}: no ratings", metric));
}

}  // namespace

double rmse(std::span<const double> predicted, std::span<const double> actual) {
  require_pairs(predicted, actual, "rmse");
  double sum = 0;
  for (std::size_t k = 0; k < predicted.size(); ++k) {
    const double d = actual[k] - predicted[k];
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<double>(predicted.size()));
}

double mae(std::span<const double> predicted, std::span<const double> actual) {
  require_pairs(predicted, actual, "mae");
  double sum = 0;
  for (std::size_t k = 0; k < predicted.size(); ++k)
    sum += std::abs(actual[k] - predicted[k]);
  return sum / static_cast<double>(predicted.size());
}

double pearson(std::span<const double> x, std::span<const double> y) {
  require_pairs(x, y, "pearson");
  const double n = static_cast<double>(x.size());
  const double mean_x = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double mean_y = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double dx = x[k] - mean_x;
    const double dy = y[k] - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0))
    return std::numeric_limits<double>::quiet_NaN();
  // Rounding can push |r| a hair past 1.
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  std::size_t start = 0;
  while (start < order.size()) {
    std::size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]])
      ++end;
    // Positions start..end-1 hold ranks start+1..end; ties share their mean.
    const double rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (std::size_t k = start; k < end; ++k)
      ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

double spearman(std::span<const double> x, std::span<const double> y) {
  require_pairs(x, y, "spearman");
  const auto rx = average_ranks(x);
  const auto ry = average_ranks(y);
  return pearson(rx, ry);
}

std::size_t RatingHistogram::total() const noexcept {
  return std::accumulate(counts.begin(), counts.end(), std::size_t{0});
}

double RatingHistogram::share(int level) const {
  const std::size_t n = total();
  return n == 0 ? 0.0
                : static_cast<double>(counts.at(static_cast<std::size_t>(level))) /
                      static_cast<double>(n);
}

RatingHistogram rating_histogram(std::span<const double> values, const RatingScale& scale) {
  RatingHistogram h;
  h.scale = scale;
  const int levels = scale.level_count();
  h.counts.assign(static_cast<std::size_t>(levels), 0);
  for (const double v : values) {
    if (!std::isfinite(v)) {
      ++h.non_finite;
      continue;
    }
    const double level = std::floor((v - scale.min) / scale.step + 0.5);
    const double clamped = std::clamp(level, 0.0, static_cast<double>(levels - 1));
    ++h.counts[static_cast<std::size_t>(clamped)];
  }
  return h;
}

Evaluation evaluate(const RatingModel& model, const Dataset& dataset,
                    std::span<const RatingIndex> test, const EvaluateOptions& options) {
  if (test.empty())
    throw std::invalid_argument("evaluate: no test ratings");
  const RatingTable& ratings = dataset.ratings();
  Evaluation result;
  result.model = std::string(model.name());
  result.count = test.size();
  result.predicted.reserve(test.size());
  result.actual.reserve(test.size());
  for (const RatingIndex r : test) {
    if (r >= ratings.size()) {
      throw std::out_of_range(
          fmt::format("evaluate: rating index {} is not a rating of the dataset ({} ratings)", r,
                      ratings.size()));
    }
    double prediction = model.predict(ratings.user(r), ratings.item(r));
    if (options.round_to_scale)
      prediction = round_to_scale(prediction, dataset.scale());
    result.predicted.push_back(prediction);
    result.actual.push_back(ratings.value(r));
  }
  result.rmse = rmse(result.predicted, result.actual);
  result.mae = mae(result.predicted, result.actual);
  result.pearson = pearson(result.predicted, result.actual);
  result.spearman = spearman(result.predicted, result.actual);
  return result;
}

}  // namespace lusifer
