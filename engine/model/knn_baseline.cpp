#include "engine/model/knn_baseline.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer {

KnnBaseline::KnnBaseline(KnnBaselineOptions options) : options_(options) {
  if (options_.k < 0)
    throw std::invalid_argument("KNNBaseline: k must be >= 0");
  if (options_.min_k < 0)
    throw std::invalid_argument("KNNBaseline: min_k must be >= 0");
}

void KnnBaseline::fit_model(const TrainingSet& train) {
  train_ = train;
  baselines_ = compute_baselines(train, options_.baseline);
  similarities_ = SimilarityMatrix(train, options_.similarity, baselines_);
}

double KnnBaseline::baseline(UserIndex user, ItemIndex item) const {
  double est = global_mean();
  if (knows_user(user))
    est += baselines_.user[user];
  if (knows_item(item))
    est += baselines_.item[item];
  return est;
}

std::vector<KnnBaseline::Candidate> KnnBaseline::nearest(UserIndex user, ItemIndex item) const {
  const bool ub = options_.similarity.user_based;
  const std::uint32_t x = ub ? user : item;
  const std::uint32_t y = ub ? item : user;
  const auto sims = similarities_.row(*similarities_.row_of(x));
  const auto raters = ub ? train_.item_ratings(y) : train_.user_ratings(y);
  std::vector<Candidate> candidates;
  candidates.reserve(raters.size());
  for (std::uint32_t p = 0; p < raters.size(); ++p) {
    const auto& e = raters[p];
    candidates.push_back(Candidate{sims[*similarities_.row_of(e.other)], p, e.other, e.value});
  }
  const auto k = std::min(candidates.size(), static_cast<std::size_t>(options_.k));
  // Surprise takes heapq.nlargest: a stable descending sort, cut at k.
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                    candidates.end(), [](const Candidate& a, const Candidate& b) {
                      return a.similarity > b.similarity ||
                             (a.similarity == b.similarity && a.position < b.position);
                    });
  candidates.resize(k);
  return candidates;
}

double KnnBaseline::estimate_rating(UserIndex user, ItemIndex item) const {
  double est = baseline(user, item);
  if (!(knows_user(user) && knows_item(item)))
    return est;
  const bool ub = options_.similarity.user_based;
  const std::uint32_t y = ub ? item : user;
  const auto& bx = ub ? baselines_.user : baselines_.item;
  const double by = ub ? baselines_.item[y] : baselines_.user[y];

  double sum_sim = 0;
  double sum_ratings = 0;
  int actual_k = 0;
  for (const Candidate& c : nearest(user, item)) {
    if (c.similarity > 0) {
      sum_sim += c.similarity;
      const double neighbour_baseline = global_mean() + bx[c.entity] + by;
      sum_ratings += c.similarity * (c.rating - neighbour_baseline);
      ++actual_k;
    }
  }
  if (actual_k < options_.min_k)
    sum_ratings = 0;
  if (sum_sim != 0)
    est += sum_ratings / sum_sim;
  return est;
}

std::vector<KnnBaseline::Neighbour> KnnBaseline::neighbours(UserIndex user, ItemIndex item) const {
  if (!fitted())
    throw std::logic_error("KNNBaseline: neighbours before fit");
  std::vector<Neighbour> result;
  if (!(knows_user(user) && knows_item(item)))
    return result;
  for (const Candidate& c : nearest(user, item)) {
    if (c.similarity > 0)
      result.push_back(Neighbour{c.entity, c.similarity});
  }
  return result;
}

}  // namespace lusifer
