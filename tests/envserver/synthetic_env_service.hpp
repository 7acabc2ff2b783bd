#pragma once

// A test fixture that lets the Python client, gym wrapper and example agent
// run end to end before (and independently of) the actor-based service: an
// EnvService over the in-memory synthetic world (SyntheticEnvironment),
// where users rate items by their known tastes. It is NOT lusifer's user
// simulator (no profiles, no LLM, no offline model): profiles are a fixed
// line, ratings are draws from the world's ground truth.
//
// Users are the world's (ids 1..users); "users": n takes a seeded sample of
// n. Rewards follow engine/rl/reward_model.hpp (no penalties); leaving
// follows engine/rl/satisfaction_model.hpp with its default settings. Every
// draw comes from derive_seed(session seed, episode, step, user), so the same
// seed and actions give the same answers. Answers are given inline.
// Thread-safe; sessions are bounded by the HTTP layer.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/agents/synthetic_environment.hpp"
#include "engine/envserver/env_service.hpp"

namespace lusifer::testing {

class SyntheticEnvService final : public envserver::EnvService {
 public:
  explicit SyntheticEnvService(const SyntheticWorldOptions& world);

  void create(envserver::CreateRequest request,
              envserver::EnvCallback<envserver::CreateResponse> done) override;
  void reset(std::string env_id, envserver::ResetRequest request,
             envserver::EnvCallback<envserver::ResetResponse> done) override;
  void step(std::string env_id, envserver::StepRequest request,
            envserver::EnvCallback<envserver::StepResponse> done) override;
  void close(std::string env_id, envserver::EnvCallback<envserver::CloseResponse> done) override;
  const Catalog& catalog() const override { return environment_.dataset().catalog(); }

 private:
  struct Session;

  std::shared_ptr<Session> find(const std::string& env_id);
  envserver::UserObservation observe(const Session& session, std::size_t user) const;

  SyntheticEnvironment environment_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 1;
};

}  // namespace lusifer::testing
