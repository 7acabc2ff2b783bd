#pragma once

// The offline simulated user (not an LLM) as a backend: it answers the same
// LlmTasks an LLM answers, so that user actors run one code path with
// either, and the mock LLM server can serve it over HTTP.
//
// Two forms of the same answer:
// - answer_offline_task_json: the message content an LLM would return for
//   the project's prompts (answer_schema.hpp):
//     profile tasks: {"profile": "...", "change": "..."}  ("change" is "" for
//                    create tasks: a first profile has no change)
//     rate tasks:    {"item_<external id>": {"explanation": "...", "rating": 4}, ...}
//                    (an integer on integer scales, a number on half-star ones)
// - answer_offline_task: the LlmTaskResult directly.
//
// What the tasks mean here (offline_user_model.hpp for the model):
// - create-profile: a fresh state folds in the task's batch (none for a
//   cold start) and the profile is written from it.
// - update-profile: the state is read back from the task's profile (a
//   profile the offline model did not write, such as an LLM's, is not
//   readable, so the user starts afresh), the batch is folded in, and the
//   change sentence says what moved and why.
// - rate-items: the state is read back from the task's profile, and every
//   candidate is rated with an explanation. The task's context ratings are
//   not used: what the model knows of the user's history is in its fit, and
//   what was learned since is in the profile.
// The profile text is thus the whole state, as for an LLM; the overloads
// taking an OfflineUserState use the caller's state instead and keep it up
// to date (profile tasks fold their batch into it), which saves reading and
// writing the text on every call.
//
// Problems (a candidate or batch item outside the catalog) never throw: they
// are reported in LlmTaskResult::missing and ::problem like a bad LLM answer,
// and the JSON leaves such candidates out.
//
// Thread-safety: const on the model; any number of threads may answer tasks
// at once. The overloads with a state modify only that state.

#include <cstdint>
#include <string>

#include "engine/sim/llm_task.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "engine/sim/offline_user_state.hpp"

namespace lusifer {

LlmTaskResult answer_offline_task(const OfflineUserModel& model, const LlmTask& task);

// How much of an answer the caller will read; the ratings are the same at
// every level.
enum class OfflineDetail : std::uint8_t {
  // Everything: explanations, profile texts and change sentences.
  kFull,
  // No texts: rate tasks come back without explanations (empty strings);
  // profile tasks update the state as they would, but come back with an
  // empty profile and change (the state is the profile: profile_text
  // renders it when wanted). An explanation costs about as much as the
  // rating itself, and a profile text and change sentence more than the
  // update.
  kNoTexts,
  // No texts, and profile tasks update only what later ratings depend on
  // (OfflineUserModel::fold_drift): the state's taste, which only its
  // profile text renders, stays as it was. For callers that will not read
  // the state's profile before they discard it.
  kRatings,
};

LlmTaskResult answer_offline_task(const OfflineUserModel& model, const LlmTask& task,
                                  OfflineUserState& state,
                                  OfflineDetail detail = OfflineDetail::kFull);

std::string answer_offline_task_json(const OfflineUserModel& model, const LlmTask& task);
std::string answer_offline_task_json(const OfflineUserModel& model, const LlmTask& task,
                                     OfflineUserState& state);

// The JSON content of a result, as above (the JSON forms are this applied to
// the result).
std::string offline_answer_json(const OfflineUserModel& model, const LlmTask& task,
                                const LlmTaskResult& result);

}  // namespace lusifer
