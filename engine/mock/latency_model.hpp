#pragma once

// The simulated latency of the mock LLM server's answers: a seeded draw from
// a configurable distribution, plus an optional cost per generated token.
//
//   none         0
//   fixed        `fixed`
//   uniform      uniform in [min, max]
//   exponential  min + an exponential variate of mean (mean - min)
//   lognormal    a log-normal variate whose own mean and standard deviation
//                are `mean` and `sd` (sigma^2 = ln(1 + sd^2/mean^2),
//                mu = ln(mean) - sigma^2/2)
// then + per_output_token x completion tokens, and the total is capped at
// `cap`, so a long tail can never hold a connection forever.
//
// Draws use lusifer::Rng only, so a seed gives the same latencies on every
// platform. Pure; thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/random.hpp"

namespace lusifer::mock {

enum class LatencyDistribution { kNone, kFixed, kUniform, kExponential, kLogNormal };

// "none", "fixed", "uniform", "exponential", "lognormal".
std::string_view latency_distribution_name(LatencyDistribution distribution) noexcept;
// Also accepts "log-normal" and "log_normal".
std::optional<LatencyDistribution> parse_latency_distribution(std::string_view name) noexcept;

struct LatencyOptions {
  LatencyDistribution distribution = LatencyDistribution::kNone;
  std::chrono::nanoseconds fixed{0};
  std::chrono::nanoseconds min{0};   // uniform, exponential
  std::chrono::nanoseconds max{0};   // uniform
  std::chrono::nanoseconds mean{0};  // exponential, lognormal
  std::chrono::nanoseconds sd{0};    // lognormal
  std::chrono::nanoseconds per_output_token{0};
  std::chrono::nanoseconds cap = std::chrono::minutes(10);
};

// A description of what is wrong with `options` for its distribution, or
// nullopt.
std::optional<std::string> check_latency_options(const LatencyOptions& options);

// The latency of one answer of `completion_tokens` tokens.
std::chrono::nanoseconds sample_latency(const LatencyOptions& options, Rng& rng,
                                        std::int64_t completion_tokens) noexcept;

}  // namespace lusifer::mock
