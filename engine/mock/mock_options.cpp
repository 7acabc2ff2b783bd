#include "engine/mock/mock_options.hpp"

#include <exception>

#include <fmt/format.h>

namespace lusifer::mock {
namespace {

using std::chrono::nanoseconds;

}  // namespace

std::optional<std::string> check_mock_options(const MockLlmOptions& o) {
  if (o.io_threads == 0 || o.io_threads > 64)
    return fmt::format("io_threads must be 1 to 64, not {}", o.io_threads);
  if (o.max_connections == 0)
    return std::string("max_connections must be > 0");
  if (o.max_request_body_bytes < 1024)
    return std::string("max_body_bytes must be at least 1024");
  if (o.max_hang.count() <= 0)
    return std::string("max_hang must be positive");
  if (o.models.empty())
    return std::string("at least one model name is needed");
  for (const auto& m : o.models) {
    if (m.empty())
      return std::string("model names must not be empty");
  }
  if (o.context_window < 0)
    return std::string("context_window must be >= 0 (0: unlimited)");
  if (o.default_max_tokens < 1)
    return std::string("default_max_tokens must be >= 1");
  if (o.limits.requests_per_minute < 0 || o.limits.tokens_per_minute < 0)
    return std::string("rate limits must be >= 0 (0: unlimited)");
  if (o.fault_retry_after.count() < 0)
    return std::string("the faults' retry_after must not be negative");
  if (auto problem = check_latency_options(o.latency))
    return problem;
  try {
    FaultPlan plan(o.faults);
    PrefixCache cache(o.prefix_cache);
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

MockLlmOptions read_mock_options(ConfigSection mock, MockLlmOptions o) {
  o.bind_address = mock.get<std::string>("bind", o.bind_address);
  o.port = mock.get<std::uint16_t>("port", o.port);
  o.io_threads = static_cast<std::size_t>(
      mock.get_int("io_threads", static_cast<std::int64_t>(o.io_threads), 1, 64));
  if (const auto token = mock.optional_env_secret("token_env"))
    o.bearer_token = token->resolve();
  o.max_request_body_bytes = static_cast<std::size_t>(mock.get_int(
      "max_body_bytes", static_cast<std::int64_t>(o.max_request_body_bytes), 1024, 1LL << 32));
  o.max_connections = static_cast<std::size_t>(
      mock.get_int("max_connections", static_cast<std::int64_t>(o.max_connections), 1, 1'000'000));
  o.max_hang = mock.get<std::chrono::milliseconds>("max_hang", o.max_hang);

  o.models = mock.get<std::vector<std::string>>("models", o.models);
  o.reject_unknown_models = mock.get<bool>("reject_unknown_models", o.reject_unknown_models);
  o.personality = mock.get_enum("personality", o.personality,
                                {{"openai", Personality::kOpenAI},
                                 {"vllm", Personality::kVllm},
                                 {"llama.cpp", Personality::kLlamaCpp}});
  o.allow_n = mock.get<bool>("allow_n", o.allow_n);
  o.max_tokens_fields =
      mock.get_enum("max_tokens_fields", o.max_tokens_fields,
                    {{"both", MaxTokensFields::kBoth},
                     {"max_completion_tokens", MaxTokensFields::kMaxCompletionTokens},
                     {"max_tokens", MaxTokensFields::kMaxTokens}});
  o.context_window = mock.get_int("context_window", o.context_window, 0, 1LL << 40);
  o.default_max_tokens = mock.get_int("default_max_tokens", o.default_max_tokens, 1, 1LL << 30);
  o.seed = mock.get<std::uint64_t>("seed", o.seed);

  ConfigSection latency = mock.section("latency");
  o.latency.distribution = latency.get_enum("distribution", o.latency.distribution,
                                            {{"none", LatencyDistribution::kNone},
                                             {"fixed", LatencyDistribution::kFixed},
                                             {"uniform", LatencyDistribution::kUniform},
                                             {"exponential", LatencyDistribution::kExponential},
                                             {"lognormal", LatencyDistribution::kLogNormal}});
  o.latency.fixed = latency.get<nanoseconds>("fixed", o.latency.fixed);
  o.latency.min = latency.get<nanoseconds>("min", o.latency.min);
  o.latency.max = latency.get<nanoseconds>("max", o.latency.max);
  o.latency.mean = latency.get<nanoseconds>("mean", o.latency.mean);
  o.latency.sd = latency.get<nanoseconds>("sd", o.latency.sd);
  o.latency.per_output_token =
      latency.get<nanoseconds>("per_output_token", o.latency.per_output_token);
  o.latency.cap = latency.get<nanoseconds>("cap", o.latency.cap);
  if (auto problem = check_latency_options(o.latency))
    throw latency.invalid("distribution", "consistent latency settings", *problem);

  ConfigSection limits = mock.section("limits");
  o.limits.requests_per_minute = limits.get_int("rpm", o.limits.requests_per_minute, 0, 1LL << 40);
  o.limits.tokens_per_minute = limits.get_int("tpm", o.limits.tokens_per_minute, 0, 1LL << 50);

  ConfigSection faults = mock.section("faults");
  o.faults.all = faults.get_double("all", o.faults.all, 0.0, 1.0);
  for (std::size_t i = 1; i < kFaultKindCount; ++i) {
    const auto kind = static_cast<FaultKind>(i);
    o.faults[kind] = faults.get_double(fault_kind_name(kind), o.faults[kind], 0.0, 1.0);
  }
  o.fault_retry_after = faults.get<nanoseconds>("retry_after", o.fault_retry_after);
  try {
    FaultPlan plan(o.faults);
  } catch (const std::invalid_argument& e) {
    throw faults.invalid("all", "fault rates adding up to at most 1", e.what());
  }

  ConfigSection cache = mock.section("prefix_cache");
  o.prefix_cache.min_tokens = cache.get_int("min_tokens", o.prefix_cache.min_tokens, 0, 1LL << 30);
  o.prefix_cache.increment = cache.get_int("increment", o.prefix_cache.increment, 1, 1LL << 30);
  o.prefix_cache.capacity = static_cast<std::size_t>(cache.get_int(
      "capacity", static_cast<std::int64_t>(o.prefix_cache.capacity), 1, 100'000'000));
  o.prefix_cache.ttl = cache.get<nanoseconds>("ttl", o.prefix_cache.ttl);

  if (auto problem = check_mock_options(o))
    throw mock.invalid("bind", "consistent [mock] settings", *problem);
  return o;
}

}  // namespace lusifer::mock
