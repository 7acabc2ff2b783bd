#pragma once

// Everything the mock LLM server can be told: where it listens, which server
// it imitates, how slow it is, its rate limits, its faults, its prompt cache
// and where its answers come from. Plain data with a check, and the reader
// of the [mock] section of a configuration file:
//
//   [mock]
//   bind = "127.0.0.1"      port = 8000           io_threads = 2
//   token_env = "MOCK_TOKEN"                      # bearer token, from the environment
//   models = ["gpt-4o-mini"]                      reject_unknown_models = false
//   personality = "openai"                        # or "vllm", "llama.cpp"
//   allow_n = false         max_tokens_fields = "both"
//   context_window = 128000                       default_max_tokens = 4096
//   seed = 0                max_body_bytes = 4194304
//   max_connections = 4096  max_hang = "60s"
//   answers = "filler"                            # read by the CLI: or "offline"
//   [mock.latency]          distribution = "fixed"   fixed = "100ms"
//                           min, max, mean, sd, per_output_token, cap
//   [mock.limits]           rpm = 0   tpm = 0     # 0: unlimited
//   [mock.faults]           all = 0.0   rate_limit = 0.0 ... model_loading = 0.0
//                           retry_after = "1s"    # what rate_limit faults ask for
//   [mock.prefix_cache]     min_tokens = 1024   increment = 128
//                           capacity = 100000   ttl = "5m"
// docs/mock-llm.md describes every key; the CLI flags have the same names.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config_file.hpp"
#include "engine/mock/chat_request_reader.hpp"
#include "engine/mock/fault_plan.hpp"
#include "engine/mock/latency_model.hpp"
#include "engine/mock/prefix_cache.hpp"
#include "engine/mock/rate_limits.hpp"
#include "engine/mock/task_answerer.hpp"
#include "engine/mock/wire_format.hpp"

namespace lusifer::mock {

struct MockLlmOptions {
  // Network (engine/http/http_server.hpp enforces a token off loopback).
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t io_threads = 2;
  // Checked on every path but /healthz and /health. On loopback the mock
  // checks it itself (OpenAI's 401 bodies; Azure's api-key header accepted);
  // elsewhere the HTTP server checks it first.
  std::string bearer_token;
  std::size_t max_request_body_bytes = 4 * 1024 * 1024;
  std::size_t max_connections = 4096;
  std::chrono::milliseconds max_hang{60'000};  // how long a hang fault lasts at most

  // The imitated server.
  std::vector<std::string> models = {"gpt-4o-mini"};
  bool reject_unknown_models = false;  // 404 model_not_found for models not listed
  Personality personality = Personality::kOpenAI;
  bool allow_n = false;
  MaxTokensFields max_tokens_fields = MaxTokensFields::kBoth;
  std::int64_t context_window = 128'000;  // prompt + max tokens; 0: unlimited
  // Counted against TPM (and as the completion limit) when a request sets no
  // max tokens.
  std::int64_t default_max_tokens = 4096;
  std::uint64_t seed = 0;

  LatencyOptions latency;
  RateLimitOptions limits;
  FaultRates faults;
  std::chrono::nanoseconds fault_retry_after = std::chrono::seconds(1);
  PrefixCacheOptions prefix_cache;

  // Answers lusifer's tasks meaningfully when set (offline_task_answerer.hpp).
  std::shared_ptr<const TaskAnswerer> answerer;
  // The time limits and the prompt cache see; steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

// A description of the first problem with `options`, or nullopt.
std::optional<std::string> check_mock_options(const MockLlmOptions& options);

// Reads the [mock] section over `base` (keys absent keep base's values).
// The bearer token is read from the variable named by token_env. Throws
// ConfigError for wrong types, values out of range and inconsistent settings.
MockLlmOptions read_mock_options(ConfigSection mock, MockLlmOptions base = {});

}  // namespace lusifer::mock
