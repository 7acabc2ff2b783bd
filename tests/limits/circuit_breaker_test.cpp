#include "engine/limits/circuit_breaker.hpp"

#include <vector>

#include <catch2/catch.hpp>

#include "tests/limits/fake_clock.hpp"

using namespace lusifer::limits;
using lusifer::limits::testing::at;
using lusifer::limits::testing::kStart;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

CircuitBreakerConfig config() {
  CircuitBreakerConfig c;
  c.consecutive_failures = 3;
  c.window_size = 0;  // ratio rule off unless a test turns it on
  c.cool_down = seconds(30);
  c.quota_cool_down = minutes(10);
  c.half_open_probes = 1;
  c.probe_successes_to_close = 1;
  return c;
}

void call(CircuitBreaker& breaker, CallOutcome outcome, TimePoint now) {
  const auto permit = breaker.acquire(now);
  REQUIRE(permit.allowed());
  breaker.record(permit, outcome, now);
}

}  // namespace

TEST_CASE("the breaker opens after N consecutive failures", "[limits][breaker]") {
  CircuitBreaker breaker(config());
  call(breaker, CallOutcome::kFailure, kStart);
  call(breaker, CallOutcome::kFailure, kStart);
  call(breaker, CallOutcome::kSuccess, kStart);  // breaks the run
  call(breaker, CallOutcome::kFailure, kStart);
  call(breaker, CallOutcome::kFailure, kStart);
  CHECK(breaker.state(kStart) == BreakerState::kClosed);
  call(breaker, CallOutcome::kFailure, at(seconds(1)));
  CHECK(breaker.state(at(seconds(1))) == BreakerState::kOpen);
  CHECK(breaker.last_open_reason() == OpenReason::kConsecutiveFailures);
  CHECK(breaker.acquire(at(seconds(2))).kind == PermitKind::kDenied);
  CHECK(breaker.open_until() == at(seconds(31)));
}

TEST_CASE("throttling and uncounted errors are not failures", "[limits][breaker]") {
  CircuitBreaker breaker(config());
  for (int i = 0; i < 10; ++i) {
    call(breaker, CallOutcome::kThrottled, kStart);
    call(breaker, CallOutcome::kNotCounted, kStart);
  }
  call(breaker, CallOutcome::kFailure, kStart);
  call(breaker, CallOutcome::kThrottled, kStart);  // does not break the run either
  call(breaker, CallOutcome::kFailure, kStart);
  CHECK(breaker.state(kStart) == BreakerState::kClosed);
  call(breaker, CallOutcome::kFailure, kStart);
  CHECK(breaker.state(kStart) == BreakerState::kOpen);
}

TEST_CASE("half-open lets a limited number of probes through", "[limits][breaker]") {
  auto c = config();
  c.half_open_probes = 2;
  c.probe_successes_to_close = 2;
  CircuitBreaker breaker(c);
  for (int i = 0; i < 3; ++i)
    call(breaker, CallOutcome::kFailure, kStart);
  CHECK(breaker.state(at(seconds(29))) == BreakerState::kOpen);
  CHECK(breaker.state(at(seconds(30))) == BreakerState::kHalfOpen);
  const auto p1 = breaker.acquire(at(seconds(30)));
  const auto p2 = breaker.acquire(at(seconds(30)));
  CHECK(p1.kind == PermitKind::kProbe);
  CHECK(p2.kind == PermitKind::kProbe);
  CHECK(breaker.acquire(at(seconds(30))).kind == PermitKind::kDenied);
  SECTION("closes after enough probe successes") {
    breaker.record(p1, CallOutcome::kSuccess, at(seconds(31)));
    CHECK(breaker.state(at(seconds(31))) == BreakerState::kHalfOpen);
    breaker.record(p2, CallOutcome::kSuccess, at(seconds(31)));
    CHECK(breaker.state(at(seconds(31))) == BreakerState::kClosed);
    // With a clean slate: it takes 3 new failures to open again.
    call(breaker, CallOutcome::kFailure, at(seconds(32)));
    call(breaker, CallOutcome::kFailure, at(seconds(32)));
    CHECK(breaker.state(at(seconds(32))) == BreakerState::kClosed);
  }
  SECTION("a probe failure opens it again for a fresh cool-down") {
    breaker.record(p1, CallOutcome::kFailure, at(seconds(35)));
    CHECK(breaker.state(at(seconds(35))) == BreakerState::kOpen);
    CHECK(breaker.last_open_reason() == OpenReason::kProbeFailed);
    CHECK(breaker.open_until() == at(seconds(65)));
    CHECK(breaker.times_opened() == 2);
    // The other probe, from the earlier half-open period, changes nothing.
    breaker.record(p2, CallOutcome::kSuccess, at(seconds(36)));
    CHECK(breaker.state(at(seconds(36))) == BreakerState::kOpen);
  }
  SECTION("a throttled probe frees its slot and decides nothing") {
    breaker.record(p1, CallOutcome::kThrottled, at(seconds(31)));
    CHECK(breaker.state(at(seconds(31))) == BreakerState::kHalfOpen);
    CHECK(breaker.acquire(at(seconds(31))).kind == PermitKind::kProbe);
  }
}

TEST_CASE("late outcomes from before the breaker opened are ignored", "[limits][breaker]") {
  CircuitBreaker breaker(config());
  const auto early = breaker.acquire(kStart);  // still in flight when the breaker opens
  for (int i = 0; i < 3; ++i)
    call(breaker, CallOutcome::kFailure, kStart);
  REQUIRE(breaker.state(kStart) == BreakerState::kOpen);
  breaker.record(early, CallOutcome::kSuccess, at(seconds(1)));
  CHECK(breaker.state(at(seconds(1))) == BreakerState::kOpen);
  // Nor does it count as a probe once half-open.
  breaker.record(early, CallOutcome::kSuccess, at(seconds(31)));
  CHECK(breaker.state(at(seconds(31))) == BreakerState::kHalfOpen);
}

