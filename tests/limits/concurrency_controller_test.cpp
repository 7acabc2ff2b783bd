#include "engine/limits/concurrency_controller.hpp"

#include <catch2/catch.hpp>

#include "tests/limits/fake_clock.hpp"

using namespace lusifer::limits;
using lusifer::limits::testing::at;
using lusifer::limits::testing::kStart;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

ConcurrencyConfig config(int min, int max, int initial) {
  ConcurrencyConfig c;
  c.min_limit = min;
  c.max_limit = max;
  c.initial_limit = initial;
  c.decrease_interval = seconds(2);
  return c;
}

// Fills every slot, then completes them all successfully: one window.
void saturated_round(ConcurrencyController& controller) {
  int started = 0;
  while (controller.try_acquire())
    ++started;
  for (int i = 0; i < started; ++i)
    controller.on_success();
}

}  // namespace

TEST_CASE("in-flight requests are capped at the limit", "[limits][aimd]") {
  ConcurrencyController controller(config(1, 10, 3));
  CHECK(controller.try_acquire());
  CHECK(controller.try_acquire());
  CHECK(controller.try_acquire());
  CHECK_FALSE(controller.try_acquire());
  CHECK(controller.in_flight() == 3);
  controller.on_other_failure();
  CHECK(controller.in_flight() == 2);
  CHECK(controller.limit() == 3);  // a neutral failure changes nothing
  CHECK(controller.try_acquire());
}

TEST_CASE("additive increase: +1 per saturated window of successes", "[limits][aimd]") {
  ConcurrencyController controller(config(1, 6, 3));
  saturated_round(controller);  // 3 successes at limit 3
  CHECK(controller.limit() == 4);
  saturated_round(controller);  // 4 at limit 4
  CHECK(controller.limit() == 5);
  // Fewer successes than the limit are not yet a window.
  for (int i = 0; i < 4; ++i)
    REQUIRE(controller.try_acquire());
  for (int i = 0; i < 4; ++i)
    controller.on_success();
  CHECK(controller.limit() == 5);
  saturated_round(controller);
  CHECK(controller.limit() == 6);
  // Bounded by max_limit.
  for (int round = 0; round < 5; ++round)
    saturated_round(controller);
  CHECK(controller.limit() == 6);
}

TEST_CASE("an unused limit does not creep up", "[limits][aimd]") {
  ConcurrencyController controller(config(1, 64, 4));
  // One request at a time never reaches the limit of 4.
  for (int i = 0; i < 100; ++i) {
    REQUIRE(controller.try_acquire());
    controller.on_success();
  }
  CHECK(controller.limit() == 4);
}

TEST_CASE("multiplicative decrease, bounded below", "[limits][aimd]") {
  ConcurrencyController controller(config(2, 64, 20));
  for (int i = 0; i < 20; ++i)
    REQUIRE(controller.try_acquire());
  controller.on_overload(at(seconds(0)));
  CHECK(controller.limit() == 10);
  controller.on_overload(at(seconds(2)));
  CHECK(controller.limit() == 5);
  controller.on_overload(at(seconds(4)));
  CHECK(controller.limit() == 2);  // floor(2.5)
  controller.on_overload(at(seconds(6)));
  CHECK(controller.limit() == 2);  // min_limit
  CHECK(controller.in_flight() == 16);
  // Over the limit: nothing new starts until the count drops below it.
  CHECK_FALSE(controller.try_acquire());
}

TEST_CASE("at most one decrease per interval: one congestion event, one cut", "[limits][aimd]") {
  ConcurrencyController controller(config(1, 64, 32));
  for (int i = 0; i < 32; ++i)
    REQUIRE(controller.try_acquire());
  // Everything in flight fails within 300 ms: one cut, not five.
  for (int i = 0; i < 32; ++i)
    controller.on_overload(at(milliseconds(10 * i)));
  CHECK(controller.limit() == 16);
  CHECK(controller.decreases() == 1);
  REQUIRE(controller.try_acquire());
  controller.on_overload(at(milliseconds(1999)));
  CHECK(controller.limit() == 16);
  REQUIRE(controller.try_acquire());
  controller.on_overload(at(seconds(2)));
  CHECK(controller.limit() == 8);
  CHECK(controller.decreases() == 2);
}

TEST_CASE("the controller rejects nonsense", "[limits][aimd]") {
  CHECK_THROWS_AS(ConcurrencyController(config(0, 4, 1)), std::invalid_argument);
  CHECK_THROWS_AS(ConcurrencyController(config(2, 4, 5)), std::invalid_argument);
  ConcurrencyController controller(config(1, 4, 1));
  CHECK_THROWS_AS(controller.on_success(), std::logic_error);
  (void)kStart;
}
