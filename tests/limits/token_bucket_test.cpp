#include "engine/limits/token_bucket.hpp"

#include <catch2/catch.hpp>

#include "tests/limits/fake_clock.hpp"

using namespace lusifer::limits;
using lusifer::limits::testing::at;
using lusifer::limits::testing::kStart;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

namespace {

TokenBucketConfig per_minute(std::int64_t limit) {
  TokenBucketConfig config;
  config.capacity = limit;
  config.refill_tokens = limit;
  config.refill_period = minutes(1);
  return config;
}

}  // namespace

TEST_CASE("a bucket starts empty and admits exactly rate x t after t", "[limits][bucket]") {
  TokenBucket bucket(per_minute(600), kStart);  // 10 per second
  CHECK(bucket.available(kStart) == 0);
  CHECK(bucket.try_acquire(1, kStart).status == AdmissionStatus::kWait);
  CHECK(bucket.available(at(seconds(1))) == 10);
  CHECK(bucket.available(at(milliseconds(2500))) == 25);
  // 25 fit at 2.5 s, the 26th does not.
  CHECK(bucket.try_acquire(25, at(milliseconds(2500))).admitted());
  CHECK(bucket.available(at(milliseconds(2500))) == 0);
  CHECK_FALSE(bucket.try_acquire(1, at(milliseconds(2500))).admitted());
  // Over the first minute it admits exactly the limit in total.
  TokenBucket fresh(per_minute(600), kStart);
  std::int64_t admitted = 0;
  for (int ms = 0; ms <= 60'000; ms += 5) {
    while (fresh.try_acquire(1, at(milliseconds(ms))).admitted())
      ++admitted;
  }
  CHECK(admitted == 600);
}

