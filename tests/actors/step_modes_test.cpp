// Sync and async stepping: the same users and agent give the same rows in
// both modes; a user who never answers is recorded as late at every step
// while the run goes on; and in async mode a user held back does not hold the
// others up.

#include <algorithm>
#include <atomic>
#include <string>
#include <tuple>
#include <utility>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/user_actor.hpp"
#include "messages/type_ids.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

using open_gate_atom = caf::atom_constant<caf::atom("opengate")>;

// Stands in for a user: episode resets go to the real user actor, rate
// requests are accepted and never answered (the promises are kept, so that
// no error answers them either).
struct SilentUserState {
  std::vector<caf::response_promise> unanswered;
};

caf::behavior silent_user(caf::stateful_actor<SilentUserState>* self, caf::actor real) {
  return {
      [self, real](restart_atom, std::uint32_t episode) {
        return self->delegate(real, restart_atom_v, episode);
      },
      [self](RateRequest&) {
        auto promise = self->make_response_promise();
        self->state.unanswered.push_back(promise);
        return promise;
      },
  };
}

// Stands in for a user: holds its rate requests until (open_gate_atom), then
// hands them, and all later ones, to the real user actor.
struct GatedUserState {
  // Not an aggregate: CAF constructs a state from the actor's pointer when it
  // can, and C++20 would initialise `open` from that pointer.
  GatedUserState() = default;

  bool open = false;
  std::vector<std::pair<caf::response_promise, RateRequest>> held;
};

caf::behavior gated_user(caf::stateful_actor<GatedUserState>* self, caf::actor real) {
  return {
      [self, real](restart_atom, std::uint32_t episode) {
        return self->delegate(real, restart_atom_v, episode);
      },
      [self, real](RateRequest& request) {
        auto promise = self->make_response_promise();
        if (self->state.open) {
          promise.delegate(real, std::move(request));
        } else {
          self->state.held.emplace_back(promise, std::move(request));
        }
        return promise;
      },
      [self, real](open_gate_atom) {
        self->state.open = true;
        for (auto& [promise, request] : self->state.held)
          promise.delegate(real, std::move(request));
        self->state.held.clear();
      },
  };
}

