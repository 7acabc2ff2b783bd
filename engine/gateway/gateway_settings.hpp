#pragma once

// How the LLM gateway reaches its endpoint and how carefully it uses it: the
// [llm] section of a run's configuration.
//
//   [llm]                  backend, endpoint, model, API key variable, sampling
//   [llm.limits]           the provider's RPM/TPM (unknown: adapt concurrency)
//   [llm.retry]            attempts, backoff, deadline
//   [llm.breaker]          circuit breaker
//   [llm.batching]         merging a user's rating requests into one call
//   [llm.cache]            the persistent response cache
//   [llm.prices]           USD per million tokens, and the budget cap
//   [llm.pool]             gateway actors, queue bounds, connections
//
// backend = "offline" selects the deterministic offline model (not an LLM);
// the other sections are then read (so typos are still caught) but unused.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/cache/response_cache.hpp"
#include "engine/config/config_file.hpp"
#include "engine/config/env_secret.hpp"
#include "engine/limits/circuit_breaker.hpp"
#include "engine/limits/concurrency_controller.hpp"
#include "engine/limits/price_table.hpp"
#include "engine/limits/rate_limiter.hpp"
#include "engine/limits/retry_policy.hpp"
#include "engine/llm/backend_profile.hpp"

namespace lusifer {

struct GatewaySettings {
  // False for backend = "offline": no endpoint is called at all.
  bool uses_llm = false;
  llm::BackendProfile profile;
  std::string model;
  std::optional<EnvSecret> api_key;  // resolved when the gateway starts
  std::optional<double> temperature;
  bool send_seed = true;  // the run's seed, for reproducible sampling where supported
  std::int64_t max_output_tokens = 700;
  bool json_schema = true;  // ask for a JSON schema where the backend supports it
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{120'000};
  std::filesystem::path ca_file;

  limits::RateLimiterConfig rate;
  limits::ConcurrencyConfig concurrency;  // used where rate limits are unknown
  limits::RetryConfig retry;
  // How often a partial or malformed answer is asked again (re-asking only
  // what is missing), beyond the transport retries above.
  int max_repairs = 2;
  limits::CircuitBreakerConfig breaker;

  std::chrono::milliseconds batch_window{20};
  std::size_t max_items_per_call = 10;

  CacheMode cache_mode = CacheMode::kReadWrite;
  std::filesystem::path cache_path = "cache/responses.sqlite";
  std::chrono::milliseconds cache_commit_interval{5};

  limits::PriceTable prices;
  std::optional<double> budget_usd;

  std::size_t gateway_actors = 4;
  std::size_t queue_capacity_interactive = 20'000;
  std::size_t queue_capacity_bulk = 100'000;
  std::chrono::milliseconds queue_aging_step{2'000};
  std::size_t max_connections = 256;
  std::size_t http_threads = 1;
};

// Reads [llm] and its subsections. Throws ConfigError for bad values.
GatewaySettings read_gateway_settings(ConfigFile& file);

// "<backend> <model> at <base URL>", or "offline model (not an LLM)".
std::string describe_backend(const GatewaySettings& settings);

}  // namespace lusifer
