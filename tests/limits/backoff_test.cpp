#include "engine/limits/backoff.hpp"

#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"

using namespace lusifer::limits;
using lusifer::Rng;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("the backoff ceiling doubles from base up to the cap", "[limits][backoff]") {
  Backoff backoff(BackoffConfig{milliseconds(500), seconds(8), minutes(2)});
  CHECK(backoff.ceiling(0) == milliseconds(500));
  CHECK(backoff.ceiling(1) == seconds(1));
  CHECK(backoff.ceiling(4) == seconds(8));
  CHECK(backoff.ceiling(5) == seconds(8));
  CHECK(backoff.ceiling(1'000'000) == seconds(8));  // no overflow
}

TEST_CASE("full jitter stays within [0, ceiling] and spreads over it", "[limits][backoff]") {
  Backoff backoff(BackoffConfig{milliseconds(500), seconds(8), minutes(2)});
  Rng rng(11);
  for (int retry = 0; retry < 8; ++retry) {
    Duration low = backoff.ceiling(retry);
    Duration high = Duration::zero();
    double sum = 0;
    const int n = 4000;
    for (int i = 0; i < n; ++i) {
      const Duration d = backoff.jittered(retry, rng);
      REQUIRE(d >= Duration::zero());
      REQUIRE(d <= backoff.ceiling(retry));
      low = std::min(low, d);
      high = std::max(high, d);
      sum += static_cast<double>(d.count());
    }
    const double ceiling = static_cast<double>(backoff.ceiling(retry).count());
    // Uniform: the mean is half the ceiling, the draws reach both ends.
    CHECK(sum / n == Approx(ceiling / 2).epsilon(0.05));
    CHECK(static_cast<double>(low.count()) < 0.01 * ceiling);
    CHECK(static_cast<double>(high.count()) > 0.99 * ceiling);
  }
}

TEST_CASE("jitter is deterministic for a seed", "[limits][backoff]") {
  Backoff backoff(BackoffConfig{});
  Rng a(2024), b(2024), c(2025);
  std::vector<Duration> from_a, from_b, from_c;
  for (int retry = 0; retry < 10; ++retry) {
    from_a.push_back(backoff.jittered(retry, a));
    from_b.push_back(backoff.jittered(retry, b));
    from_c.push_back(backoff.jittered(retry, c));
  }
  CHECK(from_a == from_b);
  CHECK(from_a != from_c);
  // The draw is defined by lusifer::Rng, not by a standard distribution.
  // Retry 0 of the default config is one uniform_int(0, 500 ms) draw.
  Rng pinned(0), reference(0);
  CHECK(backoff.jittered(0, pinned) == Duration(reference.uniform_int(0, 500'000'000)));
  CHECK(backoff.jittered(3, pinned) == Duration(reference.uniform_int(0, 4'000'000'000)));
}

TEST_CASE("a server delay takes precedence up to the maximum", "[limits][backoff]") {
  Backoff backoff(BackoffConfig{milliseconds(500), seconds(8), seconds(60)});
  Rng rng(1);
  // Longer than our own cap, and obeyed exactly.
  CHECK(backoff.delay(0, seconds(30), rng) == seconds(30));
  CHECK(backoff.delay(3, milliseconds(644), rng) == milliseconds(644));
  CHECK(backoff.delay(0, seconds(60), rng) == seconds(60));
  // Beyond the maximum: do not retry at all.
  CHECK_FALSE(backoff.delay(0, seconds(61), rng).has_value());
  CHECK_FALSE(backoff.delay(0, std::chrono::hours(24), rng).has_value());
  // No delay, or a zero one: our own jittered backoff.
  Rng same(1), again(1);
  CHECK(backoff.delay(2, std::nullopt, same) == backoff.jittered(2, again));
  CHECK(backoff.delay(2, Duration::zero(), same) == backoff.jittered(2, again));
}

TEST_CASE("backoff rejects nonsense", "[limits][backoff]") {
  CHECK_THROWS_AS(Backoff(BackoffConfig{Duration::zero(), seconds(1), seconds(1)}),
                  std::invalid_argument);
  CHECK_THROWS_AS(Backoff(BackoffConfig{seconds(2), seconds(1), seconds(1)}),
                  std::invalid_argument);
  Backoff backoff(BackoffConfig{});
  Rng rng(1);
  CHECK_THROWS_AS(backoff.jittered(-1, rng), std::invalid_argument);
}
