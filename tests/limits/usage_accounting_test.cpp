#include "engine/limits/usage_accounting.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "engine/limits/price_table.hpp"

using namespace lusifer::limits;
using std::chrono::milliseconds;

namespace {

PriceTable prices() {
  PriceTable table;
  table.set("gpt-4o-mini", ModelPrice{0.15, 0.075, 0.60});
  table.set("local-llama", ModelPrice{0.0, std::nullopt, 0.0});
  table.set("no-cache-discount", ModelPrice{2.5, std::nullopt, 10.0});
  return table;
}

TokenUsage usage(std::int64_t prompt, std::int64_t cached, std::int64_t completion) {
  TokenUsage u;
  u.prompt_tokens = prompt;
  u.cached_prompt_tokens = cached;
  u.completion_tokens = completion;
  return u;
}

}  // namespace

TEST_CASE("cost is exact: uncached, cached and completion tokens at their prices",
          "[limits][cost]") {
  const PriceTable table = prices();
  // 600 x $0.15/M + 400 x $0.075/M + 200 x $0.60/M = $0.000240
  CHECK(table.cost("gpt-4o-mini", usage(1000, 400, 200)) == 240'000'000);
  CHECK(to_usd(*table.cost("gpt-4o-mini", usage(1000, 400, 200))) == Approx(0.00024));
  // Without a cached price, cached tokens pay the prompt price.
  CHECK(table.cost("no-cache-discount", usage(1000, 400, 100)) ==
        table.cost("no-cache-discount", usage(1000, 0, 100)));
  CHECK(table.cost("no-cache-discount", usage(1'000'000, 0, 0)) == 2'500'000'000'000);
  CHECK(table.cost("local-llama", usage(5000, 0, 5000)) == 0);
  CHECK_FALSE(table.cost("unknown-model", usage(1, 0, 1)).has_value());
  // Inconsistent usage (cached above prompt, as with Ollama) is not charged twice.
  CHECK(table.cost("gpt-4o-mini", usage(0, 500, 0)) == 0);
  // Prices that are not prices.
  PriceTable bad;
  CHECK_THROWS_AS(bad.set("x", ModelPrice{-1.0, std::nullopt, 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(bad.set("x", ModelPrice{1.0, std::nullopt, std::nan("")}), std::invalid_argument);
  CHECK(to_picodollars(1.25) == 1'250'000'000'000);
}

TEST_CASE("counters, tokens and errors add up", "[limits][usage]") {
  UsageAccounting accounting(prices());
  for (int i = 0; i < 3; ++i)
    accounting.count_logical_request();
  for (int i = 0; i < 5; ++i)
    accounting.count_attempt();
  accounting.count_cache_hit();
  accounting.record_usage("gpt-4o-mini", usage(1000, 400, 200));
  accounting.record_usage("gpt-4o-mini", usage(2000, 0, 100));
  accounting.count_error("rate_limited");
  accounting.count_error("rate_limited");
  accounting.count_error("timeout");
  const auto& c = accounting.counters();
  CHECK(c.logical_requests == 3);
  CHECK(c.attempts == 5);
  CHECK(c.cache_hits == 1);
  CHECK(c.prompt_tokens == 3000);
  CHECK(c.cached_prompt_tokens == 400);
  CHECK(c.completion_tokens == 300);
  // 240,000,000 + 2000 x 150,000 + 100 x 600,000
  CHECK(c.cost == 600'000'000);
  CHECK(accounting.errors().at("rate_limited") == 2);
  CHECK(accounting.errors().at("timeout") == 1);
  CHECK_THROWS_AS(accounting.record_usage("gpt-4o-mini", usage(-1, 0, 0)), std::invalid_argument);
}

TEST_CASE("attempts without reported usage are charged at their estimate", "[limits][usage]") {
  UsageAccounting accounting(prices());
  accounting.record_unreported_usage("gpt-4o-mini", usage(1000, 0, 500));
  CHECK(accounting.counters().unreported_usages == 1);
  CHECK(accounting.counters().cost == 1000 * 150'000 + 500 * 600'000);
  accounting.record_usage("mystery", usage(10, 0, 10));
  CHECK(accounting.counters().unpriced_usages == 1);
  CHECK(accounting.counters().prompt_tokens == 1010);
}

TEST_CASE("error classes are bounded", "[limits][usage]") {
  UsageAccounting accounting(prices());
  for (int i = 0; i < 100; ++i)
    accounting.count_error("class-" + std::to_string(i));
  CHECK(accounting.errors().size() == UsageAccounting::kMaxErrorClasses);
  CHECK(accounting.errors().at("other") == 100 - (UsageAccounting::kMaxErrorClasses - 1));
  accounting.count_error("class-0");  // known classes still count under their name
  CHECK(accounting.errors().at("class-0") == 2);
}

TEST_CASE("latency percentiles are reported", "[limits][usage]") {
  UsageAccounting accounting(prices());
  for (int ms = 1; ms <= 100; ++ms)
    accounting.record_latency(milliseconds(ms));
  const auto summary = accounting.latency();
  CHECK(summary.count == 100);
  CHECK(summary.max == milliseconds(100));
  const double err = accounting.latency_histogram().relative_error();
  CHECK(summary.p50 >= milliseconds(50));
  CHECK(static_cast<double>(summary.p50.count()) <= 50e6 * (1 + err));
  CHECK(summary.p90 >= milliseconds(90));
  CHECK(static_cast<double>(summary.p90.count()) <= 90e6 * (1 + err));
  CHECK(summary.p99 >= milliseconds(99));
  CHECK(static_cast<double>(summary.p99.count()) <= 99e6 * (1 + err));
}

TEST_CASE("the budget cap stops new work before it would be passed", "[limits][budget]") {
  const Picodollars cap = to_picodollars(0.001);  // 4 calls of $0.00024 fit, not 5
  UsageAccounting accounting(prices(), cap);
  const TokenUsage call = usage(1000, 400, 200);
  for (int i = 0; i < 4; ++i) {
    REQUIRE_FALSE(accounting.would_exceed("gpt-4o-mini", call));
    accounting.record_usage("gpt-4o-mini", call);
  }
  const auto refusal = accounting.would_exceed("gpt-4o-mini", call);
  REQUIRE(refusal);
  CHECK(refusal->spent == 960'000'000);
  CHECK(refusal->requested == 240'000'000);
  CHECK(refusal->describe() ==
        "budget cap $0.001000 would be passed: spent $0.000960 + in flight $0.000000 + this "
        "call $0.000240 = $0.001200");
  // Reaching the cap exactly is allowed; one picodollar more is not.
  CHECK_FALSE(accounting.would_exceed(40'000'000));
  CHECK(accounting.would_exceed(40'000'001));
}

TEST_CASE("reservations keep concurrent calls from overshooting together", "[limits][budget]") {
  UsageAccounting accounting(prices(), to_picodollars(0.001));
  const TokenUsage estimate = usage(1000, 0, 1000);  // $0.00075
  const auto first = accounting.try_reserve("gpt-4o-mini", estimate);
  REQUIRE_FALSE(first.refusal);
  CHECK(first.reserved == 750'000'000);
  // Each would fit alone; together they would not.
  const auto second = accounting.try_reserve("gpt-4o-mini", estimate);
  REQUIRE(second.refusal);
  CHECK(second.reserved == 0);
  CHECK(second.refusal->reserved == 750'000'000);
  REQUIRE(accounting.first_refusal());
  CHECK(accounting.first_refusal()->requested == 750'000'000);
  // The first call ends, used less than estimated; the room comes back.
  accounting.release(first.reserved);
  accounting.record_usage("gpt-4o-mini", usage(1000, 0, 100));  // $0.00021
  CHECK(accounting.reserved() == 0);
  CHECK_FALSE(accounting.try_reserve("gpt-4o-mini", estimate).refusal);
  CHECK_THROWS_AS(accounting.release(to_picodollars(1.0)), std::invalid_argument);
}

TEST_CASE("with a cap, a model without a price is refused and says why", "[limits][budget]") {
  UsageAccounting capped(prices(), to_picodollars(10.0));
  const auto refusal = capped.would_exceed("mystery-model", usage(10, 0, 10));
  REQUIRE(refusal);
  CHECK(refusal->describe() ==
        "budget cap $10.000000: model 'mystery-model' has no price, so its cost cannot be "
        "bounded");
  CHECK(capped.try_reserve("mystery-model", usage(10, 0, 10)).refusal);
  UsageAccounting uncapped(prices());
  CHECK_FALSE(uncapped.would_exceed("mystery-model", usage(10, 0, 10)));
  CHECK_FALSE(uncapped.would_exceed(to_picodollars(1e6)));
}
