// lusifer serve: the simulated users as Gymnasium-style environments over
// HTTP + JSON (docs/env-api.md), until SIGINT or SIGTERM.

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>

#include <caf/actor_system.hpp>
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "actors/env_service_impl.hpp"
#include "actors/simulation_runner.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/config/config_override.hpp"
#include "engine/envserver/env_http_server.hpp"
#include "engine/envserver/env_server_settings.hpp"

namespace lusifer::cli {
namespace {

struct ServeOptions {
  RunOptions run;
  std::string host;  // empty: server.host
  int port = -1;     // negative: server.port
};

void serve(const ServeOptions& o) {
  ConfigFile file = ConfigFile::load(o.run.config);
  apply_overrides(file, o.run.overrides);
  // [server] first: read_run_settings checks that every key was read.
  envserver::EnvServerSettings server_settings = envserver::read_env_server_settings(file);
  RunSettings settings = read_run_settings(file);
  if (!o.host.empty())
    server_settings.host = o.host == "localhost" ? "127.0.0.1" : o.host;
  if (o.port >= 0)
    server_settings.port = static_cast<std::uint16_t>(o.port);

  // SIGINT and SIGTERM are taken by sigwait below; block them before any
  // thread starts, so that every thread inherits the mask. One that arrives
  // while the users are prepared ends the command as soon as serving starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const auto directory = run_directory(o.run, settings);
  auto config = make_actor_system_config(&settings);
  caf::actor_system system{*config};
  SimulationRunner runner(system, std::move(settings), directory, LUSIFER_GIT_REVISION);
  std::shared_ptr<SimulatedEnvService> service;
  try {
    runner.prepare();
    const ProfilePhaseReport report = runner.build_profiles();
    spdlog::info("profiles: {} of {} users built ({} from demographics alone), {} failed, {:.1f} s",
                 report.built, report.users, report.cold_start, report.failed, report.seconds);
    for (const auto& [user, reason] : report.failures)
      spdlog::warn("  user {}: {}", user, reason);

    EnvServiceWorld world;
    world.world = runner.world();
    world.population = runner.population();
    world.users = runner.users();
    world.backend = runner.backend_label();
    service = std::make_shared<SimulatedEnvService>(system, std::move(world));
    envserver::EnvHttpServer server(server_settings, service);
    std::cout << "listening on " << server.base_url() << std::endl;
    spdlog::info("serving {} simulated users ({}) on {}; run store {}", runner.population().size(),
                 runner.backend_label(), server.base_url(), runner.store_path().string());
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("received {}, stopping", received == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
    service->shutdown();
    runner.finish("finished");
  } catch (...) {
    if (service)
      service->shutdown();
    runner.finish("failed");
    throw;
  }
  std::cout << fmt::format("run store: {}\n", runner.store_path().string());
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve",
      "serve the simulated users as Gymnasium-style environments over HTTP + JSON "
      "(docs/env-api.md) until SIGINT or SIGTERM");
  add_run_options(*cmd, o->run);
  cmd->add_option("--host", o->host, "address to listen on (overrides server.host)");
  cmd->add_option("--port", o->port, "port, 0 for any free one (overrides server.port)")
      ->check(CLI::Range(0, 65535));
  cmd->callback([o] { serve(*o); });
}

}  // namespace lusifer::cli
