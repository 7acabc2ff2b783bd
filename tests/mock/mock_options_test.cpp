// The [mock] section of a configuration file, and the checks on options.

#include "engine/mock/mock_options.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "engine/config/config_error.hpp"
#include "engine/config/config_file.hpp"

using namespace lusifer;
using namespace lusifer::mock;
using namespace std::chrono_literals;

namespace {

MockLlmOptions read(const std::string& text) {
  ConfigFile file = ConfigFile::parse(text, "mock.toml");
  MockLlmOptions options = read_mock_options(file.section("mock"));
  file.check_all_consumed();
  return options;
}

ConfigError read_error(const std::string& text) {
  try {
    read(text);
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("no ConfigError for:\n" << text);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("every key of [mock] is read", "[mock][options]") {
  ::setenv("LUSIFER_MOCK_TEST_TOKEN", "token-from-the-environment", 1);
  const auto o = read(R"(
[mock]
bind = "127.0.0.1"
port = 8123
io_threads = 3
token_env = "LUSIFER_MOCK_TEST_TOKEN"
max_body_bytes = 65536
max_connections = 100
max_hang = "5s"
models = ["a", "b"]
reject_unknown_models = true
personality = "llama.cpp"
allow_n = true
max_tokens_fields = "max_completion_tokens"
context_window = 8192
default_max_tokens = 256
seed = 99

[mock.latency]
distribution = "lognormal"
mean = "800ms"
sd = "400ms"
per_output_token = "2ms"
cap = "30s"

[mock.limits]
rpm = 500
tpm = 200000

[mock.faults]
all = 0.1
hang = 0.01
wrong_content = 0.02
retry_after = "2s"

[mock.prefix_cache]
min_tokens = 2048
increment = 256
capacity = 10
ttl = "1m"
)");
  CHECK(o.port == 8123);
  CHECK(o.io_threads == 3);
  CHECK(o.bearer_token == "token-from-the-environment");
  CHECK(o.max_request_body_bytes == 65536);
  CHECK(o.max_connections == 100);
  CHECK(o.max_hang == 5s);
  CHECK(o.models == std::vector<std::string>{"a", "b"});
  CHECK(o.reject_unknown_models);
  CHECK(o.personality == Personality::kLlamaCpp);
  CHECK(o.allow_n);
  CHECK(o.max_tokens_fields == MaxTokensFields::kMaxCompletionTokens);
  CHECK(o.context_window == 8192);
  CHECK(o.default_max_tokens == 256);
  CHECK(o.seed == 99);
  CHECK(o.latency.distribution == LatencyDistribution::kLogNormal);
  CHECK(o.latency.mean == 800ms);
  CHECK(o.latency.sd == 400ms);
  CHECK(o.latency.per_output_token == 2ms);
  CHECK(o.latency.cap == 30s);
  CHECK(o.limits.requests_per_minute == 500);
  CHECK(o.limits.tokens_per_minute == 200000);
  CHECK(o.faults.all == 0.1);
  CHECK(o.faults[FaultKind::kHang] == 0.01);
  CHECK(o.faults[FaultKind::kWrongContent] == 0.02);
  CHECK(o.fault_retry_after == 2s);
  CHECK(o.prefix_cache.min_tokens == 2048);
  CHECK(o.prefix_cache.increment == 256);
  CHECK(o.prefix_cache.capacity == 10);
  CHECK(o.prefix_cache.ttl == 1min);
  CHECK_FALSE(check_mock_options(o));
}

TEST_CASE("an absent or empty [mock] section keeps the defaults", "[mock][options]") {
  const MockLlmOptions defaults;
  for (const char* text : {"", "[mock]\n"}) {
    const auto o = read(text);
    CHECK(o.bind_address == defaults.bind_address);
    CHECK(o.port == defaults.port);
    CHECK(o.models == defaults.models);
    CHECK(o.latency.distribution == LatencyDistribution::kNone);
    CHECK(o.faults.all == 0.0);
    CHECK(o.limits.requests_per_minute == 0);
  }
}

TEST_CASE("mistakes in [mock] name the file, line and key", "[mock][options]") {
  auto e = read_error("[mock]\npersonality = \"ollama\"\n");
  CHECK(e.line() == 2);
  CHECK(e.key() == "mock.personality");
  e = read_error("[mock.faults]\nall = 1.5\n");
  CHECK(e.key() == "mock.faults.all");
  e = read_error("[mock.faults]\nall = 0.6\nhang = 0.5\n");
  CHECK(std::string(e.what()).find("more than 1") != std::string::npos);
  e = read_error("[mock.latency]\ndistribution = \"uniform\"\nmin = \"2s\"\nmax = \"1s\"\n");
  CHECK(std::string(e.what()).find("min <= max") != std::string::npos);
  e = read_error("[mock.latency]\nfixed = 100\n");  // a duration needs a unit
  CHECK(e.key() == "mock.latency.fixed");
  e = read_error("[mock]\nmodels = []\n");
  CHECK(std::string(e.what()).find("at least one model") != std::string::npos);
  e = read_error("[mock]\ntoken_env = \"LUSIFER_MOCK_SURELY_UNSET_VARIABLE\"\n");
  CHECK(std::string(e.what()).find("LUSIFER_MOCK_SURELY_UNSET_VARIABLE") != std::string::npos);
  // A typo is an unknown key.
  CHECK_THROWS_AS(read("[mock]\nmodles = [\"x\"]\n"), ConfigError);
  // Secrets never sit in the file.
  CHECK_THROWS_AS(read("[mock]\ntoken = \"abc\"\n"), ConfigError);
}

TEST_CASE("options are checked before a server is made", "[mock][options]") {
  MockLlmOptions o;
  CHECK_FALSE(check_mock_options(o));
  o.io_threads = 0;
  CHECK(check_mock_options(o));
  o = {};
  o.default_max_tokens = 0;
  CHECK(check_mock_options(o));
  o = {};
  o.models = {""};
  CHECK(check_mock_options(o));
  o = {};
  o.prefix_cache.capacity = 0;
  CHECK(check_mock_options(o));
  o = {};
  o.faults[FaultKind::kServerError] = 2.0;
  CHECK(check_mock_options(o));
  o = {};
  o.limits.tokens_per_minute = -5;
  CHECK(check_mock_options(o));
}
