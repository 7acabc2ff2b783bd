#include <catch2/catch.hpp>

#include "engine/store/run_store.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

FeedbackRow feedback(std::int64_t step, std::int64_t user) {
  FeedbackRow r;
  r.agent = "random";
  r.episode = 0;
  r.step = step;
  r.user_id = user;
  r.item_id = 100 + step;
  r.raw_rating = 4.0;
  r.reward = 4.0;
  return r;
}

ProfileVersionRow version(std::int64_t user, std::int32_t number) {
  return ProfileVersionRow{user, number, "text", "", "feedback", 0, 0, number};
}

CheckpointRecord checkpoint_at(std::int64_t step) {
  CheckpointRecord c;
  c.agent_index = 0;
  c.agent = "random";
  c.episode = 0;
  c.step = step;
  c.coordinator = std::string("coord\0bytes", 11);
  c.agent_state = "agent-" + std::to_string(step);
  c.users = {{3, "u3-" + std::to_string(step)}, {5, std::string("u5\0", 3)}};
  return c;
}

}  // namespace

TEST_CASE("the run records the directory its config's paths resolve against",
          "[store][checkpoint]") {
  testing::TempDir dir;
  const auto file = dir.path() / "run.sqlite";
  {
    RunStore store(file);
    RunInfo info;
    info.run_id = "r";
    info.config = "[data]\npath = \"world\"\n";
    info.config_directory = "/srv/configs";
    store.begin_run(info);
  }
  const auto info = RunStore(file).run_info();
  REQUIRE(info.has_value());
  CHECK(info->config_directory == "/srv/configs");
  CHECK(info->config == "[data]\npath = \"world\"\n");
}

TEST_CASE("a store without a checkpoint reports none", "[store][checkpoint]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  CHECK_FALSE(store.checkpoint().has_value());
}

TEST_CASE("a checkpoint commits with the rows before it and replaces the previous one",
          "[store][checkpoint]") {
  testing::TempDir dir;
  const auto file = dir.path() / "run.sqlite";
  {
    RunStore store(file);
    store.add(feedback(0, 1));
    store.add(version(1, 2));
    store.add(checkpoint_at(1));
    store.commit();
    store.add(feedback(1, 1));
    store.add(feedback(1, 2));
    store.add(checkpoint_at(2));
    store.commit();
  }
  RunStore store(file);
  const auto c = store.checkpoint();
  REQUIRE(c.has_value());
  CHECK(c->step == 2);
  CHECK(c->agent == "random");
  CHECK(c->coordinator == std::string("coord\0bytes", 11));
  CHECK(c->agent_state == "agent-2");
  REQUIRE(c->users.size() == 2);
  CHECK(c->users[0] == std::pair<std::uint32_t, std::string>{3, "u3-2"});
  CHECK(c->users[1].second == std::string("u5\0", 3));
  CHECK(c->feedback_mark == 3);
  CHECK(c->versions_mark == 1);
}

TEST_CASE("rewinding removes exactly the rows written after the checkpoint",
          "[store][checkpoint]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  store.add(UserRow{1, "{}", "built", ""});
  store.add(feedback(0, 1));
  store.add(feedback(0, 2));
  store.add(version(1, 1));
  store.add(checkpoint_at(1));
  store.commit();
  // Written after the checkpoint, as a crash would leave them.
  store.add(feedback(1, 1));
  store.add(version(1, 2));
  store.add(EpisodeRow{"random", 0, 1, 2, 8.0, "truncated", ""});
  store.add(StepMetricsRow{"random", 0, 1, 2, 4.0, 4.0, 2, 0, 0, 0, 0.1});
  store.commit();

  const RewindReport report = store.rewind_to_checkpoint();
  CHECK(report.from_checkpoint);
  CHECK(report.feedback == 1);
  CHECK(report.versions == 1);
  CHECK(report.episodes == 1);
  CHECK(report.steps == 1);
  CHECK(store.feedback().size() == 2);
  CHECK(store.profile_versions().size() == 1);
  CHECK(store.episodes().empty());
  CHECK(store.step_metrics().empty());
  CHECK(store.users().size() == 1);
  // The same rows written again fit: nothing left behind collides with them.
  store.add(version(1, 2));
  store.add(feedback(1, 1));
  store.commit();
  CHECK(store.profile_versions().size() == 2);
  CHECK(store.feedback().size() == 3);
  // Rewinding again removes them again: the checkpoint is still the latest.
  CHECK(store.rewind_to_checkpoint().feedback == 1);
}

TEST_CASE("rewinding without a checkpoint empties every result table but the call log",
          "[store][checkpoint]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  store.add(UserRow{1, "{}", "built", ""});
  store.add(version(1, 1));
  store.add(feedback(0, 1));
  store.add(LlmCallRow{"f", 1, "rate-items", 10, 5, 0, 1.5, 1, "ok", false, 0.0});
  store.commit();
  const RewindReport report = store.rewind_to_checkpoint();
  CHECK_FALSE(report.from_checkpoint);
  CHECK(report.users == 1);
  CHECK(store.users().empty());
  CHECK(store.profile_versions().empty());
  CHECK(store.feedback().empty());
  CHECK(store.llm_calls().size() == 1);
}
