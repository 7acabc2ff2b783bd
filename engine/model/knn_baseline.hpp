#pragma once

// k-NN with baseline, Surprise's `KNNBaseline` (Koren 2010, section 2.2,
// formula 3), with its defaults.
//
// User-based (item-based swaps the roles):
//   r^_ui = b_ui + sum_{v in N} sim(u, v) (r_vi - b_vi) / sum_{v in N} sim(u, v)
// where b are the baseline estimates (see baseline.hpp) and N is chosen as
// Surprise does: take the k raters of i with the largest similarity to u
// (ties go to the one rated first in training order), then keep only those
// with sim > 0. If fewer than min_k remain, or their similarities sum to 0,
// the prediction is the baseline b_ui. An unknown user or item gets the
// baseline with the known biases only.
//
// Defaults are Surprise's: k = 40, min_k = 1, sim_options = {} (MSD,
// user-based), ALS baselines. The published ML-100K figure (RMSE 0.931) is
// for these defaults; Surprise's docs recommend pearson_baseline, which is
// available through `similarity`.
//
// Fit cost is the similarity matrix (see similarity.hpp for time and the
// memory limit); a prediction costs O(raters of the item) (user-based).

#include <string_view>

#include "engine/model/baseline.hpp"
#include "engine/model/rating_model.hpp"
#include "engine/model/similarity.hpp"

namespace lusifer {

struct KnnBaselineOptions {
  int k = 40;
  int min_k = 1;
  SimilarityOptions similarity;
  BaselineOptions baseline;
};

class KnnBaseline final : public RatingModel {
 public:
  // Throws std::invalid_argument for a negative k or min_k.
  explicit KnnBaseline(KnnBaselineOptions options = {});

  std::string_view name() const noexcept override { return "KNNBaseline"; }
  const KnnBaselineOptions& options() const noexcept { return options_; }
  const Baselines& baselines() const noexcept { return baselines_; }
  const SimilarityMatrix& similarities() const noexcept { return similarities_; }

  // The neighbours of a prediction: those among the k most similar with a
  // positive similarity, as dataset indices of users (user-based) or items,
  // most similar first. The prediction uses them when there are at least
  // min_k. Empty when the user or the item is unknown.
  struct Neighbour {
    std::uint32_t entity;
    double similarity;
  };
  std::vector<Neighbour> neighbours(UserIndex user, ItemIndex item) const;

 private:
  struct Candidate {
    double similarity;
    std::uint32_t position;  // in the y's rating list: the tie-break
    std::uint32_t entity;
    float rating;
  };

  void fit_model(const TrainingSet& train) override;
  double estimate_rating(UserIndex user, ItemIndex item) const override;
  double baseline(UserIndex user, ItemIndex item) const;
  // The k best candidates, most similar first (ties by position).
  std::vector<Candidate> nearest(UserIndex user, ItemIndex item) const;

  KnnBaselineOptions options_;
  TrainingSet train_;
  Baselines baselines_;
  SimilarityMatrix similarities_;
};

}  // namespace lusifer
