#include "engine/limits/rate_limiter.hpp"

#include <catch2/catch.hpp>

#include "tests/limits/fake_clock.hpp"

using namespace lusifer::limits;
using lusifer::limits::testing::at;
using lusifer::limits::testing::kStart;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

RateLimiterConfig limits(std::optional<std::int64_t> rpm, std::optional<std::int64_t> tpm) {
  RateLimiterConfig config;
  config.requests_per_minute = rpm;
  config.tokens_per_minute = tpm;
  return config;
}

}  // namespace

TEST_CASE("RPM and TPM make one admission decision", "[limits][rate]") {
  RateLimiter limiter(limits(60, 6000), kStart);  // 1 request and 100 tokens per second
  SECTION("the token limit binds for large requests") {
    // 500 tokens need 5 s, one request only 1 s.
    CHECK(limiter.time_until_admitted(500, kStart) == seconds(5));
    const auto early = limiter.try_admit(500, at(seconds(4)));
    CHECK(early.status == AdmissionStatus::kWait);
    CHECK(early.wait == seconds(1));
    CHECK(limiter.try_admit(500, at(seconds(5))).admitted());
    // Both were taken: 4 requests and 0 tokens remain.
    CHECK(limiter.request_bucket()->available(at(seconds(5))) == 4);
    CHECK(limiter.token_bucket()->available(at(seconds(5))) == 0);
  }
  SECTION("the request limit binds for small requests") {
    CHECK(limiter.time_until_admitted(10, kStart) == seconds(1));
    REQUIRE(limiter.try_admit(10, at(seconds(1))).admitted());
    CHECK(limiter.try_admit(10, at(seconds(1))).wait == seconds(1));
    // Nothing is taken from either bucket when the request waits.
    CHECK(limiter.token_bucket()->available(at(seconds(1))) == 90);
  }
  SECTION("a minute admits exactly the request limit, no more") {
    int admitted = 0;
    for (int ms = 0; ms <= 60'000; ms += 10) {
      while (limiter.try_admit(1, at(milliseconds(ms))).admitted())
        ++admitted;
    }
    CHECK(admitted == 60);
  }
}

TEST_CASE("an estimate above the TPM limit is never admitted by default", "[limits][rate]") {
  RateLimiter limiter(limits(60, 1000), kStart);
  CHECK_FALSE(limiter.time_until_admitted(1001, kStart).has_value());
  CHECK(limiter.try_admit(1001, at(minutes(5))).status == AdmissionStatus::kNever);
  auto config = limits(60, 1000);
  config.oversize_tokens = OversizePolicy::kAdmitWhenFull;
  RateLimiter lenient(config, kStart);
  CHECK(lenient.time_until_admitted(1001, kStart) == minutes(1));
}

