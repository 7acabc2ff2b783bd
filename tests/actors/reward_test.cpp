// Rewards as the coordinator computes them, checked row by row in the store:
// the reward kind applied to the stored rating, minus the repeat penalty for
// an item already recommended to the user in this episode and the seen
// penalty for an item of the user's training history.

#include <algorithm>
#include <set>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "engine/rl/reward_model.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

struct PenaltyCounts {
  std::size_t rows = 0;
  std::size_t repeated = 0;
  std::size_t seen = 0;
};

// Calls `check(row, base, repeated, seen)` for every feedback row, where
// `base` is the reward before penalties as the test computes it.
template <class Check>
PenaltyCounts for_each_reward(SimulationFixture& fixture, const StoredRun& run, Check check) {
  PenaltyCounts counts;
  for (const auto& [key, rows] : feedback_by_episode(run.feedback)) {
    const UserIndex user = fixture.user_index(std::get<2>(key));
    const auto& history = fixture.training_items(user);
    std::set<ItemIndex> earlier;  // recommended at earlier steps of this episode
    std::int64_t step = -1;
    std::vector<ItemIndex> this_step;
    for (const FeedbackRow* row : rows) {
      if (row->step != step) {
        earlier.insert(this_step.begin(), this_step.end());
        this_step.clear();
        step = row->step;
      }
      const ItemIndex item = fixture.item_index(row->item_id);
      this_step.push_back(item);
      const bool repeated = earlier.count(item) > 0;
      const bool seen = std::binary_search(history.begin(), history.end(), item);
      REQUIRE(row->reward.has_value());
      check(*row, user, repeated, seen);
      ++counts.rows;
      counts.repeated += repeated ? 1 : 0;
      counts.seen += seen ? 1 : 0;
    }
  }
  return counts;
}

std::vector<std::string> reward_config(std::string_view kind) {
  return {"simulation.horizon=5", "simulation.episodes=2",
          "simulation.reward.kind=\"" + std::string(kind) + "\"",
          "simulation.reward.repeat_penalty=1.5", "simulation.reward.seen_penalty=0.25"};
}

struct RewardRun {
  AgentRunSummary summary;
  StoredRun run;
};

// Random slates that may repeat and include seen items (avoid_seen off), over
// two episodes: the random agent's streams then repeat each episode's slates,
// so the repeat penalty must restart with the episode. The coordinator is
// driven here because [agents.random] options cannot be set through the run
// configuration (see the report on read_run_settings).
RewardRun run_rewards(SimulationFixture& fixture) {
  fixture.build_profiles();
  caf::actor_system& system = fixture.system();
  SimulationRunner& runner = fixture.runner();
  const auto path = fixture.directory() / "rewards.sqlite";
  const caf::actor store = spawn_test_store(system, path);
  const caf::actor agent = spawn_agent_with_options(system, runner, "random", "avoid_seen = false");
  RewardRun out;
  out.summary = run_coordinator(system, coordinator_plan(runner, 0, agent, *runner.users(), store));
  stop_actor(system, store);
  stop_actor(system, agent);
  out.run = read_store(path);
  return out;
}

double penalty(const RewardSettings& r, bool repeated, bool seen) {
  return (repeated ? r.repeat_penalty : 0.0) + (seen ? r.seen_penalty : 0.0);
}

void check_summary_means(const StoredRun& run, const AgentRunSummary& summary) {
  double rewards = 0.0, ratings = 0.0;
  for (const FeedbackRow& row : run.feedback) {
    rewards += row.reward.value_or(0.0);
    ratings += row.raw_rating;
  }
  const auto n = static_cast<double>(run.feedback.size());
  CHECK(summary.rated_items == run.feedback.size());
  CHECK(summary.mean_reward == Approx(rewards / n).epsilon(1e-6));
  CHECK(summary.mean_rating == Approx(ratings / n).epsilon(1e-6));
}

