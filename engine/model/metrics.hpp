#pragma once

// Rating-prediction metrics over paired vectors (predicted, actual), and an
// `evaluate` helper that runs a model over test ratings.
//
// RMSE and MAE are Surprise's (`accuracy.rmse`, `accuracy.mae`); Pearson is
// the sample correlation coefficient; Spearman is the Pearson correlation of
// the ranks, ties sharing their average rank (scipy.stats.spearmanr).
//
// Errors: std::invalid_argument when the two spans differ in length or are
// empty. A correlation is NaN when it is undefined (one side constant, or
// fewer than two pairs), as numpy and scipy report it. Pure functions; safe
// from any thread.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/model/rating_model.hpp"

namespace lusifer {

double rmse(std::span<const double> predicted, std::span<const double> actual);
double mae(std::span<const double> predicted, std::span<const double> actual);
double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);

// 1-based ranks in ascending order; tied values share the mean of their ranks.
std::vector<double> average_ranks(std::span<const double> values);

// The nearest level of `scale` (halves round up), clamped into [min, max].
// NaN stays NaN. Inline: the offline model rounds every rating it makes. A
// non-negative x below 2^52 is floored by truncation, which is the same
// value without the library call that was most of the cost.
inline double round_to_scale(double value, const RatingScale& scale) {
  if (std::isnan(value))
    return value;
  if (value <= scale.min)
    return scale.min;
  if (value >= scale.max)
    return scale.max;
  const double x = (value - scale.min) / scale.step + 0.5;
  const double level = x >= 0 && x < 4503599627370496.0
                           ? static_cast<double>(static_cast<std::int64_t>(x))
                           : std::floor(x);
  return std::min(static_cast<double>(scale.max), scale.min + level * scale.step);
}

// How many values fall on each level of a rating scale, each value counted at
// its nearest level (values beyond the ends count at the ends).
struct RatingHistogram {
  RatingScale scale;
  std::vector<std::size_t> counts;  // counts[level], level 0 = scale.min
  std::size_t non_finite = 0;       // NaN or infinite values, not in counts

  std::size_t total() const noexcept;
  // counts[level] / total(); 0 when there is nothing counted.
  double share(int level) const;
};

RatingHistogram rating_histogram(std::span<const double> values, const RatingScale& scale);

struct EvaluateOptions {
  // Round every prediction to the nearest level of the scale before scoring
  // (as an LLM answering on the scale would); off by default.
  bool round_to_scale = false;
};

struct Evaluation {
  std::string model;
  std::size_t count = 0;
  double rmse = 0;
  double mae = 0;
  double pearson = 0;
  double spearman = 0;
  // Per test rating, in the order given: the model's (clipped, maybe rounded)
  // prediction and the true rating.
  std::vector<double> predicted;
  std::vector<double> actual;
};

// Predicts every test rating with `model` (fitted on the same dataset).
// Throws std::invalid_argument for an empty test list, std::out_of_range for
// an index that is not a rating of `dataset`, and std::logic_error for an
// unfitted model.
Evaluation evaluate(const RatingModel& model, const Dataset& dataset,
                    std::span<const RatingIndex> test, const EvaluateOptions& options = {});

}  // namespace lusifer
