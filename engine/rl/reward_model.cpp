#include "engine/rl/reward_model.hpp"

#include <cmath>

#include "engine/core/random.hpp"

namespace lusifer {

std::string_view reward_kind_name(RewardKind kind) noexcept {
  switch (kind) {
    case RewardKind::kRating:
      return "rating";
    case RewardKind::kNormalizedRating:
      return "normalized-rating";
    case RewardKind::kClick:
      return "click";
  }
  return "unknown";
}

RewardSettings read_reward_settings(ConfigSection s) {
  RewardSettings r;
  r.kind = s.get_enum("kind", RewardKind::kRating,
                      {{"rating", RewardKind::kRating},
                       {"normalized-rating", RewardKind::kNormalizedRating},
                       {"click", RewardKind::kClick}});
  r.repeat_penalty = s.get_double("repeat_penalty", 0.0, 0.0, 1e6);
  r.seen_penalty = s.get_double("seen_penalty", 0.0, 0.0, 1e6);
  r.click_midpoint = s.get_double("click_midpoint", 0.6, 0.0, 1.0);
  r.click_slope = s.get_double("click_slope", 10.0, 0.0, 1e3);
  return r;
}

double click_reward(const RewardSettings& settings, const RatingScale& scale, float rating,
                    const RewardContext& context) {
  const double x = normalized_rating(scale, rating) - settings.click_midpoint;
  const double p = 1.0 / (1.0 + std::exp(-settings.click_slope * x));
  std::uint64_t stream = derive_seed(context.seed, context.user);
  stream = derive_seed(stream, context.episode);
  stream = derive_seed(stream, context.step);
  Rng rng(derive_seed(stream, context.position));
  return rng.bernoulli(p) ? 1.0 : 0.0;
}

}  // namespace lusifer