std::vector<FeedbackKey> sorted_keys(const StoredRun& run) {
  std::vector<FeedbackKey> keys;
  for (const FeedbackRow& row : run.feedback)
    keys.push_back(key_of(row));
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Builds the fixture's profiles and runs its agent 0 over all its users
// through one coordinator, with the plan changed by `adjust`; the summary
// and what the store holds afterwards.
template <class Adjust>
std::pair<AgentRunSummary, StoredRun> run_with_plan(SimulationFixture& fixture, Adjust&& adjust) {
  fixture.build_profiles();
  SimulationRunner& runner = fixture.runner();
  caf::actor_system& system = fixture.system();
  const caf::actor agent = spawn_configured_agent(system, runner, 0);
  const auto store_path = fixture.directory() / "coordinator.sqlite";
  const caf::actor store = spawn_test_store(system, store_path);
  CoordinatorPlan plan = coordinator_plan(runner, 0, agent, *runner.users(), store);
  adjust(plan);
  const AgentRunSummary summary = run_coordinator(system, std::move(plan));
  stop_actor(system, store);
  stop_actor(system, agent);
  return {summary, read_store(store_path)};
}

TEST_CASE("sync and async modes give the same rows for the random agent", "[actors][modes]") {
  // The random agent's slate for (user, step) depends only on the seed and
  // that user's own seen items (engine/agents/agent.hpp, random_agent.hpp),
  // never on which users share an act call, so the modes must agree.
  const std::vector<std::string> config = {"simulation.horizon=4", "simulation.episodes=2",
                                           "simulation.update_every=1"};
  std::vector<FeedbackKey> rows[2];
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int32_t, double>> episodes[2];
  AgentRunSummary summaries[2];
  for (int mode = 0; mode < 2; ++mode) {
    auto overrides = config;
    overrides.push_back(mode == 0 ? R"(simulation.mode="sync")" : R"(simulation.mode="async")");
    SimulationFixture fixture(overrides);
    REQUIRE(fixture.runner().settings().simulation.mode ==
            (mode == 0 ? StepMode::kSync : StepMode::kAsync));
    fixture.build_profiles();
    const auto s = fixture.runner().run_agents();
    REQUIRE(s.size() == 1);
    summaries[mode] = s[0];
    const StoredRun run = fixture.finish();
    rows[mode] = sorted_keys(run);
    for (const EpisodeRow& e : run.episodes) {
      episodes[mode].emplace_back(e.episode, e.user_id, e.steps, e.total_reward);
    }
  }
  REQUIRE(rows[0].size() == kWorldUsers * 2 * 4 * 5);
  // (user, step, item, rating), and with them reward, explanation, position
  // and the profile version that produced the rating.
  CHECK(rows[0] == rows[1]);
  CHECK(episodes[0] == episodes[1]);
  CHECK(summaries[0].user_steps == summaries[1].user_steps);
  CHECK(summaries[0].mean_reward == Approx(summaries[1].mean_reward).epsilon(1e-12));
  CHECK(summaries[0].late == 0);
  CHECK(summaries[1].late == 0);
}

TEST_CASE("sync mode gives the same rows however few rate requests are in flight",
          "[actors][modes]") {
  // Answers are settled by position, so asking the users a few at a time
  // (the rest as answers come in) changes nothing: LinUCB learns from the
  // whole step, users update their profiles after every slate.
  const std::size_t limits[] = {8192, 1, 3};
  std::vector<FeedbackKey> rows[3];
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int32_t, double>> episodes[3];
  for (int k = 0; k < 3; ++k) {
    INFO("rates in flight " << limits[k]);
    SimulationFixture fixture({"simulation.horizon=4", "simulation.episodes=2",
                               "simulation.update_every=1", R"(agents.run=["linucb"])"});
    const auto [summary, run] =
        run_with_plan(fixture, [&](CoordinatorPlan& plan) { plan.rates_in_flight = limits[k]; });
    CHECK(summary.late == 0);
    rows[k] = sorted_keys(run);
    for (const EpisodeRow& e : run.episodes)
      episodes[k].emplace_back(e.episode, e.user_id, e.steps, e.total_reward);
  }
  REQUIRE(rows[0].size() == kWorldUsers * 2 * 4 * 5);
  CHECK(rows[1] == rows[0]);
  CHECK(rows[2] == rows[0]);
  CHECK(episodes[1] == episodes[0]);
  CHECK(episodes[2] == episodes[0]);
}

TEST_CASE("episode rows are the same however few go to the store in one batch", "[actors][modes]") {
  // Users leave at different steps (a moderate leaving rule), so ended users
  // are recorded over several steps and, with small batches, over several
  // store round trips within a step.
  const bool async = GENERATE(false, true);
  INFO((async ? "async" : "sync"));
  const std::size_t batch_rows[] = {16'384, 1, 7};
  using EpisodeKey = std::tuple<std::string, std::int64_t, std::int64_t, std::int32_t, double,
                                std::string, std::string>;
  std::vector<EpisodeKey> episodes[3];
  std::int64_t left[3] = {};
  for (int k = 0; k < 3; ++k) {
    INFO("episode rows per batch " << batch_rows[k]);
    SimulationFixture fixture(
        {"simulation.horizon=6", "simulation.episodes=2", "simulation.leaving.enabled=true",
         "simulation.leaving.window=2", "simulation.leaving.patience=3",
         "simulation.leaving.leave_below=0.72", "simulation.leaving.boredom_per_repeat=0.0",
         async ? R"(simulation.mode="async")" : R"(simulation.mode="sync")"});
    const auto [summary, run] = run_with_plan(
        fixture, [&](CoordinatorPlan& plan) { plan.episode_rows_per_batch = batch_rows[k]; });
    left[k] = summary.left;
    for (const EpisodeRow& e : run.episodes)
      episodes[k].emplace_back(e.agent, e.episode, e.user_id, e.steps, e.total_reward, e.outcome,
                               e.reason);
  }
  REQUIRE(episodes[0].size() == kWorldUsers * 2);
  // Some users left before the horizon and some did not: rows were recorded
  // at more than one step.
  CHECK(left[0] > 0);
  CHECK(left[0] < static_cast<std::int64_t>(kWorldUsers * 2));
  CHECK(episodes[1] == episodes[0]);
  CHECK(episodes[2] == episodes[0]);
  CHECK(left[1] == left[0]);
  CHECK(left[2] == left[0]);
}

TEST_CASE("the rows are the same whether the coordinator tracks seen and repeated items or not",
          "[actors][modes]") {
  // Without penalties, leaving or checkpoints the coordinator keeps neither
  // bitset; the same run with them kept (leaving on but never triggered;
  // checkpoints due too rarely to be taken) must give the same rows.
  const std::vector<std::string> common = {
      "simulation.horizon=4", "simulation.episodes=2", "simulation.reward.repeat_penalty=0.0",
      "simulation.reward.seen_penalty=0.0", "simulation.checkpoint_every=0"};
  const std::vector<std::string> variants[] = {
      {},
      {"simulation.leaving.enabled=true", "simulation.leaving.leave_below=0.0",
       "simulation.leaving.boredom_per_repeat=0.0"},
      {"simulation.checkpoint_every=1000"},
  };
  std::vector<FeedbackKey> rows[3];
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int32_t, double, std::string>>
      episodes[3];
  for (int k = 0; k < 3; ++k) {
    INFO("variant " << k);
    std::vector<std::string> overrides = common;
    overrides.insert(overrides.end(), variants[k].begin(), variants[k].end());
    SimulationFixture fixture(overrides);
    fixture.build_profiles();
    const auto summaries = fixture.runner().run_agents();
    REQUIRE(summaries.size() == 1);
    CHECK(summaries[0].left == 0);
    const StoredRun run = fixture.finish();
    rows[k] = sorted_keys(run);
    for (const EpisodeRow& e : run.episodes)
      episodes[k].emplace_back(e.episode, e.user_id, e.steps, e.total_reward, e.outcome);
  }
  REQUIRE(rows[0].size() == kWorldUsers * 2 * 4 * 5);
  CHECK(rows[1] == rows[0]);
  CHECK(rows[2] == rows[0]);
  REQUIRE(episodes[0].size() == kWorldUsers * 2);
  CHECK(episodes[1] == episodes[0]);
  CHECK(episodes[2] == episodes[0]);
}

TEST_CASE("a user who never answers is late at every step and the run finishes",
          "[actors][modes][deadline]") {
  const bool async = GENERATE(false, true);
  INFO((async ? "async" : "sync"));
  SimulationFixture fixture({"simulation.horizon=3", "simulation.step_deadline=\"250ms\"",
                             async ? R"(simulation.mode="async")" : R"(simulation.mode="sync")"});
  fixture.build_profiles();
  SimulationRunner& runner = fixture.runner();
  caf::actor_system& system = fixture.system();

  std::vector<caf::actor> users = *runner.users();
  const std::size_t silent_position = 7;
  const ExternalId silent_id = fixture.dataset().user(runner.population()[silent_position]).id;
  users[silent_position] = system.spawn(silent_user, users[silent_position]);
  const caf::actor silent = users[silent_position];
  const auto store_path = fixture.directory() / "coordinator.sqlite";
  const caf::actor store = spawn_test_store(system, store_path);
  const caf::actor agent = spawn_configured_agent(system, runner, 0);

  const AgentRunSummary summary =
      run_coordinator(system, coordinator_plan(runner, 0, agent, std::move(users), store));
  stop_actor(system, silent);
  stop_actor(system, store);
  stop_actor(system, agent);
  const StoredRun run = read_store(store_path);

  const std::size_t n = kWorldUsers;
  CHECK(summary.late == 3);
  CHECK(summary.failed == 0);
  CHECK(summary.user_steps == n * 3);
  CHECK(summary.truncated == n);
  CHECK(summary.rated_items == (n - 1) * 3 * 5);
  REQUIRE(run.episodes.size() == n);
  for (const EpisodeRow& e : run.episodes) {
    INFO("user " << e.user_id);
    CHECK(e.outcome == "truncated");
    CHECK(e.steps == 3);
    if (e.user_id == silent_id)
      CHECK(e.total_reward == 0.0);
  }
  CHECK(run.feedback.size() == (n - 1) * 3 * 5);
  CHECK(std::none_of(run.feedback.begin(), run.feedback.end(),
                     [&](const FeedbackRow& f) { return f.user_id == silent_id; }));
  REQUIRE(run.steps.size() == 3);
  for (const StepMetricsRow& m : run.steps) {
    CHECK(m.users == static_cast<std::int64_t>(n));
    CHECK(m.late == 1);
    CHECK(m.rated == static_cast<std::int64_t>((n - 1) * 5));
  }
}

TEST_CASE("in async mode a user held back does not hold the others up", "[actors][modes]") {
  // The held user answers only once every other user has finished its whole
  // episode: in async mode they do, so the gate opens and nobody is late;
  // with a barrier per step the gate would stay shut until the (long) step
  // deadline marked the held user late.
  SimulationFixture fixture({"simulation.horizon=4", R"(simulation.mode="async")",
                             "simulation.step_deadline=\"20s\"",
                             "simulation.progress_interval=\"0ms\""});
  fixture.build_profiles();
  SimulationRunner& runner = fixture.runner();
  caf::actor_system& system = fixture.system();

  std::vector<caf::actor> users = *runner.users();
  const std::size_t held_position = 3;
  const ExternalId held_id = fixture.dataset().user(runner.population()[held_position]).id;
  users[held_position] = system.spawn(gated_user, users[held_position]);
  const caf::actor gate = users[held_position];
  const caf::actor agent = spawn_configured_agent(system, runner, 0);
  const auto store_path = fixture.directory() / "coordinator.sqlite";
  const caf::actor store = spawn_test_store(system, store_path);

  CoordinatorPlan plan = coordinator_plan(runner, 0, agent, std::move(users), store);
  auto opened_after = std::make_shared<std::atomic<std::uint64_t>>(0);
  auto opened = std::make_shared<std::atomic<bool>>(false);
  plan.on_progress = [gate, opened, opened_after](const ProgressReport& r) {
    if (r.active_users == 1 && !opened->exchange(true)) {
      opened_after->store(r.user_steps);
      caf::anon_send(gate, open_gate_atom::value);
    }
  };
  const AgentRunSummary summary = run_coordinator(system, std::move(plan));
  stop_actor(system, gate);
  stop_actor(system, store);
  stop_actor(system, agent);
  const StoredRun run = read_store(store_path);

  REQUIRE(opened->load());
  // When the gate opened, the other users had taken all their steps and the
  // held user none.
  CHECK(opened_after->load() == (kWorldUsers - 1) * 4);
  CHECK(summary.late == 0);
  CHECK(summary.user_steps == kWorldUsers * 4);
  CHECK(summary.truncated == kWorldUsers);
  const auto held_rows = std::count_if(run.feedback.begin(), run.feedback.end(),
                                       [&](const FeedbackRow& f) { return f.user_id == held_id; });
  CHECK(held_rows == 4 * 5);
  CHECK(run.feedback.size() == kWorldUsers * 4 * 5);
}

}  // namespace
}  // namespace lusifer::testing
