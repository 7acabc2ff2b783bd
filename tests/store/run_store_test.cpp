#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <sstream>

#include "engine/store/run_store.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

RunInfo sample_run() {
  RunInfo info;
  info.run_id = "run-1";
  info.created_at = "2026-11-26T10:00:00Z";
  info.config = "[world]\nusers = 10\n";
  info.git_revision = "abc123";
  info.seed = 7;
  info.backend = "offline";
  info.dataset = "synthetic";
  return info;
}

}  // namespace

TEST_CASE("a new store is created at the current schema version", "[store]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  CHECK(store.schema_version() == RunStore::current_schema_version());
  CHECK_FALSE(store.run_info().has_value());
}

TEST_CASE("rows round-trip through a commit and a reopen", "[store]") {
  testing::TempDir dir;
  const auto file = dir.path() / "run.sqlite";
  {
    RunStore store(file);
    store.begin_run(sample_run());
    store.add(UserRow{42, R"({"age":24,"gender":"M"})", "built", ""});
    store.add(UserRow{43, "{}", "failed", "the LLM answer had no profile after 3 attempts"});
    store.add(ProfileVersionRow{42, 1, "Loves heists.", "", "history-batch", 1, -1, -1});
    store.add(ProfileVersionRow{42, 2, "Loves heists and noir.", "Noir ratings rose.", "history-batch", 2, -1, -1});
    FeedbackRow f;
    f.episode = 3;
    f.step = 4;
    f.user_id = 42;
    f.item_id = 1001;
    f.position = 2;
    f.raw_rating = 2;
    f.calibrated_rating = 3.5;
    f.explanation = "Too slow, \"but\" pretty.";
    f.profile_version = 2;
    store.add(f);
    f.item_id = 1002;
    f.calibrated_rating.reset();
    store.add(f);
    store.add(LlmCallRow{"ab12", 42, "rate-items", 900, 80, 512, 812.5, 2, "ok", false, 0.00018});
    CHECK(store.pending() == 7);
    CHECK(store.commit() == 7);
    CHECK(store.pending() == 0);
    store.set_run_status("finished");
  }
  RunStore store(file);
  const auto run = store.run_info();
  REQUIRE(run.has_value());
  CHECK(run->run_id == "run-1");
  CHECK(run->config == "[world]\nusers = 10\n");
  CHECK(run->seed == 7);
  CHECK(run->status == "finished");

  const auto users = store.users();
  REQUIRE(users.size() == 2);
  CHECK(users[1].profile_status == "failed");
  CHECK(users[1].failure_reason == "the LLM answer had no profile after 3 attempts");

  const auto versions = store.profile_versions(42);
  REQUIRE(versions.size() == 2);
  CHECK(versions[1].change == "Noir ratings rose.");
  CHECK(versions[1].batch == 2);

  const auto feedback = store.feedback();
  REQUIRE(feedback.size() == 2);
  CHECK(feedback[0].calibrated_rating == 3.5);
  CHECK_FALSE(feedback[1].calibrated_rating.has_value());
  CHECK(feedback[0].explanation == "Too slow, \"but\" pretty.");

  const auto calls = store.llm_calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].cached_tokens == 512);
  CHECK(calls[0].attempts == 2);
  CHECK(calls[0].cost_usd == Approx(0.00018));
}

TEST_CASE("a user's row is replaced as its status changes", "[store]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  store.add(UserRow{1, "{}", "none", ""});
  store.commit();
  store.add(UserRow{1, "{}", "built", ""});
  store.commit();
  const auto users = store.users();
  REQUIRE(users.size() == 1);
  CHECK(users[0].profile_status == "built");
}

TEST_CASE("exports write CSV with a header and JSON Lines with types", "[store]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  FeedbackRow f;
  f.user_id = 5;
  f.item_id = 9;
  f.raw_rating = 4;
  f.explanation = "Fun, fast";
  store.add(f);
  store.commit();
  std::ostringstream csv, jsonl;
  CHECK(store.export_table("feedback", RunStore::ExportFormat::kCsv, csv) == 1);
  CHECK(csv.str() ==
        "episode,step,user_id,item_id,position,raw_rating,calibrated_rating,explanation,"
        "profile_version,agent,reward\n-1,-1,5,9,0,4.0,,\"Fun, fast\",0,,\n");
  CHECK(store.export_table("feedback", RunStore::ExportFormat::kJsonLines, jsonl) == 1);
  CHECK(jsonl.str() ==
        "{\"episode\":-1,\"step\":-1,\"user_id\":5,\"item_id\":9,\"position\":0,\"raw_rating\":4,"
        "\"calibrated_rating\":null,\"explanation\":\"Fun, fast\",\"profile_version\":0,"
        "\"agent\":\"\",\"reward\":null}\n");
  CHECK_THROWS_WITH(store.export_table("sqlite_master", RunStore::ExportFormat::kCsv, csv),
                    "unknown table 'sqlite_master'");
}

TEST_CASE("a store from a newer lusifer is refused", "[store]") {
  testing::TempDir dir;
  const auto file = dir.path() / "run.sqlite";
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  CHECK_THROWS_WITH(RunStore(file), Catch::Contains("schema version 999, newer than"));
}

TEST_CASE("an older store is migrated forward", "[store]") {
  testing::TempDir dir;
  const auto file = dir.path() / "run.sqlite";
  { SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); }  // version 0
  RunStore store(file);
  CHECK(store.schema_version() == RunStore::current_schema_version());
  store.add(UserRow{1, "{}", "none", ""});
  CHECK(store.commit() == 1);
}

TEST_CASE("episodes and reward curves round-trip", "[store]") {
  testing::TempDir dir;
  RunStore store(dir.path() / "run.sqlite");
  store.add(EpisodeRow{"linucb", 0, 42, 7, 21.5, "terminated", "dissatisfied"});
  StepMetricsRow step;
  step.agent = "linucb";
  step.step = 3;
  step.users = 100;
  step.mean_reward = 3.25;
  step.left = 2;
  store.add(step);
  FeedbackRow f;
  f.agent = "linucb";
  f.reward = 3.5;
  store.add(f);
  store.commit();
  const auto episodes = store.episodes();
  REQUIRE(episodes.size() == 1);
  CHECK(episodes[0].outcome == "terminated");
  CHECK(episodes[0].total_reward == 21.5);
  const auto steps = store.step_metrics();
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].mean_reward == 3.25);
  CHECK(steps[0].left == 2);
  CHECK(store.feedback().at(0).reward == 3.5);
  CHECK(store.feedback().at(0).agent == "linucb");
}
