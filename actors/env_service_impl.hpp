#pragma once

// The environment server's simulation (engine/envserver/env_service.hpp):
// sessions of the runner's simulated users, one CAF actor per session.
//
// A session owns a subset of the user actors for as long as it is open. A
// user's profile and recent interactions live in its actor, so two sessions
// cannot share a user: create refuses a user in another open session with
// 409 user_in_use (a numeric "users": n samples among the free users only).
// Closing a session frees its users.
//
// reset: every user of the session goes back to its phase-1 profile (the
// user actor's reset) and a new episode starts; the first observations are
// the users' profiles and recent interactions. The reset's seed (else one
// derived from the session's seed and the episode number) seeds the reward
// draws (click rewards).
//
// step: the session actor sends each active user's slate to its actor with
// request(...).then(...), with [simulation] step_deadline as the timeout (a
// user that misses it is `late`: no ratings, reward 0, previous observation),
// then asks for the user's profile snapshot (the next observation). The
// reward of a slate is the sum over its rated items of RewardModel's value
// (with the repeat and seen penalties); a user whose SatisfactionModel says
// they leave is terminated, one reaching the horizon truncated. Each step is
// recorded to the run store (feedback, step metrics, and finished episodes,
// agent "env:<env_id>") and the store flushed before the answer goes out, so
// the writer never falls more than a step behind.
//
// Thread-safety: every member function may be called from any thread;
// completions run on the session actor's thread (reset, step) or the
// caller's (create, close, and errors found before the actor is asked).
// Nothing here blocks a CAF scheduler thread. shutdown() (also run by the
// destructor) stops every session actor; requests still in flight are then
// never answered, which the HTTP layer turns into 500s. Call it before the
// SimulationRunner that owns the users is destroyed.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/user_actor.hpp"
#include "engine/envserver/env_service.hpp"

namespace lusifer {

struct EnvServiceWorld {
  std::shared_ptr<const UserWorld> world;  // dataset, training histories, settings, store
  std::vector<UserIndex> population;       // the users sessions may take
  std::shared_ptr<const std::vector<caf::actor>> users;  // users[i] simulates population[i]
  std::string backend;  // "offline model (not an LLM)" or the LLM's name
};

class SimulatedEnvService final : public envserver::EnvService {
 public:
  // Throws std::invalid_argument when `world` is incomplete.
  SimulatedEnvService(caf::actor_system& system, EnvServiceWorld world);
  ~SimulatedEnvService() override;

  SimulatedEnvService(const SimulatedEnvService&) = delete;
  SimulatedEnvService& operator=(const SimulatedEnvService&) = delete;

  void create(envserver::CreateRequest request,
              envserver::EnvCallback<envserver::CreateResponse> done) override;
  void reset(std::string env_id, envserver::ResetRequest request,
             envserver::EnvCallback<envserver::ResetResponse> done) override;
  void step(std::string env_id, envserver::StepRequest request,
            envserver::EnvCallback<envserver::StepResponse> done) override;
  void close(std::string env_id, envserver::EnvCallback<envserver::CloseResponse> done) override;
  const Catalog& catalog() const override;

  // Closes every session; later requests get 503 service_unavailable.
  void shutdown();
  std::size_t open_sessions() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace lusifer
