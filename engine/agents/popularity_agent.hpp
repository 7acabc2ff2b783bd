#pragma once

// Recommends the most popular items the user has not seen.
//
// Popularity is the number of positive ratings an item has: ratings of at
// least `positive_rating` in the training data, plus those observed in
// feedback since (the agent learns from ratings, not rewards). Ties go to
// the item with more ratings of any value, then to the lower index. The
// ranking is recomputed after each `learn` call, on the calling thread
// (a sort of the catalogue).
//
// State: two 64-bit counters and a rank entry per item, shared by all
// users, plus the seen sets. Contract, errors and thread-safety: agent.hpp.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/agents/agent.hpp"

namespace lusifer {

struct PopularityOptions {
  // A rating at or above this is positive. Unset: the lowest level of the
  // dataset's scale at or above three quarters of its range (4 on 1..5 and
  // on 0.5..5).
  std::optional<double> positive_rating;
};

class PopularityAgent final : public Agent {
 public:
  PopularityAgent(const Dataset& dataset, std::span<const RatingIndex> train,
                  AgentOptions options = {}, PopularityOptions popularity = {});

  std::string_view name() const noexcept override { return "popularity"; }

  double positive_rating() const noexcept { return positive_rating_; }
  // Positive and total ratings of `item`, training and feedback together.
  std::uint64_t positive_count(ItemIndex item) const { return positives_.at(item); }
  std::uint64_t rating_count(ItemIndex item) const { return ratings_.at(item); }
  // Every item, most popular first.
  std::span<const ItemIndex> ranking() const noexcept { return ranking_; }

 private:
  void act_batch(std::span<const Observation> observations, SlateSize k,
                 std::span<ItemIndex> slates) const override;
  void learn_shared(FeedbackView feedback) override;
  std::size_t state_bytes() const noexcept override;
  void save_state(CheckpointWriter& out) const override;
  std::function<void()> load_state(CheckpointReader& in) override;
  void rank();

  double positive_rating_ = 0.0;
  std::vector<std::uint64_t> positives_;
  std::vector<std::uint64_t> ratings_;
  std::vector<ItemIndex> ranking_;
};

// The default positive threshold of a scale (see PopularityOptions).
double default_positive_rating(const RatingScale& scale) noexcept;

}  // namespace lusifer
