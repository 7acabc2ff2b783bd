#pragma once

// What the actor tests share: a real CAF actor system with lusifer's message
// types, and a whole simulation (SimulationRunner: store writer, user actors,
// agent actors, coordinators) over a small synthetic world written to a
// temporary directory, its users simulated by the offline model (not an LLM).
//
// The base configuration (see kBaseConfig in the .cpp): a world of 60 users
// and 80 items, a holdout split of each user's last 3 ratings, profiles from
// the last 20 training ratings in batches of 5, 4 steps of slates of 5, a
// profile update every 2 rated slates, one "random" agent on one thread.
// Tests change it with `--set`-style overrides ("simulation.horizon=6").
//
// Everything here throws or fails a REQUIRE on error; nothing is skipped.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/coordinator.hpp"
#include "actors/simulation_runner.hpp"
#include "engine/store/run_store.hpp"
#include "messages/rl_messages.hpp"
#include "tests/support/test_support.hpp"

namespace lusifer::testing {

inline constexpr std::size_t kWorldUsers = 60;
inline constexpr std::size_t kWorldItems = 80;

// An actor system with lusifer's message types, two threads of the
// shared-queue scheduler (offline runs' scheduler) and CAF's own logging
// silenced.
class TestActorSystem {
 public:
  TestActorSystem();
  caf::actor_system& get() noexcept { return *system_; }

 private:
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;  // uses config_
};

// Everything a run's store holds, read back after the run.
struct StoredRun {
  std::vector<UserRow> users;
  std::vector<ProfileVersionRow> versions;
  std::vector<FeedbackRow> feedback;
  std::vector<EpisodeRow> episodes;
  std::vector<StepMetricsRow> steps;
};

StoredRun read_store(const std::filesystem::path& path);

// A simulation over its own freshly generated world in its own temporary
// directory; prepare() has run when the constructor returns.
class SimulationFixture {
 public:
  explicit SimulationFixture(const std::vector<std::string>& overrides = {});
  ~SimulationFixture();

  SimulationFixture(const SimulationFixture&) = delete;
  SimulationFixture& operator=(const SimulationFixture&) = delete;

  caf::actor_system& system() noexcept { return actors_.get(); }
  SimulationRunner& runner() noexcept { return *runner_; }
  const Dataset& dataset() const { return runner_->dataset(); }
  const std::filesystem::path& directory() const noexcept { return directory_.path(); }

  // build_profiles, with every profile required to be built.
  ProfilePhaseReport build_profiles();
  // Marks the run finished and reads its store back.
  StoredRun finish();

  // Sorted training items of `user`.
  const std::vector<ItemIndex>& training_items(UserIndex user);
  UserIndex user_index(ExternalId id) const;
  ItemIndex item_index(ExternalId id) const;

 private:
  TempDir directory_;
  TestActorSystem actors_;
  std::unique_ptr<SimulationRunner> runner_;  // stopped before actors_
  std::map<UserIndex, std::vector<ItemIndex>> training_items_;
};

// The run settings of the base configuration with `overrides` applied; the
// world is generated in `world_directory` when missing.
RunSettings test_run_settings(const std::filesystem::path& world_directory,
                              const std::vector<std::string>& overrides);

// For tests that drive a coordinator themselves: the agent configured at
// `agent_index` (on one thread) in an actor, a store writer of a store of
// its own at `path`, and a plan like the runner's over `users`.
caf::actor spawn_configured_agent(caf::actor_system& system, const SimulationRunner& runner,
                                  std::size_t agent_index);
// The agent `name` with the options of `options_toml` (what would be the
// body of its [agents.<name>] section), on one thread, in an actor.
caf::actor spawn_agent_with_options(caf::actor_system& system, const SimulationRunner& runner,
                                    const std::string& name, std::string_view options_toml);
caf::actor spawn_test_store(caf::actor_system& system, const std::filesystem::path& path);
CoordinatorPlan coordinator_plan(const SimulationRunner& runner, std::size_t agent_index,
                                 caf::actor agent, std::vector<caf::actor> users, caf::actor store);
// Runs the coordinator to its end; fails the test on an error.
AgentRunSummary run_coordinator(caf::actor_system& system, CoordinatorPlan plan);
// Sends `actor` an exit and waits until it is gone (a store writer has then
// committed and closed its store).
void stop_actor(caf::actor_system& system, const caf::actor& actor);

// (agent, episode, step, user, item, rating, reward, explanation, position,
// profile version) of a feedback row, for exact comparisons.
using FeedbackKey = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                               double, double, std::string, std::int32_t, std::int32_t>;
FeedbackKey key_of(const FeedbackRow& row);

// Feedback rows grouped by (agent, episode, user id), in step order.
using EpisodeKey = std::tuple<std::string, std::int64_t, std::int64_t>;
std::map<EpisodeKey, std::vector<const FeedbackRow*>> feedback_by_episode(
    const std::vector<FeedbackRow>& feedback);

}  // namespace lusifer::testing
