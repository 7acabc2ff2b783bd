#pragma once

// Messages to the run-store writer: rows, in batches, and the flush that
// marks a step boundary.

#include <optional>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "engine/store/run_store.hpp"

namespace lusifer {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UserRow& x) {
  return f(caf::meta::type_name("user_row"), x.user_id, x.demographics, x.profile_status,
           x.failure_reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProfileVersionRow& x) {
  return f(caf::meta::type_name("profile_version_row"), x.user_id, x.version, x.text, x.change,
           x.source, x.batch, x.episode, x.step);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FeedbackRow& x) {
  // CAF 0.17 cannot serialise std::optional: it travels as a flag and a value.
  bool calibrated = x.calibrated_rating.has_value();
  double calibrated_value = x.calibrated_rating.value_or(0.0);
  bool rewarded = x.reward.has_value();
  double reward_value = x.reward.value_or(0.0);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.calibrated_rating = calibrated ? std::optional<double>(calibrated_value) : std::nullopt;
    x.reward = rewarded ? std::optional<double>(reward_value) : std::nullopt;
    return caf::none;
  });
  return f(caf::meta::type_name("feedback_row"), x.agent, x.episode, x.step, x.user_id, x.item_id,
           x.position, x.raw_rating, calibrated, calibrated_value, x.explanation, x.profile_version,
           rewarded, reward_value, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EpisodeRow& x) {
  return f(caf::meta::type_name("episode_row"), x.agent, x.episode, x.user_id, x.steps,
           x.total_reward, x.outcome, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StepMetricsRow& x) {
  return f(caf::meta::type_name("step_metrics_row"), x.agent, x.episode, x.step, x.users,
           x.mean_reward, x.mean_rating, x.rated, x.late, x.failed, x.left, x.seconds);
}

// (CheckpointRecord) -> void: committed with every row received before it,
// in one transaction; answered once durable. The marks are the store's.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointRecord& x) {
  return f(caf::meta::type_name("checkpoint_record"), x.agent_index, x.agent, x.episode, x.step,
           x.coordinator, x.agent_state, x.users);
}

// Rows written together, in one message: one user's or one step's output.
struct StoreBatch {
  std::vector<UserRow> users;
  std::vector<ProfileVersionRow> versions;
  std::vector<FeedbackRow> feedback;
  std::vector<EpisodeRow> episodes;
  std::vector<StepMetricsRow> steps;

  bool empty() const noexcept {
    return users.empty() && versions.empty() && feedback.empty() && episodes.empty() &&
           steps.empty();
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StoreBatch& x) {
  return f(caf::meta::type_name("store_batch"), x.users, x.versions, x.feedback, x.episodes,
           x.steps);
}

}  // namespace lusifer
