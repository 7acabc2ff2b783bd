// Episode semantics of a whole run: the horizon truncates, leaving
// terminates, and the store's episodes, feedback and step rows agree with each
// other and with the coordinator's summaries; the runner releases the split
// when the agents are built.

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "engine/rl/reward_model.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

// Checks what must hold in any run: every episode row's step count matches
// its feedback rows (the offline model rates every item), its total reward is
// the sum of theirs, and the summaries count what the tables hold.
void check_consistency(const StoredRun& run, const std::vector<AgentRunSummary>& summaries,
                       const RunSettings& settings) {
  const std::uint32_t k = settings.simulation.slate_size;
  const auto by_episode = feedback_by_episode(run.feedback);
  REQUIRE(run.episodes.size() == summaries.size() * settings.simulation.episodes * kWorldUsers);
  REQUIRE(by_episode.size() == run.episodes.size());
  for (const EpisodeRow& e : run.episodes) {
    INFO(e.agent << " episode " << e.episode << " user " << e.user_id);
    const auto it = by_episode.find({e.agent, e.episode, e.user_id});
    REQUIRE(it != by_episode.end());
    const auto& rows = it->second;
    REQUIRE(rows.size() == static_cast<std::size_t>(e.steps) * k);
    double total = 0.0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CHECK(rows[i]->step == static_cast<std::int64_t>(i / k));
      CHECK(rows[i]->position == static_cast<std::int32_t>(i % k));
      REQUIRE(rows[i]->reward.has_value());
      total += *rows[i]->reward;
    }
    CHECK(e.total_reward == Approx(total).margin(1e-3));
  }
  for (const AgentRunSummary& s : summaries) {
    INFO(s.agent);
    std::uint64_t steps = 0, rows = 0, left = 0, truncated = 0;
    for (const EpisodeRow& e : run.episodes) {
      if (e.agent != s.agent)
        continue;
      steps += static_cast<std::uint64_t>(e.steps);
      left += e.outcome == "terminated" ? 1 : 0;
      truncated += e.outcome == "truncated" ? 1 : 0;
    }
    for (const FeedbackRow& f : run.feedback)
      rows += f.agent == s.agent ? 1 : 0;
    CHECK(s.user_steps == steps);
    CHECK(s.rated_items == rows);
    CHECK(s.left == left);
    CHECK(s.truncated == truncated);
    CHECK(left + truncated == settings.simulation.episodes * kWorldUsers);
    CHECK(s.late == 0);
    CHECK(s.failed == 0);
    // Step rows: users active at each step, items rated, users leaving.
    std::int64_t metric_rated = 0, metric_left = 0, metric_users = 0;
    for (const StepMetricsRow& m : run.steps) {
      if (m.agent != s.agent)
        continue;
      metric_rated += m.rated;
      metric_left += m.left;
      metric_users += m.users;
      CHECK(m.rated == m.users * static_cast<std::int64_t>(k));
      CHECK(m.late == 0);
      CHECK(m.failed == 0);
    }
    CHECK(static_cast<std::uint64_t>(metric_rated) == rows);
    CHECK(static_cast<std::uint64_t>(metric_left) == left);
    CHECK(static_cast<std::uint64_t>(metric_users) == steps);
  }
}

// The step (1-based count) at which the leaving rule of `leaving` ends an
// episode with these per-step mean normalised ratings, or 0 if it never does.
// Written out here, apart from the satisfaction model, with boredom off.
std::size_t expected_leaving_step(const std::vector<double>& step_means,
                                  const SatisfactionSettings& leaving) {
  for (std::size_t s = 1; s <= step_means.size(); ++s) {
    if (s < leaving.patience || s < leaving.window)
      continue;
    const double mean =
        std::accumulate(step_means.begin() + static_cast<std::ptrdiff_t>(s - leaving.window),
                        step_means.begin() + static_cast<std::ptrdiff_t>(s), 0.0) /
        static_cast<double>(leaving.window);
    if (mean < leaving.leave_below)
      return s;
  }
  return 0;
}

struct LeavingCounts {
  std::size_t terminated = 0;
  std::size_t truncated = 0;
};

// Checks each episode's outcome and length against the leaving rule applied
// to its own feedback rows.
LeavingCounts check_leaving(const StoredRun& run, const RunSettings& settings,
                            const RatingScale& scale) {
  const auto by_episode = feedback_by_episode(run.feedback);
  const std::uint32_t horizon = settings.simulation.horizon;
  LeavingCounts counts;
  for (const EpisodeRow& e : run.episodes) {
    INFO(e.agent << " episode " << e.episode << " user " << e.user_id);
    const auto& rows = by_episode.at({e.agent, e.episode, e.user_id});
    std::vector<double> sums(static_cast<std::size_t>(e.steps), 0.0);
    std::vector<int> counts_by_step(sums.size(), 0);
    for (const FeedbackRow* row : rows) {
      const auto step = static_cast<std::size_t>(row->step);
      sums[step] += normalized_rating(scale, static_cast<float>(row->raw_rating));
      ++counts_by_step[step];
    }
    std::vector<double> means;
    for (std::size_t s = 0; s < sums.size(); ++s)
      means.push_back(sums[s] / counts_by_step[s]);
    const std::size_t leaves_at = expected_leaving_step(means, settings.simulation.leaving);
    if (leaves_at > 0) {
      CHECK(e.outcome == "terminated");
      CHECK(e.reason == "dissatisfied");
      CHECK(static_cast<std::size_t>(e.steps) == leaves_at);
      ++counts.terminated;
    } else {
      CHECK(e.outcome == "truncated");
      CHECK(e.steps == static_cast<std::int32_t>(horizon));
      ++counts.truncated;
    }
  }
  return counts;
}