TEST_CASE("rating rewards are the rating minus the repeat and seen penalties",
          "[actors][rewards]") {
  SimulationFixture fixture(reward_config("rating"));
  const auto [summary, run] = run_rewards(fixture);
  const RewardSettings& r = fixture.runner().settings().simulation.reward;
  REQUIRE(r.kind == RewardKind::kRating);

  const auto counts = for_each_reward(
      fixture, run, [&](const FeedbackRow& row, UserIndex, bool repeated, bool seen) {
        INFO("user " << row.user_id << " item " << row.item_id << " episode " << row.episode
                     << " step " << row.step);
        CHECK(*row.reward == Approx(row.raw_rating - penalty(r, repeated, seen)).margin(1e-5));
      });
  CHECK(counts.rows == kWorldUsers * 2 * 5 * 5);
  // Both penalties occur, and most items carry neither.
  CHECK(counts.repeated > 0);
  CHECK(counts.seen > 0);
  CHECK(counts.repeated + counts.seen < counts.rows);
  check_summary_means(run, summary);
}

TEST_CASE("normalized-rating rewards map the rating onto [0, 1] before the penalties",
          "[actors][rewards]") {
  SimulationFixture fixture(reward_config("normalized-rating"));
  const auto [summary, run] = run_rewards(fixture);
  const RewardSettings& r = fixture.runner().settings().simulation.reward;
  const RatingScale& scale = fixture.dataset().scale();
  REQUIRE(scale.max > scale.min);

  const auto counts = for_each_reward(
      fixture, run, [&](const FeedbackRow& row, UserIndex, bool repeated, bool seen) {
        const double base = (row.raw_rating - scale.min) / (scale.max - scale.min);
        CHECK(base >= 0.0);
        CHECK(base <= 1.0);
        CHECK(*row.reward == Approx(base - penalty(r, repeated, seen)).margin(1e-5));
      });
  CHECK(counts.repeated > 0);
  CHECK(counts.seen > 0);
  check_summary_means(run, summary);
}

TEST_CASE("click rewards are 0 or 1 from the item's own stream, clicks follow the rating",
          "[actors][rewards]") {
  SimulationFixture fixture(reward_config("click"));
  const auto [summary, run] = run_rewards(fixture);
  const SimulationSettings& s = fixture.runner().settings().simulation;
  const RatingScale& scale = fixture.dataset().scale();

  std::size_t clicks_high = 0, high = 0, clicks_low = 0, low = 0;
  const auto counts = for_each_reward(
      fixture, run, [&](const FeedbackRow& row, UserIndex user, bool repeated, bool seen) {
        const double click = *row.reward + penalty(s.reward, repeated, seen);
        const bool clicked = click > 0.5;
        CHECK(click == Approx(clicked ? 1.0 : 0.0).margin(1e-5));
        // The draw is the (seed, user, episode, step, position) stream's.
        const RewardContext context{s.seed,
                                    user,
                                    static_cast<std::uint32_t>(row.episode),
                                    static_cast<std::uint32_t>(row.step),
                                    static_cast<std::uint32_t>(row.position),
                                    repeated,
                                    seen};
        CHECK(*row.reward ==
              Approx(reward_of(s.reward, scale, static_cast<float>(row.raw_rating), context))
                  .margin(1e-5));
        const double normalized = normalized_rating(scale, static_cast<float>(row.raw_rating));
        if (normalized >= s.reward.click_midpoint + 0.15) {
          ++high;
          clicks_high += clicked ? 1 : 0;
        } else if (normalized <= s.reward.click_midpoint - 0.15) {
          ++low;
          clicks_low += clicked ? 1 : 0;
        }
      });
  CHECK(counts.repeated > 0);
  CHECK(counts.seen > 0);
  // P(click) is above 0.8 for the high ratings and below 0.2 for the low ones.
  REQUIRE(high > 20);
  REQUIRE(low > 20);
  CHECK(static_cast<double>(clicks_high) / static_cast<double>(high) > 0.65);
  CHECK(static_cast<double>(clicks_low) / static_cast<double>(low) < 0.35);
  check_summary_means(run, summary);
}

}  // namespace
}  // namespace lusifer::testing