TEST_CASE("time_until_available is the exact shortest wait", "[limits][bucket]") {
  TokenBucket bucket(per_minute(7), kStart);  // one token every 60/7 s, not a whole ns count
  const auto wait = bucket.time_until_available(3, kStart);
  REQUIRE(wait);
  // 3 tokens take 3 * 60e9 / 7 ns = 25714285714.28..., rounded up.
  CHECK(*wait == nanoseconds(25'714'285'715));
  CHECK_FALSE(bucket.try_acquire(3, kStart + *wait - nanoseconds(1)).admitted());
  CHECK(bucket.try_acquire(3, kStart + *wait).admitted());
  CHECK(bucket.time_until_available(0, kStart + *wait) == nanoseconds(0));
  // try_acquire reports the same wait it would take.
  const auto refused = bucket.try_acquire(1, kStart + *wait);
  CHECK(refused.status == AdmissionStatus::kWait);
  CHECK(refused.wait == *bucket.time_until_available(1, kStart + *wait));
}

TEST_CASE("a configured initial fill is available at once", "[limits][bucket]") {
  auto config = per_minute(600);
  config.initial_tokens = 5;
  TokenBucket bucket(config, kStart);
  CHECK(bucket.try_acquire(5, kStart).admitted());
  CHECK_FALSE(bucket.try_acquire(1, kStart).admitted());
  config.initial_tokens = 601;
  CHECK_THROWS_AS(TokenBucket(config, kStart), std::invalid_argument);
}

TEST_CASE("no burst after idle beyond capacity", "[limits][bucket]") {
  TokenBucket bucket(per_minute(60), kStart);
  // An hour idle fills the bucket to its capacity and no further.
  CHECK(bucket.available(at(minutes(60))) == 60);
  CHECK(bucket.try_acquire(60, at(minutes(60))).admitted());
  CHECK_FALSE(bucket.try_acquire(1, at(minutes(60))).admitted());
  // In the minute after the burst, exactly the refill: 60 more, not 120.
  std::int64_t admitted = 0;
  for (int s = 0; s <= 60; ++s) {
    while (bucket.try_acquire(1, at(minutes(60) + seconds(s))).admitted())
      ++admitted;
  }
  CHECK(admitted == 60);
}

TEST_CASE("corrections charge into debt and refund up to capacity", "[limits][bucket]") {
  TokenBucket bucket(per_minute(600), kStart);
  REQUIRE(bucket.try_acquire(100, at(seconds(10))).admitted());  // 100 - 100 = 0
  // The call used 150 tokens, not 100: 50 of debt.
  bucket.correct(50, at(seconds(10)));
  CHECK(bucket.available(at(seconds(10))) == -50);
  // Debt repays before anything is admitted: 1 token needs 51 of refill.
  CHECK(bucket.time_until_available(1, at(seconds(10))) == milliseconds(5100));
  // A refund of 80 (over-estimate) brings the level to 30.
  bucket.correct(-80, at(seconds(10)));
  CHECK(bucket.available(at(seconds(10))) == 30);
  // Refunds never lift the level above capacity.
  bucket.correct(-10'000, at(seconds(10)));
  CHECK(bucket.available(at(seconds(10))) == 600);
}

TEST_CASE("a cost above capacity is rejected or admitted when full, never waited for forever",
          "[limits][bucket]") {
  SECTION("kReject: never, at once") {
    TokenBucket bucket(per_minute(100), kStart);
    CHECK_FALSE(bucket.time_until_available(101, kStart).has_value());
    CHECK(bucket.try_acquire(101, at(minutes(10))).status == AdmissionStatus::kNever);
    CHECK(bucket.available(at(minutes(10))) == 100);  // nothing taken
    CHECK(bucket.time_until_available(100, kStart) == minutes(1));
  }
  SECTION("kAdmitWhenFull: when the bucket is full, into debt") {
    auto config = per_minute(100);
    config.oversize = OversizePolicy::kAdmitWhenFull;
    TokenBucket bucket(config, kStart);
    CHECK(bucket.time_until_available(250, kStart) == minutes(1));
    CHECK_FALSE(bucket.try_acquire(250, at(seconds(59))).admitted());
    CHECK(bucket.try_acquire(250, at(minutes(1))).admitted());
    CHECK(bucket.available(at(minutes(1))) == -150);
    // The average rate holds: the next token comes after the debt is repaid.
    CHECK(bucket.time_until_available(1, at(minutes(1))) == milliseconds(90'600));
  }
}

TEST_CASE("server hints lower the level and never raise it", "[limits][bucket]") {
  TokenBucket bucket(per_minute(600), kStart);
  bucket.lower_to(20, at(seconds(10)));  // we think 100 remain, the server says 20
  CHECK(bucket.available(at(seconds(10))) == 20);
  bucket.lower_to(50, at(seconds(10)));
  CHECK(bucket.available(at(seconds(10))) == 20);
  // "Full in 59 s" means at most 600 - 59 * 10 = 10 now.
  bucket.lower_for_full_in(seconds(59), at(seconds(10)));
  CHECK(bucket.available(at(seconds(10))) == 10);
  CHECK(bucket.time_until_available(600, at(seconds(10))) == seconds(59));
  // A reset longer than an empty bucket's refill means empty, not debt.
  bucket.lower_for_full_in(minutes(6), at(seconds(10)));
  CHECK(bucket.available(at(seconds(10))) == 0);
}

TEST_CASE("time running backwards refills nothing", "[limits][bucket]") {
  TokenBucket bucket(per_minute(600), kStart);
  CHECK(bucket.available(at(seconds(2))) == 20);
  REQUIRE(bucket.try_acquire(20, at(seconds(2))).admitted());
  // An older `now` adds no refill, and the wait counts from the latest time seen.
  CHECK_FALSE(bucket.try_acquire(1, at(seconds(1))).admitted());
  CHECK(bucket.time_until_available(10, at(seconds(1))) == seconds(2));
  CHECK(bucket.try_acquire(10, at(seconds(3))).admitted());
}

TEST_CASE("reconfigure keeps the level under the new capacity", "[limits][bucket]") {
  TokenBucket bucket(per_minute(600), kStart);
  CHECK(bucket.available(at(minutes(2))) == 600);
  bucket.reconfigure(120, 120, at(minutes(2)));
  CHECK(bucket.available(at(minutes(2))) == 120);
  CHECK(bucket.capacity() == 120);
  REQUIRE(bucket.try_acquire(120, at(minutes(2))).admitted());
  CHECK(bucket.available(at(minutes(2) + seconds(1))) == 2);
}

TEST_CASE("a bucket rejects nonsense configuration and costs", "[limits][bucket]") {
  CHECK_THROWS_AS(TokenBucket(per_minute(0), kStart), std::invalid_argument);
  auto config = per_minute(10);
  config.refill_period = nanoseconds(0);
  CHECK_THROWS_AS(TokenBucket(config, kStart), std::invalid_argument);
  TokenBucket bucket(per_minute(10), kStart);
  CHECK_THROWS_AS(bucket.try_acquire(-1, kStart), std::invalid_argument);
}

TEST_CASE("large limits and long idle times do not overflow", "[limits][bucket]") {
  // 150 million TPM (a top OpenAI tier) over a week of idle time.
  TokenBucket bucket(per_minute(150'000'000), kStart);
  CHECK(bucket.available(at(std::chrono::hours(24 * 7))) == 150'000'000);
  CHECK(bucket.available(at(seconds(1))) == 2'500'000);
  CHECK(bucket.time_until_available(150'000'000, kStart) == minutes(1));
}