TEST_CASE("the horizon truncates every episode after exactly H steps", "[actors][episodes]") {
  SimulationFixture fixture(
      {"simulation.horizon=4", "simulation.episodes=2", R"(agents.run=["random", "popularity"])"});
  fixture.build_profiles();
  const auto summaries = fixture.runner().run_agents();
  const StoredRun run = fixture.finish();
  const RunSettings& settings = fixture.runner().settings();

  REQUIRE(summaries.size() == 2);
  for (const AgentRunSummary& s : summaries) {
    INFO(s.agent);
    CHECK(s.user_steps == kWorldUsers * 4 * 2);
    CHECK(s.truncated == kWorldUsers * 2);
    CHECK(s.left == 0);
    CHECK(s.rated_items == kWorldUsers * 4 * 2 * 5);
    CHECK(s.reward_by_step.size() == 4);
  }
  REQUIRE(run.episodes.size() == 2 * 2 * kWorldUsers);
  for (const EpisodeRow& e : run.episodes) {
    CHECK(e.outcome == "truncated");
    CHECK(e.reason.empty());
    CHECK(e.steps == 4);
  }
  CHECK(run.feedback.size() == 2 * 2 * kWorldUsers * 4 * 5);
  // One step row per (agent, episode, step), each with every user active.
  REQUIRE(run.steps.size() == 2 * 2 * 4);
  for (const StepMetricsRow& m : run.steps) {
    CHECK(m.users == static_cast<std::int64_t>(kWorldUsers));
    CHECK(m.left == 0);
  }
  check_consistency(run, summaries, settings);
}

TEST_CASE("run_agents releases the split once the last agent is built", "[actors][episodes]") {
  SimulationFixture fixture({"simulation.horizon=2", R"(agents.run=["random", "popularity"])"});
  fixture.build_profiles();
  REQUIRE_FALSE(fixture.runner().split().train.empty());
  REQUIRE_FALSE(fixture.runner().split().test.empty());
  const std::string name = fixture.runner().split().name;
  // The second agent is built from the same training ratings as the first:
  // both see every user's training items as seen.
  const auto summaries = fixture.runner().run_agents();
  REQUIRE(summaries.size() == 2);
  CHECK(summaries[0].rated_items == summaries[1].rated_items);
  CHECK(fixture.runner().split().train.empty());
  CHECK(fixture.runner().split().test.empty());
  CHECK(fixture.runner().split().name == name);
  CHECK_THROWS_AS(fixture.runner().run_agents(), std::logic_error);
  fixture.finish();
}

TEST_CASE("a strict leaving threshold terminates every episode before the horizon",
          "[actors][episodes]") {
  SimulationFixture fixture({"simulation.horizon=6", "simulation.leaving.enabled=true",
                             "simulation.leaving.window=2", "simulation.leaving.patience=2",
                             "simulation.leaving.leave_below=0.99",
                             "simulation.leaving.boredom_per_repeat=0.0"});
  fixture.build_profiles();
  const auto summaries = fixture.runner().run_agents();
  const StoredRun run = fixture.finish();
  const RunSettings& settings = fixture.runner().settings();

  REQUIRE(summaries.size() == 1);
  CHECK(summaries[0].left == kWorldUsers);
  CHECK(summaries[0].truncated == 0);
  REQUIRE(run.episodes.size() == kWorldUsers);
  for (const EpisodeRow& e : run.episodes) {
    CHECK(e.outcome == "terminated");
    CHECK(e.steps < 6);
    CHECK(e.steps >= 2);  // the window must fill first
  }
  const LeavingCounts counts = check_leaving(run, settings, fixture.dataset().scale());
  CHECK(counts.terminated == kWorldUsers);
  check_consistency(run, summaries, settings);
}

TEST_CASE("a moderate leaving threshold ends each episode where the rule says",
          "[actors][episodes]") {
  SimulationFixture fixture({"simulation.horizon=6", "simulation.episodes=2",
                             "simulation.leaving.enabled=true", "simulation.leaving.window=2",
                             "simulation.leaving.patience=3", "simulation.leaving.leave_below=0.72",
                             "simulation.leaving.boredom_per_repeat=0.0"});
  fixture.build_profiles();
  const auto summaries = fixture.runner().run_agents();
  const StoredRun run = fixture.finish();
  const RunSettings& settings = fixture.runner().settings();

  const LeavingCounts counts = check_leaving(run, settings, fixture.dataset().scale());
  // The threshold sits inside the spread of the users' ratings: both
  // outcomes occur, so the rule is tested on both sides.
  CHECK(counts.terminated > 0);
  CHECK(counts.truncated > 0);
  check_consistency(run, summaries, settings);
}

}  // namespace
}  // namespace lusifer::testing