TEST_CASE("pause_until blocks everything until the time", "[limits][rate]") {
  RateLimiter limiter(limits(60, 6000), kStart);
  limiter.pause_until(at(seconds(30)));
  // The buckets are full long before; the pause alone decides.
  CHECK(limiter.try_admit(1, at(seconds(29))).wait == seconds(1));
  CHECK_FALSE(limiter.try_admit(1, at(milliseconds(29'999))).admitted());
  // A shorter pause never cuts a longer one short.
  limiter.pause_until(at(seconds(10)));
  CHECK(limiter.paused_until() == at(seconds(30)));
  CHECK(limiter.try_admit(1, at(seconds(30))).admitted());
  SECTION("buckets refill during the pause: the larger wait wins") {
    RateLimiter fresh(limits(60, 6000), kStart);
    fresh.pause_until(at(seconds(2)));
    CHECK(fresh.time_until_admitted(500, kStart) == seconds(5));
    CHECK(fresh.time_until_admitted(100, kStart) == seconds(2));
  }
  SECTION("limits that are unknown are paused too") {
    RateLimiter unknown(limits(std::nullopt, std::nullopt), kStart);
    CHECK(unknown.try_admit(1'000'000, kStart).admitted());
    ServerRateHints hints;
    // The protocol layer's parsed header type converts without loss.
    const std::optional<milliseconds> parsed = milliseconds(644);
    hints.retry_after = parsed;
    unknown.adopt(hints, at(seconds(1)));
    CHECK(unknown.try_admit(1, at(seconds(1))).wait == milliseconds(644));
    CHECK(unknown.try_admit(1, at(milliseconds(1644))).admitted());
  }
}

TEST_CASE("server remaining and reset hints lower the level", "[limits][rate]") {
  RateLimiter limiter(limits(600, 60'000), kStart);  // 10 req/s, 1000 tok/s
  // After a minute both buckets are full (600 requests, 60000 tokens).
  ServerRateHints hints;
  hints.remaining_requests = 100;
  hints.remaining_tokens = 5'000;
  limiter.adopt(hints, at(minutes(1)));
  CHECK(limiter.request_bucket()->available(at(minutes(1))) == 100);
  CHECK(limiter.token_bucket()->available(at(minutes(1))) == 5'000);
  CHECK(limiter.try_admit(5'000, at(minutes(1))).admitted());
  CHECK(limiter.try_admit(1, at(minutes(1))).wait == milliseconds(1));
  // More remaining than we think never raises the level.
  hints.remaining_tokens = 50'000;
  limiter.adopt(hints, at(minutes(1)));
  CHECK(limiter.token_bucket()->available(at(minutes(1))) == 0);
  SECTION("reset is the time to FULL, not the wait for one request") {
    RateLimiter fresh(limits(600, 60'000), kStart);
    ServerRateHints reset;
    reset.remaining_tokens = 59'000;  // the server says 59000 left...
    reset.reset_tokens = seconds(6);  // ...and full in 6 s: at 1000/s, 54000 now
    fresh.adopt(reset, at(minutes(1)));
    CHECK(fresh.token_bucket()->available(at(minutes(1))) == 54'000);
    // One request is not made to wait 6 s: 54000 tokens are there now.
    CHECK(fresh.try_admit(1'000, at(minutes(1))).admitted());
    // The bucket is full no earlier than the server's: 6 s + the 1 s just taken.
    CHECK(fresh.time_until_admitted(60'000, at(minutes(1))) == seconds(7));
  }
}

TEST_CASE("unknown limits are learned from x-ratelimit-limit headers", "[limits][rate]") {
  RateLimiter limiter(limits(std::nullopt, std::nullopt), kStart);
  CHECK_FALSE(limiter.requests_per_minute().has_value());
  CHECK(limiter.try_admit(10'000, kStart).admitted());  // nothing enforced yet
  ServerRateHints hints;
  hints.limit_requests = 60;
  hints.limit_tokens = 150'000;
  hints.remaining_requests = 59;
  hints.remaining_tokens = 149'984;
  limiter.adopt(hints, at(seconds(1)));
  CHECK(limiter.requests_per_minute() == 60);
  CHECK(limiter.tokens_per_minute() == 150'000);
  // A learned bucket starts at what the server says remains.
  CHECK(limiter.request_bucket()->available(at(seconds(1))) == 59);
  CHECK(limiter.token_bucket()->available(at(seconds(1))) == 149'984);
  SECTION("without a remaining figure a learned bucket starts empty") {
    RateLimiter other(limits(std::nullopt, std::nullopt), kStart);
    ServerRateHints limit_only;
    limit_only.limit_tokens = 6'000;
    other.adopt(limit_only, kStart);
    CHECK(other.token_bucket()->available(kStart) == 0);
    CHECK_FALSE(other.request_bucket().has_value());
    CHECK(other.time_until_admitted(100, kStart) == seconds(1));
  }
  SECTION("a changed limit is relearned") {
    hints.limit_tokens = 30'000;
    hints.remaining_tokens.reset();
    limiter.adopt(hints, at(seconds(1)));
    CHECK(limiter.tokens_per_minute() == 30'000);
    CHECK(limiter.token_bucket()->available(at(seconds(1))) == 30'000);
  }
  SECTION("configured limits are not overridden by headers") {
    RateLimiter configured(limits(100, 10'000), kStart);
    configured.adopt(hints, at(seconds(1)));
    CHECK(configured.requests_per_minute() == 100);
    CHECK(configured.tokens_per_minute() == 10'000);
  }
}

TEST_CASE("settling corrects the token reservation by the counted usage", "[limits][rate]") {
  RateLimiter limiter(limits(60, 6000), kStart);
  REQUIRE(limiter.try_admit(400, at(seconds(5))).admitted());  // 500 - 400 = 100 left
  TokenUsage usage;
  usage.prompt_tokens = 300;
  usage.cached_prompt_tokens = 200;
  usage.completion_tokens = 50;
  SECTION("cached prompt tokens count toward TPM by default (OpenAI)") {
    CHECK(limiter.counted_tokens(usage) == 350);
    limiter.settle(400, usage, at(seconds(5)));  // refund 50
    CHECK(limiter.token_bucket()->available(at(seconds(5))) == 150);
  }
  SECTION("or not, where the provider does not count them") {
    auto config = limits(60, 6000);
    config.cached_prompt_tokens_count = false;
    RateLimiter other(config, kStart);
    REQUIRE(other.try_admit(400, at(seconds(5))).admitted());
    CHECK(other.counted_tokens(usage) == 150);
    other.settle(400, usage, at(seconds(5)));  // refund 250
    CHECK(other.token_bucket()->available(at(seconds(5))) == 350);
  }
  SECTION("under-estimates are charged") {
    usage.completion_tokens = 250;  // 550 counted
    limiter.settle(400, usage, at(seconds(5)));
    CHECK(limiter.token_bucket()->available(at(seconds(5))) == -50);
  }
  SECTION("refunds can be switched off") {
    auto config = limits(60, 6000);
    config.refund_unused_estimate = false;
    RateLimiter strict(config, kStart);
    REQUIRE(strict.try_admit(400, at(seconds(5))).admitted());
    strict.settle(400, usage, at(seconds(5)));
    CHECK(strict.token_bucket()->available(at(seconds(5))) == 100);
  }
}

TEST_CASE("a 429 without hints empties the buckets", "[limits][rate]") {
  RateLimiter limiter(limits(60, 6000), kStart);
  limiter.on_throttled(at(minutes(1)));
  CHECK(limiter.time_until_admitted(100, at(minutes(1))) == seconds(1));
}

TEST_CASE("the rate limiter rejects nonsense", "[limits][rate]") {
  CHECK_THROWS_AS(RateLimiter(limits(0, 100), kStart), std::invalid_argument);
  RateLimiter limiter(limits(60, 6000), kStart);
  CHECK_THROWS_AS(limiter.try_admit(-1, kStart), std::invalid_argument);
  CHECK_THROWS_AS(limiter.settle(-1, TokenUsage{}, kStart), std::invalid_argument);
}
