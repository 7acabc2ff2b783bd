#include "engine/gateway/rating_batcher.hpp"

#include <catch2/catch.hpp>

using namespace lusifer;

namespace {

LlmTask rate(UserIndex user, std::vector<ItemIndex> items, std::string profile = "p") {
  LlmTask t;
  t.kind = TaskKind::kRateItems;
  t.user = user;
  t.profile = std::move(profile);
  t.candidates = std::move(items);
  return t;
}

}  // namespace

TEST_CASE("requests of one user merge into one batch until it is full", "[batcher]") {
  RatingBatcher batcher(5);
  auto a = batcher.add(1, rate(7, {10, 11}));
  CHECK(a.full.empty());
  REQUIRE(a.opened_window.has_value());
  auto b = batcher.add(2, rate(7, {12}, "newer profile"));
  CHECK(b.full.empty());
  CHECK_FALSE(b.opened_window.has_value());  // the window of request 1 is still running
  auto batch = batcher.take(7, *a.opened_window);
  REQUIRE(batch.has_value());
  CHECK(batch->task.candidates == std::vector<ItemIndex>{10, 11, 12});
  CHECK(batch->task.profile == "newer profile");
  REQUIRE(batch->parts.size() == 2);
  CHECK(batch->parts[1].items == std::vector<ItemIndex>{12});
  CHECK_FALSE(batcher.take(7, *a.opened_window).has_value());
}

TEST_CASE("a batch never exceeds max items; a large request is split", "[batcher]") {
  RatingBatcher batcher(3);
  auto a = batcher.add(1, rate(1, {1, 2, 3, 4, 5, 6, 7}));
  REQUIRE(a.full.size() == 2);
  CHECK(a.full[0].task.candidates == std::vector<ItemIndex>{1, 2, 3});
  CHECK(a.full[1].task.candidates == std::vector<ItemIndex>{4, 5, 6});
  REQUIRE(a.opened_window.has_value());
  auto rest = batcher.take(1, *a.opened_window);
  REQUIRE(rest.has_value());
  CHECK(rest->task.candidates == std::vector<ItemIndex>{7});
}

TEST_CASE("a batch that fills up is sent and a stale window timer takes nothing", "[batcher]") {
  RatingBatcher batcher(2);
  auto a = batcher.add(1, rate(1, {1}));
  auto b = batcher.add(2, rate(1, {2}));
  REQUIRE(b.full.size() == 1);
  CHECK_FALSE(b.opened_window.has_value());
  auto c = batcher.add(3, rate(1, {3}));
  REQUIRE(c.opened_window.has_value());
  CHECK_FALSE(batcher.take(1, *a.opened_window).has_value());  // request 1's window is over
  CHECK(batcher.take(1, *c.opened_window)->task.candidates == std::vector<ItemIndex>{3});
}

TEST_CASE("an item asked twice is asked once and given to both requests", "[batcher]") {
  RatingBatcher batcher(4);
  auto a = batcher.add(1, rate(1, {5, 6}));
  batcher.add(2, rate(1, {6, 7}));
  auto batch = batcher.take(1, *a.opened_window);
  CHECK(batch->task.candidates == std::vector<ItemIndex>{5, 6, 7});
  LlmTaskResult answer;
  answer.ratings = {{5, 4.0f, "a"}, {6, 2.0f, "b"}};  // 7 is missing
  const auto first = RatingBatcher::result_for(batch->parts[0], answer);
  const auto second = RatingBatcher::result_for(batch->parts[1], answer);
  CHECK(first.ratings.size() == 2);
  CHECK(first.missing.empty());
  REQUIRE(second.ratings.size() == 1);
  CHECK(second.ratings[0].item == 6);
  CHECK(second.missing == std::vector<ItemIndex>{7});
  CHECK_FALSE(second.problem.empty());
}

TEST_CASE("users are batched separately and only rating tasks are accepted", "[batcher]") {
  RatingBatcher batcher(4);
  auto a = batcher.add(1, rate(1, {5}));
  auto b = batcher.add(2, rate(2, {5}));
  CHECK(a.opened_window.has_value());
  CHECK(b.opened_window.has_value());
  CHECK(batcher.open_batches() == 2);
  LlmTask profile;
  profile.kind = TaskKind::kCreateProfile;
  CHECK_THROWS_AS(batcher.add(3, profile), std::invalid_argument);
  CHECK_THROWS_AS(batcher.add(4, rate(1, {})), std::invalid_argument);
}

TEST_CASE("a request that fills a batch alone is sent at once, whole", "[batcher]") {
  RatingBatcher batcher(2);
  auto a = batcher.add(1, rate(4, {8, 9}, "profile of 4"));
  REQUIRE(a.full.size() == 1);
  CHECK_FALSE(a.opened_window.has_value());
  CHECK_FALSE(batcher.has_open(4));
  CHECK(a.full[0].task.candidates == std::vector<ItemIndex>{8, 9});
  CHECK(a.full[0].task.profile == "profile of 4");
  REQUIRE(a.full[0].parts.size() == 1);
  CHECK(a.full[0].parts[0].request == 1);
  CHECK(a.full[0].parts[0].items == std::vector<ItemIndex>{8, 9});
  // An item named twice is asked once: the batch is not full, it stays open.
  auto b = batcher.add(2, rate(4, {5, 5}));
  CHECK(b.full.empty());
  REQUIRE(b.opened_window.has_value());
  CHECK(b.opened_window != a.full[0].window);
  auto open = batcher.take(4, *b.opened_window);
  REQUIRE(open.has_value());
  CHECK(open->task.candidates == std::vector<ItemIndex>{5});
  CHECK(open->parts[0].items == std::vector<ItemIndex>{5, 5});
  // With a batch open for the user, a filling request joins it (and overflows).
  batcher.add(3, rate(4, {1}));
  auto c = batcher.add(4, rate(4, {2, 3}));
  REQUIRE(c.full.size() == 1);
  CHECK(c.full[0].task.candidates == std::vector<ItemIndex>{1, 2});
  CHECK(c.opened_window.has_value());
}
