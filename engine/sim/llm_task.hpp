#pragma once

// The work a simulated user asks of its LLM (or of the offline model, which
// answers the same tasks without one), as structured values.
//
// A task is what to do, not how to say it: the prompt builder renders it into
// a chat request for an LLM, the offline model answers it directly, and the
// gateway merges rating tasks of the same user into one call. Results come
// back typed, with what the answer lacked, so that only the missing parts are
// asked again.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

enum class TaskKind {
  kCreateProfile,  // the first history batch, or demographics alone (cold start)
  kUpdateProfile,  // a later history batch, or recent feedback
  kRateItems,      // rate candidate items as the user would
};

// "create-profile", "update-profile", "rate-items".
std::string_view task_kind_name(TaskKind kind) noexcept;

// Interactive work (an RL step waiting on the answer) goes before bulk work
// (building profiles ahead of a run).
enum class TaskPriority { kInteractive = 0, kBulk = 1 };

struct Interaction {
  ItemIndex item = 0;
  float rating = 0.0f;  // on the dataset's scale
  std::int64_t timestamp = 0;

  // Exact, field by field (a restored window must be bit-identical).
  friend bool operator==(const Interaction&, const Interaction&) = default;
};

struct LlmTask {
  TaskKind kind = TaskKind::kRateItems;
  UserIndex user = 0;
  // The profile so far (update and rate tasks); empty for create tasks.
  std::string profile;
  // Profile tasks: the history batch, oldest first. Rate tasks: the user's
  // most recent ratings, oldest first, as context.
  std::vector<Interaction> interactions;
  // Rate tasks: the items to rate, in the order they were asked.
  std::vector<ItemIndex> candidates;
  TaskPriority priority = TaskPriority::kInteractive;
  // 0 for the first request; k for the k-th repair after a bad answer.
  int repair_attempt = 0;
  // For a repair: what was wrong with the previous answer, to quote to the LLM.
  std::string problem;
};

struct ItemRating {
  ItemIndex item = 0;
  float rating = 0.0f;  // a level of the dataset's scale
  std::string explanation;
};

struct LlmTaskResult {
  // Profile tasks.
  std::string profile;
  std::string change;  // one sentence on what changed and why; empty for a first profile
  // Rate tasks: one entry per candidate the answer rated validly.
  std::vector<ItemRating> ratings;
  // Rate tasks: candidates the answer left out or rated invalidly.
  std::vector<ItemIndex> missing;
  // Why the answer was incomplete or unusable, for the repair prompt and logs;
  // empty when the answer was complete.
  std::string problem;

  bool complete() const noexcept { return problem.empty(); }
};

}  // namespace lusifer
