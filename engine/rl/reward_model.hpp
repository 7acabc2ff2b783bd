#pragma once

// What a simulated user's feedback on one recommended item is worth to the
// agent.
//
//   rating             the rating itself, on the dataset's scale;
//   normalized-rating  the rating mapped to [0, 1] (min -> 0, max -> 1);
//   click              1 when the user would click (watch) the item, else 0:
//                      a logistic click model on the normalised rating,
//                      P(click) = 1 / (1 + exp(-slope * (r - midpoint))),
//                      drawn from the (user, episode, step, position) stream so
//                      the same run clicks the same way.
//
// Recommending an item the user already got in this episode, or one from the
// user's history, costs a configurable penalty (boredom is modelled
// separately, by the satisfaction model).

#include <cstdint>
#include <string_view>

#include "engine/config/config_file.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

enum class RewardKind { kRating, kNormalizedRating, kClick };

std::string_view reward_kind_name(RewardKind kind) noexcept;

struct RewardSettings {
  RewardKind kind = RewardKind::kRating;
  double repeat_penalty = 0.0;  // item already recommended to the user in this episode
  double seen_penalty = 0.0;    // item in the user's rating history
  double click_midpoint = 0.6;  // normalised rating of a 50% click chance
  double click_slope = 10.0;
};

// Reads [simulation.reward].
RewardSettings read_reward_settings(ConfigSection section);

struct RewardContext {
  std::uint64_t seed = 0;
  UserIndex user = 0;
  std::uint32_t episode = 0;
  std::uint32_t step = 0;
  std::uint32_t position = 0;
  bool repeated = false;
  bool seen = false;
};

// The rating mapped to [0, 1].
inline double normalized_rating(const RatingScale& scale, float rating) noexcept {
  const double span = static_cast<double>(scale.max) - static_cast<double>(scale.min);
  return span > 0 ? (static_cast<double>(rating) - scale.min) / span : 0.0;
}

// The click reward, before penalties (out of line: a random draw).
double click_reward(const RewardSettings& settings, const RatingScale& scale, float rating,
                    const RewardContext& context);

// `rating` must be on `scale`. Inline: the coordinator asks for every rated
// item, and a call for a few arithmetic instructions was a quarter of its
// per-item bookkeeping.
inline double reward_of(const RewardSettings& settings, const RatingScale& scale, float rating,
                        const RewardContext& context) {
  double reward = 0.0;
  switch (settings.kind) {
    case RewardKind::kRating:
      reward = rating;
      break;
    case RewardKind::kNormalizedRating:
      reward = normalized_rating(scale, rating);
      break;
    case RewardKind::kClick:
      reward = click_reward(settings, scale, rating, context);
      break;
  }
  if (context.repeated)
    reward -= settings.repeat_penalty;
  if (context.seen)
    reward -= settings.seen_penalty;
  return reward;
}

}  // namespace lusifer
