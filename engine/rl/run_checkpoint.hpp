#pragma once

// The byte encodings of a run's checkpoint (`lusifer simulate --resume`):
// one simulated user's state, and the coordinator's state at a step
// boundary of a sync-mode episode. Both use the agents' checkpoint format
// (engine/agents/agent_checkpoint.hpp): fixed-width little-endian fields,
// raw IEEE bits for floats, so a restored run continues bit for bit, and a
// checksum, so that truncated or corrupted bytes are refused instead of
// half-restored.
//
// Errors: decoding throws lusifer::InputError (file = the source name given)
// for bytes that are not such a checkpoint: wrong magic, tag or version,
// truncation, an implausible count, or a bad checksum. Encoding does not fail.
//
// Plain values; no shared state, so any thread may encode or decode.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/rl/agent_run_summary.hpp"
#include "engine/rl/satisfaction_model.hpp"
#include "engine/sim/llm_task.hpp"
#include "engine/sim/offline_user_state.hpp"

namespace lusifer {

// One profile version a user holds (the same fields as its store row).
struct UserProfileVersion {
  std::int32_t version = 0;
  std::string text;
  std::string change;
  std::string source;
  std::int32_t batch = 0;
  std::int64_t episode = -1;
  std::int64_t step = -1;

  bool operator==(const UserProfileVersion&) const = default;
};

// Everything a user actor holds that a run changes: its profile versions
// (the first `base_versions` are the phase-1 profile an episode starts
// from), the last version number handed out (numbers never repeat), the
// recent-interaction window, the feedback not yet folded into the profile,
// and the offline model's state (current and phase-1) when it is used.
struct UserCheckpoint {
  UserIndex user = 0;
  std::vector<UserProfileVersion> versions;
  std::uint64_t base_versions = 0;
  std::int32_t last_version = 0;
  std::vector<Interaction> window;  // oldest first
  std::vector<Interaction> since_update;
  std::optional<OfflineUserState> offline;
  std::optional<OfflineUserState> offline_base;
  std::uint32_t episode = 0;
};

std::string encode_user_checkpoint(const UserCheckpoint& state);
// `source` names the bytes in errors (e.g. "user 17's checkpoint").
UserCheckpoint decode_user_checkpoint(std::string_view bytes, std::string source);

// One user's episode as the coordinator tracks it.
struct SlotCheckpoint {
  bool active = true;
  std::uint32_t step = 0;
  double total_reward = 0.0;
  std::vector<ItemIndex> recommended;  // sorted
  std::optional<SatisfactionState> satisfaction;
  std::uint32_t profile_version = 0;
  std::string outcome;
  std::string reason;
};

// The totals of one step of the current episode (its step-metrics row).
struct StepTotals {
  std::int64_t users = 0;
  std::int64_t rated = 0;
  std::int64_t late = 0;
  std::int64_t failed = 0;
  std::int64_t left = 0;
  double reward_sum = 0.0;
  double rating_sum = 0.0;
  double seconds = 0.0;  // wall time of the step
};

// The state of a run between two steps of a sync-mode episode of the agent
// `agent_index` (in the order of [agents] run): no request is in flight.
struct CoordinatorCheckpoint {
  std::uint32_t agent_index = 0;
  std::string agent;
  std::uint32_t episode = 0;
  std::uint64_t steps_closed = 0;     // steps this agent closed, over all its episodes
  std::vector<SlotCheckpoint> slots;  // per user of the population, in its order
  std::vector<StepTotals> steps;      // of the current episode
  AgentRunSummary totals;             // this agent so far
  std::vector<double> reward_sum_by_step;
  std::vector<std::int64_t> rated_by_step;
  double rating_sum = 0.0;
  double last_mean_reward = 0.0;
  std::vector<AgentRunSummary> completed;  // the agents before this one, finished
};

std::string encode_coordinator_checkpoint(const CoordinatorCheckpoint& state);
CoordinatorCheckpoint decode_coordinator_checkpoint(std::string_view bytes, std::string source);

}  // namespace lusifer
