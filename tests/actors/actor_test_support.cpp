#include "tests/actors/actor_test_support.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "actors/agent_actor.hpp"
#include "actors/shared_queue_scheduler.hpp"
#include "actors/store_writer.hpp"
#include "engine/config/config_file.hpp"
#include "engine/config/config_override.hpp"
#include "engine/rl/agent_factory.hpp"
#include "engine/rl/run_settings.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer::testing {
namespace {

// Small enough for a test, large enough that every user has several history
// batches and agents have a catalogue to choose from. {world} is replaced.
constexpr std::string_view kBaseConfig = R"toml(
[run]
name = "actors-test"
profile_concurrency = 16

[world]
users = 60
items = 80
seed = 11
mean_ratings = 22.0
min_ratings = 10

[data]
source = "synthetic"
path = "{world}"

[data.split]
method = "holdout"
k = 3

[llm]
backend = "offline"

[prompts]
history_items = 20
batch_size = 5

[simulation]
seed = 7
episodes = 1
horizon = 4
slate_size = 5
mode = "sync"
update_every = 2
window = 10
recent_in_prompt = 5
record = "full"
threads = 1

[simulation.reward]
kind = "rating"
repeat_penalty = 1.0
seen_penalty = 0.5

[agents]
run = ["random"]
)toml";

}  // namespace

TestActorSystem::TestActorSystem() {
  register_message_types(config_);
  config_.set("scheduler.max-threads", std::size_t{2});
  config_.set("logger.verbosity", caf::atom("quiet"));
  // The scheduler of offline runs (cli/run_options.cpp).
  use_shared_queue_scheduler(config_);
  system_ = std::make_unique<caf::actor_system>(config_);
}

RunSettings test_run_settings(const std::filesystem::path& world_directory,
                              const std::vector<std::string>& overrides) {
  std::string text(kBaseConfig);
  const std::string marker = "{world}";
  text.replace(text.find(marker), marker.size(), world_directory.string());
  ConfigFile file = ConfigFile::parse(text, (world_directory.parent_path() / "run.toml").string());
  apply_overrides(file, overrides);
  return read_run_settings(file);
}

StoredRun read_store(const std::filesystem::path& path) {
  RunStore store(path);
  return StoredRun{store.users(), store.profile_versions(), store.feedback(), store.episodes(),
                   store.step_metrics()};
}

SimulationFixture::SimulationFixture(const std::vector<std::string>& overrides) {
  runner_ = std::make_unique<SimulationRunner>(
      actors_.get(), test_run_settings(directory_.path() / "world", overrides),
      directory_.path() / "run", "test");
  runner_->prepare();
  REQUIRE(runner_->dataset().user_count() == kWorldUsers);
  REQUIRE(runner_->dataset().catalog().size() == kWorldItems);
}

SimulationFixture::~SimulationFixture() {
  // Stops the user actors and the store writer, and waits for every actor.
  runner_.reset();
}

ProfilePhaseReport SimulationFixture::build_profiles() {
  ProfilePhaseReport report = runner_->build_profiles();
  INFO("first failure: " << (report.failures.empty() ? "" : report.failures.front().second));
  REQUIRE(report.failed == 0);
  REQUIRE(report.built == runner_->population().size());
  return report;
}

StoredRun SimulationFixture::finish() {
  runner_->finish("finished");
  return read_store(runner_->store_path());
}

const std::vector<ItemIndex>& SimulationFixture::training_items(UserIndex user) {
  auto [it, inserted] = training_items_.try_emplace(user);
  if (inserted) {
    // From the users' view of the training ratings: run_agents releases the
    // split's lists.
    const RatingTable& ratings = dataset().ratings();
    for (const RatingIndex r : runner_->world()->training->of(user))
      it->second.push_back(ratings.item(r));
    std::sort(it->second.begin(), it->second.end());
  }
  return it->second;
}

