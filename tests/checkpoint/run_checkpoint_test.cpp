#include "engine/rl/run_checkpoint.hpp"

#include <cstring>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"

using namespace lusifer;

namespace {

OfflineUserState offline_state(UserIndex user, float shift) {
  OfflineUserState s;
  s.user = user;
  s.taste.rated = 40;
  s.taste.mean = 3.7f + shift;
  s.taste.genres = {{3, 0.25f, 12}, {9, -0.5f, 4}};
  s.taste.themes = {{1201, 0.125f, 3}};
  s.taste.eras = {{1990, -0.0625f, 7}};
  s.drift = {{3, 0.75f}, {5, -0.1f}};
  s.pending = {{17, 4.0f, 1'000'002}};
  s.updates = 6;
  return s;
}

UserCheckpoint sample_user() {
  UserCheckpoint c;
  c.user = 42;
  c.versions = {
      {1, "likes slow sci-fi", "", "history-batch", 1, -1, -1},
      {2, "likes slow sci-fi, \xc3\xa9pique westerns", "westerns rated high", "history-batch", 2,
       -1, -1},
      {7, "tired of westerns", "three westerns rated 2", "feedback", 0, 1, 4},
  };
  c.base_versions = 2;
  c.last_version = 7;
  c.window = {{5, 4.5f, 10}, {8, 1.0f, 1'000'003}, {13, 3.0f, 1'000'004}};
  c.since_update = {{13, 3.0f, 1'000'004}};
  c.offline = offline_state(42, 0.25f);
  c.offline_base = offline_state(42, 0.0f);
  c.episode = 1;
  return c;
}

void check_same(const UserCheckpoint& a, const UserCheckpoint& b) {
  CHECK(a.user == b.user);
  CHECK(a.versions == b.versions);
  CHECK(a.base_versions == b.base_versions);
  CHECK(a.last_version == b.last_version);
  CHECK(a.window == b.window);
  REQUIRE(a.since_update.size() == b.since_update.size());
  REQUIRE(a.offline.has_value() == b.offline.has_value());
  if (a.offline) {
    CHECK(a.offline->taste == b.offline->taste);
    CHECK(a.offline->drift == b.offline->drift);
    CHECK(a.offline->updates == b.offline->updates);
    CHECK(a.offline->pending.size() == b.offline->pending.size());
  }
  REQUIRE(a.offline_base.has_value() == b.offline_base.has_value());
  if (a.offline_base)
    CHECK(a.offline_base->taste == b.offline_base->taste);
  CHECK(a.episode == b.episode);
}

CoordinatorCheckpoint sample_coordinator() {
  CoordinatorCheckpoint c;
  c.agent_index = 1;
  c.agent = "linucb";
  c.episode = 2;
  c.steps_closed = 45;
  SlotCheckpoint active;
  active.step = 5;
  active.total_reward = 17.25;
  active.recommended = {3, 9, 27};
  active.satisfaction = SatisfactionState{{0.5, 0.75, 0.25}, 0.4375, 5};
  active.profile_version = 9;
  SlotCheckpoint left;
  left.active = false;
  left.step = 3;
  left.total_reward = -1.5;
  left.outcome = "terminated";
  left.reason = "bored by repeated items";
  c.slots = {active, left};
  c.steps = {{2, 20, 0, 1, 0, 61.5, 70.0, 0.125}, {2, 19, 1, 0, 1, 40.0, 55.5, 0.25}};
  c.totals = AgentRunSummary{"linucb", 90, 880, 1, 2, 3, 40, 0.0, 0.0, 0.0, {}};
  c.reward_sum_by_step = {120.0, 118.5};
  c.rated_by_step = {40, 39};
  c.rating_sum = 3.0e3;
  c.last_mean_reward = 3.03125;
  c.completed = {AgentRunSummary{"random", 200, 2000, 0, 0, 0, 40, 1.5, 2.5, 3.25, {2.0, 3.0}}};
  return c;
}

}  // namespace

TEST_CASE("a user's state survives encoding bit for bit", "[checkpoint]") {
  const UserCheckpoint original = sample_user();
  const std::string bytes = encode_user_checkpoint(original);
  check_same(decode_user_checkpoint(bytes, "test"), original);
  // Encoding is a function of the state: equal states, equal bytes.
  CHECK(encode_user_checkpoint(decode_user_checkpoint(bytes, "test")) == bytes);
}

