// The environment server over the synthetic-world test fixture
// (synthetic_env_service.hpp), for running the Python client's tests and the
// example agent without the actor-based service:
//
//   env_fixture_server [--port N] [--users N] [--items N] [--seed N]
//                      [--max-sessions N] [--token-env VAR]
//
// Prints "listening on <url>" on stdout once it serves, then runs until
// SIGINT or SIGTERM. Not lusifer's simulator: see synthetic_env_service.hpp.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "engine/envserver/env_http_server.hpp"
#include "tests/envserver/synthetic_env_service.hpp"

int main(int argc, char** argv) {
  using namespace lusifer;
  envserver::EnvServerSettings settings;
  settings.port = 0;
  SyntheticWorldOptions world;
  world.users = 300;
  world.items = 400;
  world.threads = 1;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view flag = argv[i];
      if (i + 1 >= argc)
        throw std::invalid_argument("missing value for " + std::string(flag));
      const std::string value = argv[++i];
      if (flag == "--port") {
        settings.port = static_cast<std::uint16_t>(std::stoul(value));
      } else if (flag == "--users") {
        world.users = std::stoull(value);
      } else if (flag == "--items") {
        world.items = std::stoull(value);
      } else if (flag == "--seed") {
        world.seed = std::stoull(value);
      } else if (flag == "--max-sessions") {
        settings.max_sessions = std::stoul(value);
      } else if (flag == "--token-env") {
        const char* token = std::getenv(value.c_str());
        if (!token || !*token)
          throw std::invalid_argument("environment variable " + value + " is unset");
        settings.bearer_token = token;
      } else {
        throw std::invalid_argument("unknown flag " + std::string(flag));
      }
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    // Blocked before any thread starts, so only sigwait below sees them.
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto service = std::make_shared<testing::SyntheticEnvService>(world);
    envserver::EnvHttpServer server(settings, service);
    std::printf("listening on %s\n", server.base_url().c_str());
    std::fflush(stdout);
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "env_fixture_server: %s\n", e.what());
    return 2;
  }
}