UserIndex SimulationFixture::user_index(ExternalId id) const {
  const auto user = dataset().find_user(id);
  REQUIRE(user.has_value());
  return *user;
}

ItemIndex SimulationFixture::item_index(ExternalId id) const {
  const auto item = dataset().catalog().find(id);
  REQUIRE(item.has_value());
  return *item;
}

caf::actor spawn_configured_agent(caf::actor_system& system, const SimulationRunner& runner,
                                  std::size_t agent_index) {
  const RunSettings& s = runner.settings();
  return spawn_agent_actor(system, make_agent(s.agents.at(agent_index), runner.dataset(),
                                              runner.split().train, s.simulation.seed, 1));
}

caf::actor spawn_agent_with_options(caf::actor_system& system, const SimulationRunner& runner,
                                    const std::string& name, std::string_view options_toml) {
  ConfigFile file =
      ConfigFile::parse("[options]\n" + std::string(options_toml) + "\n", "agent-options.toml");
  const AgentSpec spec = read_agent_spec(name, file.section("options"));
  auto agent = make_agent(spec, runner.dataset(), runner.split().train,
                          runner.settings().simulation.seed, 1);
  file.check_all_consumed();
  return spawn_agent_actor(system, std::move(agent));
}

caf::actor spawn_test_store(caf::actor_system& system, const std::filesystem::path& path) {
  auto store = std::make_unique<RunStore>(path);
  RunInfo info;
  info.run_id = "coordinator-test";
  info.created_at = "2026-01-01T00:00:00Z";
  info.backend = "offline (not an LLM)";
  store->begin_run(info);
  return spawn_store_writer(system, std::move(store));
}

CoordinatorPlan coordinator_plan(const SimulationRunner& runner, std::size_t agent_index,
                                 caf::actor agent, std::vector<caf::actor> users,
                                 caf::actor store) {
  CoordinatorPlan plan;
  plan.agent_name = runner.settings().agents.at(agent_index).name;
  plan.agent = std::move(agent);
  plan.dataset = &runner.dataset();
  plan.training = runner.world()->training;
  plan.population = runner.population();
  plan.users = std::make_shared<const std::vector<caf::actor>>(std::move(users));
  plan.settings = runner.settings().simulation;
  plan.store = std::move(store);
  return plan;
}

AgentRunSummary run_coordinator(caf::actor_system& system, CoordinatorPlan plan) {
  auto coordinator = spawn_coordinator(system, std::move(plan));
  caf::scoped_actor self{system};
  AgentRunSummary summary;
  std::string failure;
  self->request(coordinator, caf::infinite, run_atom_v)
      .receive([&](AgentRunSummary& s) { summary = std::move(s); },
               [&](caf::error& error) { failure = describe(error); });
  INFO(failure);
  REQUIRE(failure.empty());
  return summary;
}

void stop_actor(caf::actor_system& system, const caf::actor& actor) {
  caf::scoped_actor self{system};
  self->monitor(actor);
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

FeedbackKey key_of(const FeedbackRow& row) {
  return {row.agent,
          row.episode,
          row.step,
          row.user_id,
          row.item_id,
          row.raw_rating,
          row.reward.value_or(-1e9),
          row.explanation,
          row.position,
          row.profile_version};
}

std::map<EpisodeKey, std::vector<const FeedbackRow*>> feedback_by_episode(
    const std::vector<FeedbackRow>& feedback) {
  std::map<EpisodeKey, std::vector<const FeedbackRow*>> out;
  for (const FeedbackRow& row : feedback) {
    out[{row.agent, row.episode, row.user_id}].push_back(&row);
  }
  for (auto& [key, rows] : out) {
    std::stable_sort(rows.begin(), rows.end(), [](const FeedbackRow* a, const FeedbackRow* b) {
      return std::tie(a->step, a->position) < std::tie(b->step, b->position);
    });
  }
  return out;
}

}  // namespace lusifer::testing
