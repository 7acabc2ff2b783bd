// lusifer worker: hosts a shard of the simulated users of a distributed run
// (`lusifer simulate --workers ...`; docs/distributed.md).

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/shard_proxy.hpp"
#include "actors/simulation_runner.hpp"
#include "actors/user_shard.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "engine/config/config_file.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer::cli {
namespace {

struct WorkerOptions {
  std::string listen = "127.0.0.1:7470";
  bool allow_remote = false;
  std::string port_file;
  bool once = false;
};

struct WaitingSetup {
  ShardSetup setup;
  caf::response_promise promise;
};

struct EndpointState {
  caf::actor main_thread;  // invalid between runs
  // A setup that came between two runs. A coordinator that resumes a run
  // right after the last one stopped (its other worker died, or it was
  // killed) may reach this worker while it is still clearing the old run
  // away; it waits for that rather than fail. One at most: a second one is
  // refused as busy.
  std::optional<WaitingSetup> waiting;
};

// Runs on the scheduler: it only hands setups to the main thread, which may
// block (loading data, fitting the offline model) without stalling CAF.
//   (caf::actor main_thread)  local: where setups go from now on (invalid: nowhere)
caf::behavior endpoint_behavior(caf::stateful_actor<EndpointState>* self) {
  return {
      [self](caf::actor& main_thread) {
        auto& s = self->state;
        s.main_thread = std::move(main_thread);
        if (s.main_thread && s.waiting) {
          auto waiting = std::move(*s.waiting);
          s.waiting.reset();
          waiting.promise.delegate(s.main_thread, std::move(waiting.setup));
        }
      },
      [self](ShardSetup& setup) -> caf::result<ShardReady> {
        auto& s = self->state;
        if (!s.main_thread) {
          if (s.waiting) {
            return make_error(Errc::kOverloaded,
                              fmt::format("worker {} is between runs with another run waiting; "
                                          "try again",
                                          setup.worker));
          }
          auto promise = self->make_response_promise();
          s.waiting.emplace(WaitingSetup{std::move(setup), promise});
          return promise;
        }
        auto promise = self->make_response_promise();
        promise.delegate(s.main_thread, std::move(setup));
        return promise;
      },
  };
}

void write_port_file(const std::filesystem::path& path, std::uint16_t port) {
  // Whole or not at all: a test polling for the file never reads half a number.
  const auto partial = std::filesystem::path(path.string() + ".partial");
  {
    std::ofstream out(partial);
    out << port << '\n';
    if (!out)
      throw std::runtime_error(fmt::format("--port-file {}: cannot write it", path.string()));
  }
  std::filesystem::rename(partial, path);
}

// One run's shard on this worker: the world, the users and the shard actor.
class HostedRun {
 public:
  explicit HostedRun(caf::actor_system& system) : system_(system) {}
  HostedRun(const HostedRun&) = delete;
  HostedRun& operator=(const HostedRun&) = delete;
  ~HostedRun() { stop(); }

  // `self` monitors the shard.
  ShardReady start(ShardSetup& setup, caf::scoped_actor& self) {
    const auto started = std::chrono::steady_clock::now();
    worker_ = setup.worker;
    ConfigFile file =
        ConfigFile::parse(setup.config, fmt::format("the run config sent to worker {}", worker_));
    RunSettings settings = read_run_settings(file);
    runner_.emplace(system_, std::move(settings), std::filesystem::path{}, std::string{});
    shard_ = spawn_user_shard(system_, setup.proxy, worker_);
    self->monitor(shard_);
    auto users = runner_->prepare_shard(setup.users, setup.gateway, shard_);
    self->send(shard_, std::move(users));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("worker {}: hosting {} users ({}), ready in {:.2f} s", worker_, setup.users.size(),
                 runner_->backend_label(), seconds);
    return ShardReady{shard_, setup.users.size(), seconds};
  }

  bool running() const { return static_cast<bool>(shard_); }
  bool is_shard(const caf::actor_addr& address) const {
    return shard_ && shard_.address() == address;
  }

