// Determinism of whole runs: the same seed and configuration give the same
// feedback, episodes and summaries, to the last bit; another simulation seed
// gives another run.

#include <algorithm>
#include <map>
#include <tuple>

#include <catch2/catch.hpp>

#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

struct RunOutput {
  std::vector<FeedbackKey> feedback;
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t, std::int32_t, double, std::string,
                         std::string>>
      episodes;
  std::vector<AgentRunSummary> summaries;
};

RunOutput run_once(const std::vector<std::string>& overrides) {
  SimulationFixture fixture(overrides);
  fixture.build_profiles();
  RunOutput out;
  out.summaries = fixture.runner().run_agents();
  const StoredRun run = fixture.finish();
  for (const FeedbackRow& row : run.feedback)
    out.feedback.push_back(key_of(row));
  // Sync mode writes a step's rows in the population's order, but the test
  // only relies on the rows themselves.
  std::sort(out.feedback.begin(), out.feedback.end());
  for (const EpisodeRow& e : run.episodes) {
    out.episodes.emplace_back(e.agent, e.episode, e.user_id, e.steps, e.total_reward, e.outcome,
                              e.reason);
  }
  return out;
}

// Every field but the wall time.
void check_same_summary(const AgentRunSummary& a, const AgentRunSummary& b) {
  INFO(a.agent);
  CHECK(a.agent == b.agent);
  CHECK(a.user_steps == b.user_steps);
  CHECK(a.rated_items == b.rated_items);
  CHECK(a.late == b.late);
  CHECK(a.failed == b.failed);
  CHECK(a.left == b.left);
  CHECK(a.truncated == b.truncated);
  CHECK(a.mean_reward == b.mean_reward);
  CHECK(a.mean_rating == b.mean_rating);
  CHECK(a.reward_by_step == b.reward_by_step);
}

const std::vector<std::string> kConfig = {
    "simulation.horizon=3",
    "simulation.episodes=2",
    R"(agents.run=["linucb", "random"])",
    "simulation.leaving.enabled=true",
    "simulation.leaving.window=2",
    "simulation.leaving.patience=2",
    "simulation.leaving.leave_below=0.7",
};

TEST_CASE("two runs with the same seed and configuration are identical", "[actors][determinism]") {
  const RunOutput first = run_once(kConfig);
  const RunOutput second = run_once(kConfig);

  // Leaving may shorten episodes; the horizon bounds them.
  REQUIRE(first.feedback.size() <= 2 * 2 * kWorldUsers * 3 * 5);
  REQUIRE(first.feedback.size() >= 2 * 2 * kWorldUsers * 2 * 5);
  CHECK(first.feedback == second.feedback);
  CHECK(first.episodes == second.episodes);
  REQUIRE(first.summaries.size() == 2);
  REQUIRE(second.summaries.size() == 2);
  for (std::size_t i = 0; i < first.summaries.size(); ++i) {
    check_same_summary(first.summaries[i], second.summaries[i]);
  }
  // Explanations are part of what must repeat, and the offline model writes one per rating.
  CHECK(std::all_of(first.feedback.begin(), first.feedback.end(),
                    [](const FeedbackKey& k) { return !std::get<7>(k).empty(); }));
}

TEST_CASE("record = ratings stores the rows of record = full, without explanations",
          "[actors][determinism]") {
  // Users are not asked for explanations the store will not keep; nothing
  // else about the run may change.
  const RunOutput full = run_once(kConfig);
  std::vector<std::string> ratings_only = kConfig;
  ratings_only.push_back(R"(simulation.record="ratings")");
  const RunOutput bare = run_once(ratings_only);

  REQUIRE(bare.feedback.size() == full.feedback.size());
  REQUIRE_FALSE(full.feedback.empty());
  for (std::size_t i = 0; i < full.feedback.size(); ++i) {
    FeedbackKey expected = full.feedback[i];
    REQUIRE_FALSE(std::get<7>(expected).empty());
    std::get<7>(expected).clear();
    CHECK(bare.feedback[i] == expected);
  }
  CHECK(bare.episodes == full.episodes);
  REQUIRE(bare.summaries.size() == full.summaries.size());
  for (std::size_t i = 0; i < full.summaries.size(); ++i)
    check_same_summary(bare.summaries[i], full.summaries[i]);
}

// Runs `config`, with a profile update after every slate (so there are many
// of them), at record = full and at record = summary, and checks that both
// ran the same episodes.
void check_summary_runs_full(std::vector<std::string> config) {
  config.push_back("simulation.update_every=1");
  config.push_back("simulation.horizon=4");
  const RunOutput full = run_once(config);
  config.push_back(R"(simulation.record="summary")");
  const RunOutput summary = run_once(config);

  REQUIRE_FALSE(full.episodes.empty());
  CHECK(summary.feedback.empty());
  CHECK(summary.episodes == full.episodes);
  REQUIRE(summary.summaries.size() == full.summaries.size());
  for (std::size_t i = 0; i < full.summaries.size(); ++i)
    check_same_summary(summary.summaries[i], full.summaries[i]);
}

TEST_CASE("record = summary runs the episodes of record = full", "[actors][determinism]") {
  // Offline users then update their profiles without writing the texts
  // nobody keeps; the state, and so every rating, must be the same.
  check_summary_runs_full(kConfig);
}

TEST_CASE(
    "record = summary without checkpoints, profiles updated for the ratings only, runs "
    "the episodes of record = full",
    "[actors][determinism]") {
  // Nothing reads a profile before the next reset, so offline users fold
  // their feedback into the drift alone, not the taste their text renders;
  // ratings read only the drift, so every rating must be the same.
  std::vector<std::string> config = kConfig;
  config.push_back("simulation.checkpoint_every=0");
  check_summary_runs_full(config);
}

TEST_CASE("another simulation seed gives another run", "[actors][determinism]") {
  const RunOutput first = run_once(kConfig);
  std::vector<std::string> reseeded = kConfig;
  reseeded.push_back("simulation.seed=8");
  const RunOutput second = run_once(reseeded);

  CHECK(first.feedback != second.feedback);
  // The random agent's slates come from the seed: most of the steps both
  // runs share show different slates.
  const auto slates = [](const RunOutput& out) {
    std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::vector<std::int64_t>> by;
    for (const FeedbackKey& k : out.feedback) {
      if (std::get<0>(k) == "random")
        by[{std::get<1>(k), std::get<2>(k), std::get<3>(k)}].push_back(std::get<4>(k));
    }
    return by;
  };
  const auto a = slates(first);
  const auto b = slates(second);
  std::size_t compared = 0, same = 0;
  for (const auto& [key, items] : a) {
    const auto it = b.find(key);
    if (it == b.end())
      continue;
    ++compared;
    same += items == it->second ? 1 : 0;
  }
  CHECK(compared >= kWorldUsers * 2);
  CHECK(same < compared / 10);
  REQUIRE(first.summaries.size() == second.summaries.size());
  bool any_summary_differs = false;
  for (std::size_t i = 0; i < first.summaries.size(); ++i) {
    any_summary_differs = any_summary_differs ||
                          first.summaries[i].mean_reward != second.summaries[i].mean_reward ||
                          first.summaries[i].reward_by_step != second.summaries[i].reward_by_step;
  }
  CHECK(any_summary_differs);
}

}  // namespace
}  // namespace lusifer::testing
