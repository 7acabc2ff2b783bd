#pragma once

// Messages between the simulation's drivers (profile builder, coordinator,
// environment server) and the user actors.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "engine/sim/llm_task.hpp"
#include "messages/llm_messages.hpp"

namespace lusifer {

// Phase 1: build the user's profile from history batches, oldest first. No
// batches means a cold start from demographics alone.
struct ProfileJob {
  std::vector<std::vector<Interaction>> batches;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProfileJob& x) {
  return f(caf::meta::type_name("profile_job"), x.batches);
}

struct ProfileOutcome {
  UserIndex user = 0;
  bool built = false;
  std::int32_t versions = 0;
  std::string failure;  // why the profile could not be built
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProfileOutcome& x) {
  return f(caf::meta::type_name("profile_outcome"), x.user, x.built, x.versions, x.failure);
}

// Phase 2: rate a slate.
struct RateRequest {
  std::uint32_t episode = 0;
  std::uint32_t step = 0;
  std::vector<ItemIndex> items;
  // false: the ratings may come without explanations, when nobody will show
  // or record them (the offline model then skips writing them; an LLM's
  // prompt is unchanged).
  bool explain = true;
  // false: nobody will read the profile this slate may update before the
  // user is reset to its phase-1 profile (no version is recorded or shown,
  // no checkpoint is taken), so the offline model may update only what
  // later ratings depend on (its drift), not the taste its text renders.
  // An LLM's profile is its text: it is updated whole either way.
  bool keep_profile = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RateRequest& x) {
  return f(caf::meta::type_name("rate_request"), x.episode, x.step, x.items, x.explain,
           x.keep_profile);
}

struct UserFeedback {
  UserIndex user = 0;
  std::uint32_t step = 0;
  std::vector<ItemRating> ratings;   // raw ratings with explanations, in slate order
  std::vector<float> calibrated;     // per rating, when calibration is on
  std::vector<ItemIndex> missing;    // slate items the simulator could not rate
  std::int32_t profile_version = 0;  // the profile the ratings came from
  // Set when the ratings led to a profile update: the new version and what changed.
  std::int32_t updated_version = 0;
  std::string profile_change;
  std::string failure;  // set when the whole request failed
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UserFeedback& x) {
  return f(caf::meta::type_name("user_feedback"), x.user, x.step, x.ratings, x.calibrated,
           x.missing, x.profile_version, x.updated_version, x.profile_change, x.failure);
}

struct ProfileSnapshot {
  UserIndex user = 0;
  std::int32_t version = 0;
  std::string text;
  std::vector<Interaction> recent;  // the window of recent interactions, oldest first
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProfileSnapshot& x) {
  return f(caf::meta::type_name("profile_snapshot"), x.user, x.version, x.text, x.recent);
}

// (restart_atom, episode) -> ProfileRestarted: a reset for callers that need
// only the version the user starts the episode from (the coordinator). A
// ProfileSnapshot renders the profile text and copies the window, ~1.2 KB a
// user that a million users would all hold at once in the coordinator's
// mailbox at the start of every episode.
struct ProfileRestarted {
  UserIndex user = 0;
  std::int32_t version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProfileRestarted& x) {
  return f(caf::meta::type_name("profile_restarted"), x.user, x.version);
}

// Checkpoints (`lusifer simulate --resume`). (snapshot_atom) answers with
// the user's whole state, encoded by engine/rl/run_checkpoint.hpp; sent
// between requests, never while one is in flight.
struct UserStateSnapshot {
  UserIndex user = 0;
  std::string state;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UserStateSnapshot& x) {
  return f(caf::meta::type_name("user_state_snapshot"), x.user, x.state);
}

// (restore_atom, std::string state) -> UserStateRestored: the user takes the
// encoded state over whole, or (failure set) keeps its own.
struct UserStateRestored {
  UserIndex user = 0;
  std::string failure;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, UserStateRestored& x) {
  return f(caf::meta::type_name("user_state_restored"), x.user, x.failure);
}

}  // namespace lusifer