TEST_CASE("late failures do not reopen a half-open breaker", "[limits][breaker]") {
  CircuitBreaker breaker(config());
  std::vector<BreakerPermit> stale;
  for (int i = 0; i < 3; ++i)
    stale.push_back(breaker.acquire(kStart));
  for (int i = 0; i < 3; ++i)
    call(breaker, CallOutcome::kFailure, kStart);
  REQUIRE(breaker.state(at(seconds(30))) == BreakerState::kHalfOpen);
  // The requests in flight when it opened time out only now.
  for (const auto& permit : stale)
    breaker.record(permit, CallOutcome::kFailure, at(seconds(30)));
  CHECK(breaker.state(at(seconds(30))) == BreakerState::kHalfOpen);
  CHECK(breaker.times_opened() == 1);
}

TEST_CASE("a probe from an earlier half-open period cannot close the breaker",
          "[limits][breaker]") {
  auto c = config();
  c.half_open_probes = 2;
  CircuitBreaker breaker(c);
  for (int i = 0; i < 3; ++i)
    call(breaker, CallOutcome::kFailure, kStart);
  const auto p1 = breaker.acquire(at(seconds(30)));
  const auto p2 = breaker.acquire(at(seconds(30)));
  REQUIRE(p2.kind == PermitKind::kProbe);
  breaker.record(p1, CallOutcome::kFailure, at(seconds(31)));  // open again until 61 s
  breaker.record(p2, CallOutcome::kSuccess, at(seconds(32)));
  CHECK(breaker.state(at(seconds(32))) == BreakerState::kOpen);
  // In the next half-open period it holds no probe slot either: two fresh probes fit.
  CHECK(breaker.acquire(at(seconds(61))).kind == PermitKind::kProbe);
  CHECK(breaker.acquire(at(seconds(61))).kind == PermitKind::kProbe);
  CHECK(breaker.acquire(at(seconds(61))).kind == PermitKind::kDenied);
}

TEST_CASE("quota exhaustion opens the breaker at once, for the long cool-down",
          "[limits][breaker]") {
  CircuitBreaker breaker(config());
  call(breaker, CallOutcome::kQuotaExhausted, kStart);
  CHECK(breaker.state(kStart) == BreakerState::kOpen);
  CHECK(breaker.last_open_reason() == OpenReason::kQuotaExhausted);
  CHECK(breaker.open_until() == at(minutes(10)));
  SECTION("from half-open too, and a late report never shortens it") {
    CircuitBreaker other(config());
    for (int i = 0; i < 3; ++i)
      call(other, CallOutcome::kFailure, kStart);
    const auto stale = other.acquire(kStart);  // denied: open
    CHECK_FALSE(stale.allowed());
    const auto probe = other.acquire(at(seconds(30)));
    REQUIRE(probe.kind == PermitKind::kProbe);
    other.record(probe, CallOutcome::kQuotaExhausted, at(seconds(31)));
    CHECK(other.open_until() == at(seconds(31) + minutes(10)));
    CHECK(other.last_open_reason() == OpenReason::kQuotaExhausted);
  }
}

TEST_CASE("the failure ratio in a window opens the breaker", "[limits][breaker]") {
  auto c = config();
  c.consecutive_failures = 100;
  c.window_size = 10;
  c.window_min_calls = 6;
  c.failure_ratio = 0.5;
  CircuitBreaker breaker(c);
  // Alternating: 50% failures, never two in a row.
  call(breaker, CallOutcome::kSuccess, kStart);
  call(breaker, CallOutcome::kFailure, kStart);
  call(breaker, CallOutcome::kSuccess, kStart);
  call(breaker, CallOutcome::kFailure, kStart);
  call(breaker, CallOutcome::kSuccess, kStart);
  CHECK(breaker.state(kStart) == BreakerState::kClosed);  // 5 calls: below the minimum
  call(breaker, CallOutcome::kFailure, kStart);           // 3 of 6
  CHECK(breaker.state(kStart) == BreakerState::kOpen);
  CHECK(breaker.last_open_reason() == OpenReason::kFailureRatio);
  SECTION("old outcomes leave the window") {
    CircuitBreaker sliding(c);
    for (int i = 0; i < 4; ++i)
      call(sliding, CallOutcome::kFailure, kStart);  // below minimum
    for (int i = 0; i < 10; ++i)
      call(sliding, CallOutcome::kSuccess, kStart);
    // The window now holds 10 successes; 4 failures give 4 of 10.
    for (int i = 0; i < 4; ++i)
      call(sliding, CallOutcome::kFailure, kStart);
    CHECK(sliding.state(kStart) == BreakerState::kClosed);
    call(sliding, CallOutcome::kFailure, kStart);  // 5 of 10
    CHECK(sliding.state(kStart) == BreakerState::kOpen);
  }
}

TEST_CASE("the breaker rejects nonsense", "[limits][breaker]") {
  auto c = config();
  c.consecutive_failures = 0;
  CHECK_THROWS_AS(CircuitBreaker(c), std::invalid_argument);
  c = config();
  c.window_size = 5;
  c.window_min_calls = 6;
  CHECK_THROWS_AS(CircuitBreaker(c), std::invalid_argument);
  CircuitBreaker breaker(config());
  CHECK_THROWS_AS(breaker.record(BreakerPermit{}, CallOutcome::kSuccess, kStart),
                  std::invalid_argument);
}
