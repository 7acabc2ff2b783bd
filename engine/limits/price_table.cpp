#include "engine/limits/price_table.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lusifer::limits {
namespace {

// USD per million tokens -> picodollars per token: x 10^12 / 10^6.
Picodollars per_token(double usd_per_million, const std::string& model) {
  if (!std::isfinite(usd_per_million) || usd_per_million < 0.0 || usd_per_million > 1e9) {
    throw std::invalid_argument("price table: prices of " + model +
                                " must be finite, >= 0 and <= 1e9 USD per million tokens");
  }
  return static_cast<Picodollars>(std::llround(usd_per_million * 1'000'000.0));
}

Picodollars checked_product(std::int64_t tokens, Picodollars price) {
  Picodollars result = 0;
  if (__builtin_mul_overflow(tokens, price, &result)) {
    throw std::overflow_error("price table: cost beyond $9.2 million in one call");
  }
  return result;
}

Picodollars checked_sum(Picodollars a, Picodollars b) {
  Picodollars result = 0;
  if (__builtin_add_overflow(a, b, &result)) {
    throw std::overflow_error("price table: cost beyond $9.2 million in one call");
  }
  return result;
}

}  // namespace

Picodollars to_picodollars(double usd) {
  const double scaled = std::round(usd * static_cast<double>(kPicodollarsPerUsd));
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  if (!std::isfinite(scaled) || std::fabs(scaled) >= 9.223372036854775808e18) {
    throw std::invalid_argument("amount in USD out of range");
  }
  return static_cast<Picodollars>(scaled);
}

double to_usd(Picodollars amount) noexcept {
  return static_cast<double>(amount) / static_cast<double>(kPicodollarsPerUsd);
}

void PriceTable::set(std::string model, const ModelPrice& price) {
  PerToken entry{};
  entry.prompt = per_token(price.usd_per_million_prompt, model);
  entry.cached_prompt =
      per_token(price.usd_per_million_cached_prompt.value_or(price.usd_per_million_prompt), model);
  entry.completion = per_token(price.usd_per_million_completion, model);
  prices_.insert_or_assign(std::move(model), entry);
}

bool PriceTable::contains(std::string_view model) const {
  return prices_.find(model) != prices_.end();
}

std::optional<Picodollars> PriceTable::cost(std::string_view model, const TokenUsage& usage) const {
  const auto it = prices_.find(model);
  if (it == prices_.end())
    return std::nullopt;
  const PerToken& p = it->second;
  const std::int64_t cached =
      std::max<std::int64_t>(0, std::min(usage.cached_prompt_tokens, usage.prompt_tokens));
  const std::int64_t completion = std::max<std::int64_t>(0, usage.completion_tokens);
  return checked_sum(checked_sum(checked_product(usage.uncached_prompt_tokens(), p.prompt),
                                 checked_product(cached, p.cached_prompt)),
                     checked_product(completion, p.completion));
}

}  // namespace lusifer::limits
