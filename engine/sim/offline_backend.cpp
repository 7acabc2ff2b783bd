#include "engine/sim/offline_backend.hpp"

#include <cmath>
#include <span>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"

namespace lusifer {
namespace {

std::vector<ItemIndex> outside_catalog(const OfflineUserModel& model,
                                       std::span<const ItemIndex> items) {
  std::vector<ItemIndex> bad;
  for (const ItemIndex i : items)
    if (i >= model.dataset().catalog().size())
      bad.push_back(i);
  return bad;
}

std::string list_indices(std::span<const ItemIndex> items) {
  std::string out;
  for (std::size_t k = 0; k < items.size(); ++k)
    out += fmt::format("{}{}", k > 0 ? ", " : "", items[k]);
  return out;
}

LlmTaskResult answer_with_state(const OfflineUserModel& model, const LlmTask& task,
                                OfflineUserState& state, OfflineDetail detail) {
  LlmTaskResult result;
  switch (task.kind) {
    case TaskKind::kCreateProfile:
    case TaskKind::kUpdateProfile: {
      // The usual batch is all valid: folded as it is, without a copy.
      std::vector<Interaction> valid;
      std::vector<ItemIndex> bad;
      std::span<const Interaction> batch = task.interactions;
      for (const Interaction& i : task.interactions)
        if (i.item >= model.dataset().catalog().size())
          bad.push_back(i.item);
      if (!bad.empty()) {
        for (const Interaction& i : task.interactions)
          if (i.item < model.dataset().catalog().size())
            valid.push_back(i);
        batch = valid;
      }
      if (task.kind == TaskKind::kCreateProfile)
        state = model.new_state(task.user);
      if (detail == OfflineDetail::kRatings) {
        model.fold_drift(state, batch);
      } else if (detail == OfflineDetail::kNoTexts) {
        // The caller keeps the state and no text: writing the profile and
        // the change sentence cost more than folding the batch in.
        model.fold_batch(state, batch);
      } else {
        std::string change = model.apply_batch(state, batch);
        result.profile = model.profile_text(state);
        if (task.kind == TaskKind::kUpdateProfile)
          result.change = std::move(change);
      }
      if (!bad.empty())
        result.problem = fmt::format(
            "The batch names item indices outside the catalog ({}); the profile ignores them.",
            list_indices(bad));
      break;
    }
    case TaskKind::kRateItems: {
      const auto bad = outside_catalog(model, task.candidates);
      // The usual slate is all valid: rate it as it is, without a copy.
      std::vector<ItemIndex> valid;
      std::span<const ItemIndex> rated = task.candidates;
      if (!bad.empty()) {
        for (const ItemIndex i : task.candidates)
          if (i < model.dataset().catalog().size())
            valid.push_back(i);
        rated = valid;
      }
      model.rate(state, rated, result.ratings, detail == OfflineDetail::kFull);
      if (!bad.empty()) {
        result.missing = bad;
        result.problem = fmt::format(
            "These candidates are item indices outside the catalog and cannot be rated: {}.",
            list_indices(bad));
      }
      break;
    }
  }
  return result;
}

}  // namespace

LlmTaskResult answer_offline_task(const OfflineUserModel& model, const LlmTask& task) {
  OfflineUserState state = model.new_state(task.user);
  if (task.kind != TaskKind::kCreateProfile) {
    if (auto parsed = model.parse_profile(task.user, task.profile))
      state = std::move(*parsed);
  }
  return answer_with_state(model, task, state, OfflineDetail::kFull);
}

LlmTaskResult answer_offline_task(const OfflineUserModel& model, const LlmTask& task,
                                  OfflineUserState& state, OfflineDetail detail) {
  if (state.user != task.user)
    state.residuals.clear();  // another user's (it would match no batch of this one's)
  state.user = task.user;
  return answer_with_state(model, task, state, detail);
}

std::string offline_answer_json(const OfflineUserModel& model, const LlmTask& task,
                                const LlmTaskResult& result) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  if (task.kind == TaskKind::kRateItems) {
    const Catalog& catalog = model.dataset().catalog();
    const bool integer_scale = std::floor(model.scale().step) == model.scale().step &&
                               std::floor(model.scale().min) == model.scale().min;
    // Candidates asked twice are answered once, as JSON keys must be unique.
    std::unordered_set<ItemIndex> written;
    for (const ItemRating& r : result.ratings) {
      if (!written.insert(r.item).second)
        continue;
      json.key(fmt::format("item_{}", catalog.item(r.item).id));
      json.begin_object();
      json.field("explanation", r.explanation);
      if (integer_scale)
        json.field("rating", static_cast<std::int64_t>(std::lround(r.rating)));
      else
        json.field("rating", static_cast<double>(r.rating));
      json.end_object();
    }
  } else {
    json.field("profile", result.profile);
    json.field("change", result.change);
  }
  json.end_object();
  return out;
}

std::string answer_offline_task_json(const OfflineUserModel& model, const LlmTask& task) {
  return offline_answer_json(model, task, answer_offline_task(model, task));
}

std::string answer_offline_task_json(const OfflineUserModel& model, const LlmTask& task,
                                     OfflineUserState& state) {
  return offline_answer_json(model, task, answer_offline_task(model, task, state));
}

}  // namespace lusifer
