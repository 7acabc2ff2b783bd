#pragma once

// The coordinator: runs the episodes of one agent over a population of
// simulated users, thousands at once.
//
// A step: (1) ask the agent for the slates of all active users in one
// message; (2) send each user actor its slate; (3) gather the feedback, with
// a per-step deadline after which the missing users are recorded as late;
// (4) compute the rewards; (5) the users fold the feedback into their
// profiles as part of answering; (6) let the agent learn, and record the step
// to the run store (the store's flush closes the step).
//
// Modes: sync, a barrier per step (a vector environment: every user is at
// the same step); async, every user's episode moves at its own pace, the
// agent serving whichever users are ready in batches, so one slow LLM answer
// holds nobody else up.
//
//   (run_atom) -> AgentRunSummary   runs every episode, then answers
//
// A user leaves (terminated) when the satisfaction model says so; the
// horizon ends the others (truncated). Same seed, settings and answers
// (offline model or a replayed cache) give the same run in sync mode, and in
// async mode for agents whose slates do not depend on other users' feedback.
//
// Checkpoints (sync mode only): every settings.checkpoint_every steps of
// the agent, between two steps and with no request in flight, the
// coordinator gathers every user's state (one plain snapshot_atom message
// per user, answers matched by user, as for rate requests) and the agent's,
// and sends them with its own state to the store writer, which commits them
// in one transaction with every row of the steps before. A step that ends
// an episode takes none. `plan.resume` continues from such a checkpoint, so
// the run goes on as if it had not stopped.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/data/dataset.hpp"
#include "engine/rl/run_checkpoint.hpp"
#include "engine/rl/simulation_settings.hpp"
#include "engine/sim/history_batches.hpp"
#include "messages/rl_messages.hpp"

namespace lusifer {

struct CoordinatorPlan {
  std::string agent_name;
  caf::actor agent;
  const Dataset* dataset = nullptr;
  std::shared_ptr<const TrainingHistories> training;  // "already seen" = in the training history
  std::vector<UserIndex> population;
  std::shared_ptr<const std::vector<caf::actor>> users;  // users[i] simulates population[i]
  SimulationSettings settings;
  caf::actor store;    // invalid: nothing recorded
  caf::actor gateway;  // for LLM counters in progress reports; may be invalid
  // Called with each progress report (on the coordinator's thread).
  std::function<void(const ProgressReport&)> on_progress;
  // Checkpoints (sync mode, settings.checkpoint_every > 0, a store): this
  // agent's index in [agents] run and the agents finished before it, which
  // every checkpoint carries so that a resumed run can report them.
  std::uint32_t agent_index = 0;
  std::vector<AgentRunSummary> completed;
  // Set: continue the run from this checkpoint (the users and the agent
  // already restored to it) instead of starting the first episode.
  std::shared_ptr<const CoordinatorCheckpoint> resume;
  // Sync mode: rate requests unanswered at once; the step's other users are
  // asked as answers come in (in position order). Bounds the requests and
  // answers in flight, which unbounded cost ~0.6 KB a user. A user not yet
  // asked when the step's deadline passes is late. Results do not depend on it.
  std::size_t rates_in_flight = 8192;
  // Episode rows a store batch carries at most; the next batch goes when the
  // store has committed the one before. Made all at once, the rows of a
  // million users ending together at the horizon (128 bytes each, copied
  // again into the store's buffer) were the run's highest memory, ~340 MB
  // above the episodes' plateau. Results do not depend on it.
  std::size_t episode_rows_per_batch = 16'384;
};

caf::actor spawn_coordinator(caf::actor_system& system, CoordinatorPlan plan);

}  // namespace lusifer
