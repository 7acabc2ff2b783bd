#include "engine/limits/retry_policy.hpp"

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "tests/limits/fake_clock.hpp"

using namespace lusifer::limits;
using lusifer::Rng;
using lusifer::limits::testing::at;
using lusifer::limits::testing::kStart;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

RetryConfig config(int max_attempts, Duration deadline) {
  RetryConfig c;
  c.max_attempts = max_attempts;
  c.call_deadline = deadline;
  c.backoff = BackoffConfig{milliseconds(500), seconds(8), seconds(60)};
  return c;
}

const AttemptFailure kRetryable{true, std::nullopt};
const AttemptFailure kTerminal{false, std::nullopt};

}  // namespace

TEST_CASE("terminal errors are never retried", "[limits][retry]") {
  RetryPolicy policy(config(5, minutes(5)));
  Rng rng(1);
  LogicalCall call = policy.begin(kStart);
  REQUIRE(policy.may_start(call, kStart));
  policy.note_attempt(call);
  const auto decision = policy.after_failure(call, kTerminal, at(seconds(1)), rng);
  CHECK_FALSE(decision.retry());
  CHECK(decision.verdict == RetryVerdict::kTerminalError);
  // Not even with a short Retry-After (a quota error may carry one).
  const auto with_delay =
      policy.after_failure(call, AttemptFailure{false, seconds(1)}, at(seconds(1)), rng);
  CHECK(with_delay.verdict == RetryVerdict::kTerminalError);
}

TEST_CASE("attempts are bounded, the first one included", "[limits][retry]") {
  RetryPolicy policy(config(3, minutes(5)));
  Rng rng(7);
  LogicalCall call = policy.begin(kStart);
  TimePoint now = kStart;
  int attempts = 0;
  while (policy.may_start(call, now)) {
    policy.note_attempt(call);
    ++attempts;
    const auto decision = policy.after_failure(call, kRetryable, now, rng);
    if (!decision.retry()) {
      CHECK(decision.verdict == RetryVerdict::kAttemptsExhausted);
      break;
    }
    // Retry n waits within [0, min(8 s, 0.5 s * 2^n)].
    CHECK(decision.delay <= milliseconds(500) * (1 << (attempts - 1)));
    CHECK(decision.retry_at == now + decision.delay);
    now = decision.retry_at;
  }
  CHECK(attempts == 3);
  CHECK_FALSE(policy.may_start(call, now));
}

TEST_CASE("no retry starts at or after the deadline", "[limits][retry]") {
  RetryPolicy policy(config(10, seconds(10)));
  Rng rng(3);
  LogicalCall call = policy.begin(kStart);
  CHECK(call.deadline == at(seconds(10)));
  policy.note_attempt(call);
  // The server asks for 4 s at 6 s: the retry would start exactly at the deadline.
  const auto at_deadline =
      policy.after_failure(call, AttemptFailure{true, seconds(4)}, at(seconds(6)), rng);
  CHECK(at_deadline.verdict == RetryVerdict::kDeadlinePassed);
  const auto before =
      policy.after_failure(call, AttemptFailure{true, milliseconds(3999)}, at(seconds(6)), rng);
  CHECK(before.retry());
  CHECK(before.retry_at == at(milliseconds(9999)));
  // Time spent elsewhere (waiting for the rate limiter) counts too.
  CHECK(policy.may_start(call, at(milliseconds(9999))));
  CHECK_FALSE(policy.may_start(call, at(seconds(10))));
}

TEST_CASE("Retry-After is obeyed up to the maximum and beyond it ends the call",
          "[limits][retry]") {
  RetryPolicy policy(config(5, minutes(10)));
  Rng rng(5);
  LogicalCall call = policy.begin(kStart);
  policy.note_attempt(call);
  const auto obeyed =
      policy.after_failure(call, AttemptFailure{true, seconds(45)}, at(seconds(1)), rng);
  CHECK(obeyed.retry());
  CHECK(obeyed.delay == seconds(45));
  const auto too_long =
      policy.after_failure(call, AttemptFailure{true, minutes(5)}, at(seconds(1)), rng);
  CHECK(too_long.verdict == RetryVerdict::kServerDelayTooLong);
  CHECK(verdict_name(too_long.verdict) == "server delay too long");
}

TEST_CASE("the same seed gives the same retry schedule", "[limits][retry]") {
  RetryPolicy policy(config(6, minutes(10)));
  auto schedule = [&](std::uint64_t seed) {
    Rng rng(seed);
    LogicalCall call = policy.begin(kStart);
    std::vector<TimePoint> times;
    TimePoint now = kStart;
    while (policy.may_start(call, now)) {
      policy.note_attempt(call);
      times.push_back(now);
      const auto decision = policy.after_failure(call, kRetryable, now, rng);
      if (!decision.retry())
        break;
      now = decision.retry_at;
    }
    return times;
  };
  CHECK(schedule(42) == schedule(42));
  CHECK(schedule(42) != schedule(43));
  CHECK(schedule(42).size() == 6);
}

TEST_CASE("the retry policy rejects nonsense", "[limits][retry]") {
  CHECK_THROWS_AS(RetryPolicy(config(0, minutes(1))), std::invalid_argument);
  CHECK_THROWS_AS(RetryPolicy(config(3, Duration::zero())), std::invalid_argument);
}
