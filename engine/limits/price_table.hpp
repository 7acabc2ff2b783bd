#pragma once

// What tokens cost, per model: USD per million prompt, cached-prompt and
// completion tokens, as providers publish them.
//
// Prices are kept as integer picodollars per token (USD per 1M tokens x
// 10^6), so every cost is an exact integer sum and a budget comparison never
// depends on rounding order. Any price down to $0.000001 per million tokens
// is exact; costs up to $9.2 million fit.
//
// Cost of a call = uncached prompt x prompt price + cached prompt x cached
// price + completion x completion price. Cached tokens are part of
// prompt_tokens (OpenAI's usage), so they are not charged twice. A model
// without a separate cached price pays the prompt price for them. Discounted
// modes (the Batch API's 50%) are separate entries, e.g. "gpt-4o-mini@batch".
//
// Thread-safety: const use from several threads is safe; changes are not.
// Errors: negative, non-finite or absurd (> 1e9 USD per million) prices throw
// std::invalid_argument; a single cost beyond the range throws
// std::overflow_error.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/limits/token_usage.hpp"

namespace lusifer::limits {

using Picodollars = std::int64_t;

constexpr Picodollars kPicodollarsPerUsd = 1'000'000'000'000;

// USD -> picodollars, rounded to the nearest; throws std::invalid_argument on
// NaN, infinity or a value beyond the range.
Picodollars to_picodollars(double usd);
double to_usd(Picodollars amount) noexcept;

struct ModelPrice {
  double usd_per_million_prompt = 0.0;
  std::optional<double> usd_per_million_cached_prompt;  // nullopt: the prompt price
  double usd_per_million_completion = 0.0;
};

class PriceTable {
 public:
  void set(std::string model, const ModelPrice& price);
  bool contains(std::string_view model) const;
  std::size_t size() const noexcept { return prices_.size(); }

  // The cost of `usage` on `model`; nullopt when the model has no price.
  // Negative counts are taken as zero.
  std::optional<Picodollars> cost(std::string_view model, const TokenUsage& usage) const;

 private:
  struct PerToken {
    Picodollars prompt;
    Picodollars cached_prompt;
    Picodollars completion;
  };
  std::map<std::string, PerToken, std::less<>> prices_;
};

}  // namespace lusifer::limits