TEST_CASE("a user without offline state or versions round-trips", "[checkpoint]") {
  UserCheckpoint empty;
  empty.user = 3;
  const auto back = decode_user_checkpoint(encode_user_checkpoint(empty), "test");
  check_same(back, empty);
  CHECK_FALSE(back.offline.has_value());
}

TEST_CASE("corrupted or truncated user state is refused", "[checkpoint]") {
  const std::string bytes = encode_user_checkpoint(sample_user());
  SECTION("every single flipped byte") {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0x20);
      CHECK_THROWS_AS(decode_user_checkpoint(bad, "user 42"), InputError);
    }
  }
  SECTION("every truncation") {
    for (std::size_t size = 0; size < bytes.size(); ++size)
      CHECK_THROWS_AS(decode_user_checkpoint(bytes.substr(0, size), "user 42"), InputError);
  }
  SECTION("trailing bytes") {
    CHECK_THROWS_AS(decode_user_checkpoint(bytes + "x", "user 42"), InputError);
  }
  SECTION("the error names the source") {
    try {
      decode_user_checkpoint(bytes.substr(0, bytes.size() - 3), "the checkpoint of user 42");
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("the checkpoint of user 42"));
    }
  }
}

TEST_CASE("one kind of checkpoint is not taken for the other", "[checkpoint]") {
  const std::string user = encode_user_checkpoint(sample_user());
  const std::string coordinator = encode_coordinator_checkpoint(sample_coordinator());
  CHECK_THROWS_AS(decode_coordinator_checkpoint(user, "test"), InputError);
  CHECK_THROWS_AS(decode_user_checkpoint(coordinator, "test"), InputError);
}

TEST_CASE("the coordinator's state round-trips", "[checkpoint]") {
  const CoordinatorCheckpoint original = sample_coordinator();
  const std::string bytes = encode_coordinator_checkpoint(original);
  const CoordinatorCheckpoint back = decode_coordinator_checkpoint(bytes, "test");
  CHECK(back.agent_index == 1);
  CHECK(back.agent == "linucb");
  CHECK(back.episode == 2);
  CHECK(back.steps_closed == 45);
  REQUIRE(back.slots.size() == 2);
  CHECK(back.slots[0].active);
  CHECK(back.slots[0].recommended == std::vector<ItemIndex>{3, 9, 27});
  REQUIRE(back.slots[0].satisfaction.has_value());
  CHECK(back.slots[0].satisfaction->recent == std::vector<double>{0.5, 0.75, 0.25});
  CHECK(back.slots[0].satisfaction->boredom == 0.4375);
  CHECK(back.slots[0].satisfaction->steps == 5);
  CHECK(back.slots[0].profile_version == 9);
  CHECK_FALSE(back.slots[1].active);
  CHECK_FALSE(back.slots[1].satisfaction.has_value());
  CHECK(back.slots[1].reason == "bored by repeated items");
  REQUIRE(back.steps.size() == 2);
  CHECK(back.steps[1].reward_sum == 40.0);
  CHECK(back.steps[1].seconds == 0.25);
  CHECK(back.totals.rated_items == 880);
  CHECK(back.rated_by_step == std::vector<std::int64_t>{40, 39});
  CHECK(back.reward_sum_by_step == std::vector<double>{120.0, 118.5});
  CHECK(back.last_mean_reward == 3.03125);
  REQUIRE(back.completed.size() == 1);
  CHECK(back.completed[0].reward_by_step == std::vector<double>{2.0, 3.0});
  CHECK(encode_coordinator_checkpoint(back) == bytes);
}

TEST_CASE("corrupted coordinator state is refused", "[checkpoint]") {
  const std::string bytes = encode_coordinator_checkpoint(sample_coordinator());
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CHECK_THROWS_AS(decode_coordinator_checkpoint(bad, "test"), InputError);
  }
  CHECK_THROWS_AS(decode_coordinator_checkpoint(bytes.substr(0, bytes.size() / 2), "test"),
                  InputError);
}

TEST_CASE("a satisfaction restored from its state decides as the original", "[checkpoint]") {
  SatisfactionSettings settings;
  settings.enabled = true;
  settings.window = 3;
  settings.patience = 3;
  Satisfaction original(settings);
  original.observe(0.5, 1);
  original.observe(0.3, 0);
  Satisfaction restored(settings);
  restored.restore(original.state());
  for (const double mean : {0.2, 0.1, 0.9, 0.05}) {
    CHECK(restored.observe(mean, 2) == original.observe(mean, 2));
    CHECK(restored.boredom() == original.boredom());
    CHECK(restored.recent_mean() == original.recent_mean());
  }
}
