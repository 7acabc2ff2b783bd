#pragma once

// A simulated user: one actor per user, holding the user's current profile
// and the phase-1 profile that every episode starts from, a window of recent
// interactions and the work it is waiting on. The profile's history (every
// version with what changed, why and where it came from) goes to the run
// store as it is made and is not kept here: a million users must fit in a
// few GB (bench/README.md gives the bytes per user).
//
//   ProfileJob            -> ProfileOutcome   phase 1: build the profile, batch by batch
//   RateRequest           -> UserFeedback     phase 2: rate a slate, maybe update the profile
//   (reset_atom, episode) -> ProfileSnapshot  back to the phase-1 profile for a new episode
//   (restart_atom, episode) -> ProfileRestarted  the same, answering only the version
//   (profile_atom)        -> ProfileSnapshot
//   (snapshot_atom)       -> UserStateSnapshot  the whole state, for a checkpoint
//   (restore_atom, bytes) -> UserStateRestored  the state of a checkpoint, taken over whole
//
// All LLM work goes through the gateway pool. With the offline model (not an
// LLM) the same tasks are answered in the actor, without a message round
// trip: the code path is the same, only the answering differs. A user
// handles one request at a time (it awaits its LLM answers), so its profile
// never changes under a request.

#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/data/dataset.hpp"
#include "engine/rl/simulation_settings.hpp"
#include "engine/sim/calibration.hpp"
#include "engine/sim/history_batches.hpp"
#include "engine/sim/offline_user_model.hpp"

namespace lusifer {

// What every user actor of a run shares; immutable while the run lasts.
struct UserWorld {
  const Dataset* dataset = nullptr;
  std::shared_ptr<const TrainingHistories> training;
  caf::actor gateway;                                    // LLM runs
  std::shared_ptr<const OfflineUserModel> offline;       // offline runs
  std::shared_ptr<const RatingCalibration> calibration;  // null: no calibration
  caf::actor store;                                      // invalid: nothing recorded
  SimulationSettings settings;
  std::string source_label;  // "offline model (not an LLM)" or the LLM's name, for logs
};

caf::actor spawn_user_actor(caf::actor_system& system, std::shared_ptr<const UserWorld> world,
                            UserIndex user);

}  // namespace lusifer
