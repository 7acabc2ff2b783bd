#include "engine/gateway/gateway_settings.hpp"

#include <string_view>

#include <fmt/format.h>

namespace lusifer {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kOffline = "offline";

void read_limits(ConfigSection s, GatewaySettings& g) {
  g.rate.requests_per_minute = s.optional_int("requests_per_minute", 1, 1'000'000'000);
  g.rate.tokens_per_minute = s.optional_int("tokens_per_minute", 1, 1'000'000'000'000);
  g.rate.cached_prompt_tokens_count = s.get<bool>("cached_tokens_count", true);
  // False for servers that keep the estimate charged at admission (the mock, like OpenAI).
  g.rate.refund_unused_estimate = s.get<bool>("refund_unused_estimate", true);
  g.concurrency.initial_limit = static_cast<int>(s.get_int("initial_concurrency", 8, 1, 100'000));
  g.concurrency.min_limit = static_cast<int>(s.get_int("min_concurrency", 1, 1, 100'000));
  g.concurrency.max_limit = static_cast<int>(s.get_int("max_concurrency", 256, 1, 100'000));
  g.concurrency.decrease_interval = s.get<milliseconds>("decrease_interval", milliseconds(2'000));
}

void read_retry(ConfigSection s, GatewaySettings& g) {
  g.retry.max_attempts = static_cast<int>(s.get_int("max_attempts", 5, 1, 100));
  g.retry.call_deadline = s.get<milliseconds>("deadline", milliseconds(10 * 60'000));
  g.retry.backoff.base = s.get<milliseconds>("base_delay", milliseconds(500));
  g.retry.backoff.cap = s.get<milliseconds>("max_delay", milliseconds(20'000));
  g.retry.backoff.max_server_delay = s.get<milliseconds>("max_server_delay", milliseconds(120'000));
  g.max_repairs = static_cast<int>(s.get_int("max_repairs", 2, 0, 10));
}

void read_breaker(ConfigSection s, GatewaySettings& g) {
  g.breaker.consecutive_failures = static_cast<int>(s.get_int("consecutive_failures", 5, 1, 1000));
  g.breaker.failure_ratio = s.get_double("failure_ratio", 0.5, 0.01, 1.0);
  g.breaker.cool_down = s.get<milliseconds>("cool_down", milliseconds(30'000));
  g.breaker.quota_cool_down = s.get<milliseconds>("quota_cool_down", milliseconds(600'000));
}

void read_prices(ConfigSection s, GatewaySettings& g) {
  g.budget_usd = s.optional_double("budget_usd", 0.0, 1e9);
  for (ConfigSection model : s.tables("model")) {
    limits::ModelPrice price;
    const auto name = model.require<std::string>("name");
    price.usd_per_million_prompt = model.require_double("prompt", 0.0, 1e6);
    price.usd_per_million_cached_prompt = model.optional_double("cached_prompt", 0.0, 1e6);
    price.usd_per_million_completion = model.require_double("completion", 0.0, 1e6);
    g.prices.set(name, price);
  }
}

void read_pool(ConfigSection s, GatewaySettings& g) {
  g.gateway_actors = static_cast<std::size_t>(s.get_int("actors", 4, 1, 256));
  g.queue_capacity_interactive =
      static_cast<std::size_t>(s.get_int("queue_interactive", 20'000, 1, 100'000'000));
  g.queue_capacity_bulk =
      static_cast<std::size_t>(s.get_int("queue_bulk", 100'000, 1, 100'000'000));
  g.queue_aging_step = s.get<milliseconds>("aging_step", milliseconds(2'000));
  g.max_connections = static_cast<std::size_t>(s.get_int("max_connections", 256, 1, 100'000));
  g.http_threads = static_cast<std::size_t>(s.get_int("http_threads", 1, 1, 64));
}

}  // namespace

GatewaySettings read_gateway_settings(ConfigFile& file) {
  ConfigSection llm = file.section("llm");
  GatewaySettings g;
  const std::string backend = llm.get<std::string>("backend", std::string(kOffline));
  g.uses_llm = backend != kOffline;
  if (g.uses_llm) {
    const auto kind = llm::parse_backend_kind(backend);
    if (!kind) {
      throw llm.invalid("backend", fmt::format("one of offline, {}", llm::kBackendKindChoices),
                        fmt::format("\"{}\"", backend));
    }
    g.profile = llm::default_backend_profile(*kind);
  }
  if (const auto url = llm.optional<std::string>("base_url"))
    g.profile.base_url = *url;
  g.profile.azure_deployment = llm.get<std::string>("azure_deployment", "");
  g.profile.azure_api_version =
      llm.get<std::string>("azure_api_version", std::string(llm::kDefaultAzureApiVersion));
  if (const auto json_schema = llm.optional<bool>("supports_json_schema")) {
    g.profile.supports_json_schema = *json_schema;
  }
  g.profile.context_length = llm.optional_int("context_length", 1, 100'000'000);
  g.model = llm.get<std::string>("model", "");
  g.api_key = llm.optional_env_secret("api_key_env");
  g.temperature = llm.optional_double("temperature", 0.0, 2.0);
  g.send_seed = llm.get<bool>("send_seed", true);
  g.max_output_tokens = llm.get_int("max_output_tokens", 700, 1, 1'000'000);
  g.json_schema = llm.get<bool>("json_schema", true);
  g.connect_timeout = llm.get<milliseconds>("connect_timeout", milliseconds(5'000));
  g.request_timeout = llm.get<milliseconds>("request_timeout", milliseconds(120'000));
  g.ca_file = llm.get<std::filesystem::path>("ca_file", "");

  read_limits(llm.section("limits"), g);
  read_retry(llm.section("retry"), g);
  read_breaker(llm.section("breaker"), g);
  {
    ConfigSection batching = llm.section("batching");
    g.batch_window = batching.get<milliseconds>("window", milliseconds(20));
    g.max_items_per_call =
        static_cast<std::size_t>(batching.get_int("max_items_per_call", 10, 1, 200));
  }
  {
    ConfigSection cache = llm.section("cache");
    g.cache_mode = cache.get_enum("mode", CacheMode::kReadWrite,
                                  {{"off", CacheMode::kOff},
                                   {"read-write", CacheMode::kReadWrite},
                                   {"replay-only", CacheMode::kReplayOnly}});
    g.cache_path = cache.get<std::filesystem::path>("path", "cache/responses.sqlite");
    g.cache_commit_interval = cache.get<milliseconds>("commit_interval", milliseconds(5));
  }
  read_prices(llm.section("prices"), g);
  read_pool(llm.section("pool"), g);

  if (g.uses_llm) {
    if (g.model.empty() && g.profile.kind != llm::BackendKind::kAzure) {
      throw llm.invalid("model", "the model to call", "none");
    }
    if (const auto problem = llm::check_backend_profile(g.profile)) {
      throw llm.invalid("base_url", "a usable endpoint", *problem);
    }
    if (g.profile.requires_api_key && !g.api_key) {
      throw llm.invalid("api_key_env",
                        fmt::format("the environment variable holding the {} API key (for "
                                    "example api_key_env = \"OPENAI_API_KEY\")",
                                    llm::backend_kind_name(g.profile.kind)),
                        "none");
    }
    if (g.concurrency.min_limit > g.concurrency.max_limit) {
      throw llm.section("limits").invalid(
          "min_concurrency", "at most max_concurrency",
          fmt::format("{} > {}", g.concurrency.min_limit, g.concurrency.max_limit));
    }
    g.concurrency.initial_limit =
        std::clamp(g.concurrency.initial_limit, g.concurrency.min_limit, g.concurrency.max_limit);
    if (g.budget_usd && !g.prices.contains(g.model)) {
      throw llm.section("prices").invalid(
          "budget_usd",
          fmt::format("a price for the model \"{}\" ([[llm.prices.model]]) with a budget", g.model),
          "none");
    }
  }
  return g;
}

std::string describe_backend(const GatewaySettings& settings) {
  if (!settings.uses_llm)
    return "offline model (not an LLM)";
  return fmt::format(
      "{} {} at {}", llm::backend_kind_name(settings.profile.kind), settings.model,
      settings.profile.base_url.empty() ? std::string("(default URL)") : settings.profile.base_url);
}

}  // namespace lusifer
