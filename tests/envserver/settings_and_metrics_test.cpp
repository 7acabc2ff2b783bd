// The [server] settings and the Prometheus rendering of the env server's
// counters.

#include <chrono>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "engine/config/config_error.hpp"
#include "engine/config/config_file.hpp"
#include "engine/envserver/env_metrics.hpp"
#include "engine/envserver/env_server_settings.hpp"

using namespace lusifer;
using namespace lusifer::envserver;
using namespace std::chrono_literals;

TEST_CASE("[server] defaults to loopback without a token", "[envserver][settings]") {
  auto file = ConfigFile::parse("", "server.toml");
  const auto s = read_env_server_settings(file);
  CHECK(s.host == "127.0.0.1");
  CHECK(s.port == 8765);
  CHECK(s.bearer_token.empty());
  CHECK(s.max_sessions == 64);
  CHECK(s.max_users_per_session == 1024);
  CHECK(s.max_body_bytes == 4u * 1024 * 1024);
  CHECK(s.threads == 2);
  CHECK(s.response_timeout == 10min);
  CHECK(s.session_idle_timeout == 30min);
  file.check_all_consumed();
}

TEST_CASE("[server] reads every key", "[envserver][settings]") {
  ::setenv("LUSIFER_ENV_TEST_TOKEN", "a-token-of-some-length", 1);
  auto file = ConfigFile::parse(R"(
[server]
host = "0.0.0.0"
port = 9000
token_env = "LUSIFER_ENV_TEST_TOKEN"
max_sessions = 3
max_users_per_session = 10
max_body_bytes = 2048
threads = 4
response_timeout = "30s"
session_idle_timeout = "0s"
)",
                                "server.toml");
  const auto s = read_env_server_settings(file);
  CHECK(s.host == "0.0.0.0");
  CHECK(s.port == 9000);
  CHECK(s.bearer_token == "a-token-of-some-length");
  CHECK(s.max_sessions == 3);
  CHECK(s.max_users_per_session == 10);
  CHECK(s.max_body_bytes == 2048);
  CHECK(s.threads == 4);
  CHECK(s.response_timeout == 30s);
  CHECK(s.session_idle_timeout == 0s);
  file.check_all_consumed();
  ::unsetenv("LUSIFER_ENV_TEST_TOKEN");
}

TEST_CASE("[server] refuses unsafe or impossible settings", "[envserver][settings]") {
  auto fails_with = [](const char* text, const char* needle) {
    auto file = ConfigFile::parse(text, "server.toml");
    INFO(text);
    CHECK_THROWS_WITH(read_env_server_settings(file), Catch::Contains(needle));
  };
  fails_with("[server]\nhost = \"0.0.0.0\"\n", "token_env");
  fails_with("[server]\nmax_sessions = 0\n", "server.max_sessions");
  fails_with("[server]\nport = 70000\n", "server.port");
  fails_with("[server]\nthreads = \"two\"\n", "server.threads");
  fails_with("[server]\nresponse_timeout = \"0s\"\n", "server.response_timeout");
  fails_with("[server]\ntoken_env = \"LUSIFER_ENV_TEST_UNSET\"\n", "LUSIFER_ENV_TEST_UNSET");
  auto file = ConfigFile::parse("[server]\nhots = \"x\"\n", "server.toml");
  read_env_server_settings(file);
  CHECK_THROWS_AS(file.check_all_consumed(), ConfigError);
}

TEST_CASE("localhost is accepted as the loopback address", "[envserver][settings]") {
  auto file = ConfigFile::parse("[server]\nhost = \"localhost\"\n", "server.toml");
  CHECK(read_env_server_settings(file).host == "127.0.0.1");
}

TEST_CASE("metrics render in the Prometheus text format", "[envserver][metrics]") {
  EnvMetrics metrics;
  metrics.request(Endpoint::kStep);
  metrics.request(Endpoint::kStep);
  metrics.request(Endpoint::kCreate);
  metrics.session_created();
  metrics.sessions_expired(2);
  metrics.reset();
  metrics.error(EnvErrorKind::kUnknownItem);
  metrics.error(EnvErrorKind::kUnknownItem);
  metrics.error(EnvErrorKind::kInternal);
  metrics.step(3ms, 64, 2, 1);
  metrics.step(2s, 10, 0, 0);
  metrics.step(1h, 1, 0, 0);

  auto snapshot = metrics.snapshot();
  CHECK(snapshot.requests_to(Endpoint::kStep) == 2);
  CHECK(snapshot.steps == 3);
  CHECK(snapshot.user_steps == 75);
  CHECK(snapshot.errors_of(EnvErrorKind::kUnknownItem) == 2);
  snapshot.sessions_open = 4;
  const std::string text = render_prometheus(snapshot);
  CHECK_THAT(text, Catch::Contains("# TYPE lusifer_env_sessions_open gauge\n"
                                   "lusifer_env_sessions_open 4\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_sessions_created_total 1\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_sessions_expired_total 2\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_requests_total{endpoint=\"step\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_requests_total{endpoint=\"create\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_resets_total 1\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_steps_total 3\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_user_steps_total 75\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_late_user_steps_total 2\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_failed_user_steps_total 1\n"));
  CHECK_THAT(text,
             Catch::Contains("lusifer_env_errors_total{status=\"400\",type=\"unknown_item\"} 2\n"));
  CHECK_THAT(text, Catch::Contains(
                       "lusifer_env_errors_total{status=\"500\",type=\"internal_error\"} 1\n"));
  // Buckets are cumulative: 3 ms falls in le=0.005, 2 s in le=2.5, 1 h only in +Inf.
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_bucket{le=\"0.001\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_bucket{le=\"0.005\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_bucket{le=\"2.5\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_bucket{le=\"120\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_bucket{le=\"+Inf\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_count 3\n"));
  CHECK_THAT(text, Catch::Contains("lusifer_env_step_latency_seconds_sum 3602.003\n"));
}