  // The shard is gone, or must go.
  void end_shard() {
    if (shard_) {
      caf::anon_send_exit(shard_, caf::exit_reason::user_shutdown);
      shard_ = caf::actor{};
    }
  }

  // Ends the shard and then the users; blocks until every actor of the run
  // is gone, so no scoped actor may be alive (CAF 0.17.6 counts even hidden
  // scoped actors as running, and the wait would never end).
  void stop() {
    end_shard();
    runner_.reset();
  }

 private:
  caf::actor_system& system_;
  std::string worker_;
  caf::actor shard_;
  std::optional<SimulationRunner> runner_;
};

void serve(const WorkerOptions& o) {
  const HostPort address = parse_host_port(o.listen, "--listen");
  if (!is_loopback_host(address.host) && !o.allow_remote) {
    throw std::runtime_error(fmt::format(
        "--listen {}: refusing to listen beyond this machine without --allow-remote. CAF 0.17's "
        "middleman has no authentication and no encryption: anyone who reaches the port can "
        "drive this worker. Bind a private network's address or use an SSH tunnel "
        "(docs/distributed.md), then pass --allow-remote",
        o.listen));
  }
  auto config = make_actor_system_config();
  config->load<caf::io::middleman>();
  caf::actor_system system{*config};
  // Hidden: a runner's shutdown waits for every visible actor, and the
  // endpoint lives as long as the worker.
  const auto endpoint = system.spawn<caf::hidden>(endpoint_behavior);
  auto port = system.middleman().publish(endpoint, address.port, address.host.c_str(), true);
  if (!port) {
    caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
    throw std::runtime_error(
        fmt::format("--listen {}: cannot listen: {}", o.listen, system.render(port.error())));
  }
  const std::string shown_host =
      address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
  std::cout << fmt::format("lusifer worker listening on {}:{}", shown_host, *port) << std::endl;
  if (!o.port_file.empty())
    write_port_file(o.port_file, *port);

  for (;;) {
    HostedRun run(system);
    bool hosted = false;
    {
      caf::scoped_actor self{system};
      self->send(endpoint, caf::actor_cast<caf::actor>(self.ptr()));
      self->receive([&](ShardSetup& setup) -> caf::result<ShardReady> {
        try {
          ShardReady ready = run.start(setup, self);
          hosted = true;
          return ready;
        } catch (const std::exception& e) {
          spdlog::error("worker {}: cannot host the run: {}", setup.worker, e.what());
          run.end_shard();
          return make_error(Errc::kInvalidRequest, e.what());
        }
      });
      while (run.running()) {
        self->receive(
            [&](caf::down_msg& down) {
              if (run.is_shard(down.source)) {
                spdlog::info("run ended ({})", system.render(down.reason));
                run.end_shard();
              }
            },
            [&](ShardSetup& setup) -> caf::result<ShardReady> {
              return make_error(Errc::kOverloaded,
                                fmt::format("worker {} already hosts a run", setup.worker));
            });
      }
      self->send(endpoint, caf::actor{});
    }
    run.stop();
    if (hosted && o.once)
      break;
  }
  caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
}

}  // namespace

void register_worker_command(CLI::App& app) {
  auto options = std::make_shared<WorkerOptions>();
  auto* worker = app.add_subcommand(
      "worker", "host a shard of the simulated users of a `lusifer simulate --workers` run");
  worker
      ->add_option("--listen", options->listen,
                   "HOST:PORT to accept the coordinator on (port 0: any free port, printed)")
      ->capture_default_str();
  worker->add_flag("--allow-remote", options->allow_remote,
                   "allow --listen beyond loopback (no authentication or encryption: a private "
                   "network or an SSH tunnel only)");
  worker->add_option("--port-file", options->port_file,
                     "write the port listened on to this file once listening");
  worker->add_flag("--once", options->once, "exit after hosting one run");
  worker->callback([options] { serve(*options); });
}

}  // namespace lusifer::cli
