#pragma once

// The [server] section: where the environment server listens and the bounds
// it enforces (docs/env-api.md).
//
//   [server]
//   host = "127.0.0.1"        # an IP address; anything but loopback needs token_env
//   port = 8765               # 0: any free port
//   token_env = "LUSIFER_TOKEN"   # the bearer token's environment variable (optional)
//   max_sessions = 64         # sessions open at once
//   max_users_per_session = 1024
//   max_body_bytes = 4194304  # request bodies beyond it get 413
//   threads = 2               # I/O threads
//   response_timeout = "10m"  # a request the simulation has not answered by then gets 503
//   session_idle_timeout = "30m"  # when full, sessions idle this long make room ("0s": never)
//
// Errors are ConfigErrors naming the key. The token is read from the
// environment when the section is read (and registered for redaction in
// logs); it never appears in the file.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/config/config_file.hpp"

namespace lusifer::envserver {

struct EnvServerSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8765;
  std::string bearer_token;  // empty: no authentication (loopback only)
  std::size_t max_sessions = 64;
  std::size_t max_users_per_session = 1024;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t threads = 2;
  std::chrono::milliseconds response_timeout{600'000};
  std::chrono::milliseconds session_idle_timeout{1'800'000};
};

// Reads [server] (absent keys keep the defaults above).
EnvServerSettings read_env_server_settings(ConfigFile& file);

}  // namespace lusifer::envserver
