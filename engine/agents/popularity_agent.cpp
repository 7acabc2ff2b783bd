#include "engine/agents/popularity_agent.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "engine/agents/slate_filling.hpp"

namespace lusifer {

double default_positive_rating(const RatingScale& scale) noexcept {
  const double target = scale.min + 0.75 * (scale.max - scale.min);
  if (scale.step <= 0)
    return target;
  // A small tolerance, so that 4.0 computed as 3.9999999 stays 4.0.
  const double levels = std::ceil((target - scale.min) / scale.step - 1e-9);
  return std::min<double>(scale.max, scale.min + levels * scale.step);
}

PopularityAgent::PopularityAgent(const Dataset& dataset, std::span<const RatingIndex> train,
                                 AgentOptions options, PopularityOptions popularity)
    : Agent(dataset, train, options),
      positive_rating_(
          popularity.positive_rating.value_or(default_positive_rating(dataset.scale()))),
      positives_(dataset.catalog().size(), 0),
      ratings_(dataset.catalog().size(), 0) {
  if (!std::isfinite(positive_rating_))
    throw std::invalid_argument("popularity: positive_rating must be finite");
  const RatingTable& table = dataset.ratings();
  for (const RatingIndex r : train) {
    ++ratings_[table.item(r)];
    if (table.value(r) >= positive_rating_)
      ++positives_[table.item(r)];
  }
  rank();
}

void PopularityAgent::rank() {
  ranking_.resize(positives_.size());
  std::iota(ranking_.begin(), ranking_.end(), ItemIndex{0});
  std::sort(ranking_.begin(), ranking_.end(), [this](ItemIndex a, ItemIndex b) {
    if (positives_[a] != positives_[b])
      return positives_[a] > positives_[b];
    if (ratings_[a] != ratings_[b])
      return ratings_[a] > ratings_[b];
    return a < b;
  });
}

void PopularityAgent::act_batch(std::span<const Observation> observations, SlateSize k,
                                std::span<ItemIndex> slates) const {
  ItemMask excluded(item_count());
  ItemMask scratch(item_count());
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const std::span<ItemIndex> slate = slates.subspan(i * k, k);
    load_exclusions(observations[i], excluded);
    const std::size_t filled = fill_from_ranking(ranking_, excluded, slate, 0);
    complete_with_any(ranking_, scratch, slate, filled);
  }
}

void PopularityAgent::learn_shared(FeedbackView feedback) {
  for (const Feedback f : feedback) {
    for (std::size_t j = 0; j < f.slate.size(); ++j) {
      if (!has_rating(f.ratings[j]))
        continue;
      ++ratings_[f.slate[j]];
      if (f.ratings[j] >= positive_rating_)
        ++positives_[f.slate[j]];
    }
  }
  rank();
}

std::size_t PopularityAgent::state_bytes() const noexcept {
  return positives_.capacity() * sizeof(std::uint64_t) +
         ratings_.capacity() * sizeof(std::uint64_t) + ranking_.capacity() * sizeof(ItemIndex);
}

void PopularityAgent::save_state(CheckpointWriter& out) const {
  out.f64(positive_rating_);
  out.u64s(positives_);
  out.u64s(ratings_);
}

std::function<void()> PopularityAgent::load_state(CheckpointReader& in) {
  in.expect_f64(positive_rating_, "positive_rating");
  std::vector<std::uint64_t> positives(positives_.size());
  std::vector<std::uint64_t> ratings(ratings_.size());
  in.u64s(positives, "positive counts");
  in.u64s(ratings, "rating counts");
  return [this, positives = std::move(positives), ratings = std::move(ratings)]() mutable {
    positives_ = std::move(positives);
    ratings_ = std::move(ratings);
    rank();
  };
}

}  // namespace lusifer
