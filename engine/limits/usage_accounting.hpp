#pragma once

// Per-run accounting of LLM use: requests, attempts, cache hits, tokens,
// errors by class, latency percentiles, cost, and the budget cap.
//
// Two caches are kept apart on purpose: `cache_hits` counts requests answered
// by lusifer's own response cache (no call made), `cached_prompt_tokens`
// counts prompt tokens the provider served from its prompt cache (a call was
// made and billed at the cached price). Mixing them makes "cache hits" read 0.
//
// Attempts that may have been billed but reported no usage (a timeout, a
// stream cut before its usage chunk) are charged at their estimate with
// `record_unreported_usage`: providers bill abandoned requests, and recording
// them as 0 tokens hides the real cost.
//
// Budget cap: `would_exceed(cost)` is true when spent + reserved + cost would
// pass the cap, so new work stops BEFORE the cap is passed. Calls in flight
// hold a reservation of their estimated cost (`try_reserve` / `release`), so
// concurrent calls cannot together overshoot. Reaching the cap exactly is
// allowed. With a cap, a model without a price is refused: its cost cannot be
// bounded. The refusal says why (BudgetRefusal::describe); the first refusal
// is kept for the run report.
//
// Bounded memory: at most kMaxErrorClasses distinct error classes are kept;
// later new ones are counted under "other".
//
// Thread-safety: none; one actor owns the accounting (or merge snapshots).
// Errors: negative token counts throw std::invalid_argument; costs beyond
// the picodollar range throw std::overflow_error.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/limits/clock.hpp"
#include "engine/limits/latency_histogram.hpp"
#include "engine/limits/price_table.hpp"
#include "engine/limits/token_usage.hpp"

namespace lusifer::limits {

struct UsageCounters {
  std::uint64_t logical_requests = 0;
  std::uint64_t attempts = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t prompt_tokens = 0;  // cached ones included
  std::uint64_t cached_prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t unreported_usages = 0;  // attempts charged at their estimate
  std::uint64_t unpriced_usages = 0;    // usages of models without a price: cost unknown
  Picodollars cost = 0;
};

struct LatencySummary {
  std::uint64_t count = 0;
  Duration p50{0};
  Duration p90{0};
  Duration p99{0};
  Duration max{0};
};

struct BudgetRefusal {
  Picodollars cap = 0;
  Picodollars spent = 0;
  Picodollars reserved = 0;    // held by calls in flight
  Picodollars requested = 0;   // the estimate that did not fit
  std::string unpriced_model;  // set when the refusal is for a model without a price

  std::string describe() const;
};

class UsageAccounting {
 public:
  static constexpr std::size_t kMaxErrorClasses = 32;

  explicit UsageAccounting(PriceTable prices, std::optional<Picodollars> budget_cap = std::nullopt);

  void count_logical_request() noexcept { ++counters_.logical_requests; }
  void count_attempt() noexcept { ++counters_.attempts; }
  void count_cache_hit() noexcept { ++counters_.cache_hits; }
  void count_error(std::string_view error_class);
  void record_latency(Duration latency) { latency_.record(latency); }

  // Usage a response reported, and its cost.
  void record_usage(std::string_view model, const TokenUsage& usage);
  // An attempt that reported no usage but may have been billed.
  void record_unreported_usage(std::string_view model, const TokenUsage& estimate);

  // The cost of `usage` on `model`; nullopt when the model has no price.
  std::optional<Picodollars> estimate_cost(std::string_view model, const TokenUsage& usage) const;

  // Nullopt when `estimated_cost` still fits under the cap (or there is none).
  std::optional<BudgetRefusal> would_exceed(Picodollars estimated_cost) const;
  std::optional<BudgetRefusal> would_exceed(std::string_view model,
                                            const TokenUsage& estimate) const;

  // Reserves `estimated_cost` for a call about to start, or refuses (and
  // keeps the first refusal). Release the reservation when the call ends,
  // before recording its usage.
  std::optional<BudgetRefusal> try_reserve(Picodollars estimated_cost);
  // The same for a call of `estimate` tokens on `model`; `reserved` is what to
  // release later (0 when refused, or for an unpriced model without a cap).
  struct Reservation {
    std::optional<BudgetRefusal> refusal;
    Picodollars reserved = 0;
  };
  Reservation try_reserve(std::string_view model, const TokenUsage& estimate);
  void release(Picodollars reserved_cost);

  const UsageCounters& counters() const noexcept { return counters_; }
  // Error classes with their counts, in name order.
  const std::map<std::string, std::uint64_t, std::less<>>& errors() const noexcept {
    return errors_;
  }
  LatencySummary latency() const;
  const LatencyHistogram& latency_histogram() const noexcept { return latency_; }
  std::optional<Picodollars> budget_cap() const noexcept { return cap_; }
  Picodollars reserved() const noexcept { return reserved_; }
  const std::optional<BudgetRefusal>& first_refusal() const noexcept { return first_refusal_; }

 private:
  void add_usage(std::string_view model, const TokenUsage& usage);

  PriceTable prices_;
  std::optional<Picodollars> cap_;
  UsageCounters counters_;
  std::map<std::string, std::uint64_t, std::less<>> errors_;
  LatencyHistogram latency_;
  Picodollars reserved_ = 0;
  std::optional<BudgetRefusal> first_refusal_;
};

}  // namespace lusifer::limits
