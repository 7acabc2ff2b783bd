#include "engine/envserver/env_server_settings.hpp"

#include <string>

#include "engine/http/network_address.hpp"

namespace lusifer::envserver {

EnvServerSettings read_env_server_settings(ConfigFile& file) {
  ConfigSection server = file.section("server");
  EnvServerSettings s;
  s.host = server.get<std::string>("host", s.host);
  // The HTTP server binds IP literals only; the one name everyone writes is spared.
  if (s.host == "localhost")
    s.host = "127.0.0.1";
  s.port = server.get<std::uint16_t>("port", s.port);
  const auto token = server.optional_env_secret("token_env");
  s.max_sessions = static_cast<std::size_t>(
      server.get_int("max_sessions", static_cast<std::int64_t>(s.max_sessions), 1, 100'000));
  s.max_users_per_session = static_cast<std::size_t>(server.get_int(
      "max_users_per_session", static_cast<std::int64_t>(s.max_users_per_session), 1, 10'000'000));
  s.max_body_bytes = static_cast<std::size_t>(server.get_int(
      "max_body_bytes", static_cast<std::int64_t>(s.max_body_bytes), 1024, 1LL << 30));
  s.threads = static_cast<std::size_t>(
      server.get_int("threads", static_cast<std::int64_t>(s.threads), 1, 256));
  s.response_timeout =
      server.get<std::chrono::milliseconds>("response_timeout", s.response_timeout);
  if (s.response_timeout <= std::chrono::milliseconds(0)) {
    throw server.invalid("response_timeout", "a positive duration",
                         std::to_string(s.response_timeout.count()) + "ms");
  }
  s.session_idle_timeout =
      server.get<std::chrono::milliseconds>("session_idle_timeout", s.session_idle_timeout);
  if (s.session_idle_timeout < std::chrono::milliseconds(0)) {
    throw server.invalid("session_idle_timeout", "a duration >= 0",
                         std::to_string(s.session_idle_timeout.count()) + "ms");
  }
  if (!is_loopback_address(s.host) && !token) {
    throw server.invalid("token_env",
                         "a bearer token (token_env) because server.host is not a loopback address",
                         "no token_env for host " + s.host);
  }
  if (token)
    s.bearer_token = token->resolve();
  return s;
}

}  // namespace lusifer::envserver
