#include "engine/limits/usage_accounting.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace lusifer::limits {
namespace {

constexpr std::string_view kOtherErrors = "other";

std::string usd(Picodollars amount) {
  return fmt::format("${:.6f}", to_usd(amount));
}

void check_usage(const TokenUsage& usage) {
  if (usage.prompt_tokens < 0 || usage.completion_tokens < 0 || usage.cached_prompt_tokens < 0) {
    throw std::invalid_argument("usage accounting: negative token count");
  }
}

Picodollars add_checked(Picodollars a, Picodollars b) {
  Picodollars result = 0;
  if (__builtin_add_overflow(a, b, &result)) {
    throw std::overflow_error("usage accounting: cost beyond the picodollar range");
  }
  return result;
}

}  // namespace

std::string BudgetRefusal::describe() const {
  if (!unpriced_model.empty()) {
    return fmt::format("budget cap {}: model '{}' has no price, so its cost cannot be bounded",
                       usd(cap), unpriced_model);
  }
  return fmt::format("budget cap {} would be passed: spent {} + in flight {} + this call {} = {}",
                     usd(cap), usd(spent), usd(reserved), usd(requested),
                     usd(spent + reserved + requested));
}

UsageAccounting::UsageAccounting(PriceTable prices, std::optional<Picodollars> budget_cap)
    : prices_(std::move(prices)), cap_(budget_cap) {
  if (cap_ && *cap_ < 0)
    throw std::invalid_argument("usage accounting: negative budget cap");
}

void UsageAccounting::count_error(std::string_view error_class) {
  auto it = errors_.find(error_class);
  if (it == errors_.end()) {
    // One slot stays free for "other", so the map never passes the bound.
    const bool room = errors_.size() + 1 < kMaxErrorClasses || error_class == kOtherErrors;
    it = errors_.emplace(std::string(room ? error_class : kOtherErrors), 0).first;
  }
  ++it->second;
}

void UsageAccounting::add_usage(std::string_view model, const TokenUsage& usage) {
  check_usage(usage);
  const auto cost = prices_.cost(model, usage);
  if (cost) {
    counters_.cost = add_checked(counters_.cost, *cost);
  } else {
    ++counters_.unpriced_usages;
  }
  counters_.prompt_tokens += static_cast<std::uint64_t>(usage.prompt_tokens);
  counters_.cached_prompt_tokens += static_cast<std::uint64_t>(usage.cached_prompt_tokens);
  counters_.completion_tokens += static_cast<std::uint64_t>(usage.completion_tokens);
}

void UsageAccounting::record_usage(std::string_view model, const TokenUsage& usage) {
  add_usage(model, usage);
}

void UsageAccounting::record_unreported_usage(std::string_view model, const TokenUsage& estimate) {
  add_usage(model, estimate);
  ++counters_.unreported_usages;
}

std::optional<Picodollars> UsageAccounting::estimate_cost(std::string_view model,
                                                          const TokenUsage& usage) const {
  check_usage(usage);
  return prices_.cost(model, usage);
}

std::optional<BudgetRefusal> UsageAccounting::would_exceed(Picodollars estimated_cost) const {
  if (estimated_cost < 0)
    throw std::invalid_argument("usage accounting: negative cost estimate");
  if (!cap_)
    return std::nullopt;
  // Compared as cap - spent - reserved >= estimate, which cannot overflow.
  const Picodollars left = *cap_ - counters_.cost - reserved_;
  if (estimated_cost <= left)
    return std::nullopt;
  return BudgetRefusal{*cap_, counters_.cost, reserved_, estimated_cost, {}};
}

std::optional<BudgetRefusal> UsageAccounting::would_exceed(std::string_view model,
                                                           const TokenUsage& estimate) const {
  if (!cap_)
    return std::nullopt;
  const auto cost = estimate_cost(model, estimate);
  if (!cost)
    return BudgetRefusal{*cap_, counters_.cost, reserved_, 0, std::string(model)};
  return would_exceed(*cost);
}

std::optional<BudgetRefusal> UsageAccounting::try_reserve(Picodollars estimated_cost) {
  auto refusal = would_exceed(estimated_cost);
  if (refusal) {
    if (!first_refusal_)
      first_refusal_ = refusal;
    return refusal;
  }
  reserved_ = add_checked(reserved_, estimated_cost);
  return std::nullopt;
}

UsageAccounting::Reservation UsageAccounting::try_reserve(std::string_view model,
                                                          const TokenUsage& estimate) {
  const auto cost = estimate_cost(model, estimate);
  if (!cost) {
    if (!cap_)
      return {};
    BudgetRefusal refusal{*cap_, counters_.cost, reserved_, 0, std::string(model)};
    if (!first_refusal_)
      first_refusal_ = refusal;
    return {std::move(refusal), 0};
  }
  auto refusal = try_reserve(*cost);
  if (refusal)
    return {std::move(refusal), 0};
  return {std::nullopt, *cost};
}

void UsageAccounting::release(Picodollars reserved_cost) {
  if (reserved_cost < 0 || reserved_cost > reserved_) {
    throw std::invalid_argument("usage accounting: releasing more than is reserved");
  }
  reserved_ -= reserved_cost;
}

LatencySummary UsageAccounting::latency() const {
  return LatencySummary{latency_.count(), latency_.percentile(0.50), latency_.percentile(0.90),
                        latency_.percentile(0.99), latency_.max()};
}

}  // namespace lusifer::limits
