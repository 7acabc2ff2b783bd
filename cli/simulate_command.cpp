// lusifer simulate | profile: the main job, and its first phase alone.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/simulation_runner.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "cli/run_reports.hpp"
#include "engine/config/config_file.hpp"
#include "engine/store/run_store.hpp"

namespace lusifer::cli {
namespace {

std::string sparkline(const std::vector<double>& values) {
  static const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (values.empty())
    return "";
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  std::string out;
  for (const double v : values) {
    const double t = *hi > *lo ? (v - *lo) / (*hi - *lo) : 0.5;
    out += kBars[std::min<std::size_t>(7, static_cast<std::size_t>(t * 7.999))];
  }
  return out;
}

void print_agent_summaries(const std::vector<AgentRunSummary>& summaries, const RunSettings& s) {
  std::cout << fmt::format(
      "\nreward per rated item ({}), by step; {} users x {} steps, slate {}\n",
      reward_kind_name(s.simulation.reward.kind),
      s.simulation.users == 0 ? std::string("all") : std::to_string(s.simulation.users),
      s.simulation.horizon, s.simulation.slate_size);
  std::size_t steps = 0;
  for (const auto& a : summaries)
    steps = std::max(steps, a.reward_by_step.size());
  std::vector<std::size_t> shown;
  for (std::size_t step = 0; step < steps; step += std::max<std::size_t>(1, steps / 6))
    shown.push_back(step);
  if (!shown.empty() && shown.back() != steps - 1)
    shown.push_back(steps - 1);
  std::string header = fmt::format("{:<20}", "agent");
  for (const auto step : shown)
    header += fmt::format("{:>9}", fmt::format("step {}", step + 1));
  header += fmt::format("{:>10}{:>10}  {}", "mean", "steps/s", "curve");
  std::cout << header << '\n';
  for (const auto& a : summaries) {
    std::string line = fmt::format("{:<20}", a.agent);
    for (const auto step : shown) {
      line += step < a.reward_by_step.size() ? fmt::format("{:>9.3f}", a.reward_by_step[step])
                                             : fmt::format("{:>9}", "-");
    }
    const double rate = a.seconds > 0 ? static_cast<double>(a.user_steps) / a.seconds : 0.0;
    line += fmt::format("{:>10.3f}{:>10.0f}  {}", a.mean_reward, rate, sparkline(a.reward_by_step));
    std::cout << line << '\n';
  }
  std::cout << '\n';
  for (const auto& a : summaries) {
    std::cout << fmt::format(
        "{}: {} user-steps in {:.1f} s, {} items rated, {} left, {} reached the horizon, {} late, "
        "{} failed\n",
        a.agent, a.user_steps, a.seconds, a.rated_items, a.left, a.truncated, a.late, a.failed);
  }
  if (summaries.size() > 1) {
    const auto& first = summaries.front();
    for (std::size_t i = 1; i < summaries.size(); ++i) {
      const auto& other = summaries[i];
      const double gain = first.mean_reward - other.mean_reward;
      std::cout << fmt::format("{} vs {}: {:+.3f} reward per rated item ({:+.1f}%)\n", first.agent,
                               other.agent, gain,
                               other.mean_reward != 0 ? 100.0 * gain / other.mean_reward : 0.0);
    }
  }
}

// A distributed run that stopped (a worker died, most often) has its last
// checkpoint in its store: the message says how to go on from there, since
// the one who reads it has a worker to restart and a run to continue.
[[noreturn]] void rethrow_with_resume_hint(const std::exception& e,
                                           const std::filesystem::path& directory,
                                           const RunSettings& settings,
                                           const std::vector<std::string>& workers) {
  if (workers.empty() || settings.simulation.mode != StepMode::kSync)
    throw;
  std::string list;
  for (const auto& worker : workers)
    list += (list.empty() ? "" : ",") + worker;
  throw std::runtime_error(fmt::format(
      "{}\nonce every worker listens again, continue the run from its last checkpoint with "
      "`lusifer simulate --resume {} --workers {}`",
      e.what(), directory.string(), list));
}

// `workers`: host:port of each `lusifer worker` hosting users (docs/distributed.md).
void run(const RunOptions& o, bool profiles_only, const std::vector<std::string>& workers = {}) {
  RunSettings settings = load_run_settings(o);
  const auto directory = run_directory(o, settings);
  auto config = make_actor_system_config(&settings);
  if (!workers.empty())
    config->load<caf::io::middleman>();
  caf::actor_system system{*config};
  SimulationRunner runner(system, std::move(settings), directory, LUSIFER_GIT_REVISION);
  runner.set_workers(workers);
  bool started = false;  // past the setup: the store holds the run
  try {
    runner.prepare();
    started = true;
    spdlog::info("run {}: simulated users by the {}", directory.string(), runner.backend_label());
    print_profile_report(runner.build_profiles());
    if (!profiles_only)
      print_agent_summaries(runner.run_agents(), runner.settings());
    runner.finish("finished");
  } catch (const std::exception& e) {
    runner.finish("failed");
    if (!started || profiles_only)
      throw;
    rethrow_with_resume_hint(e, directory, runner.settings(), workers);
  } catch (...) {
    runner.finish("failed");
    throw;
  }
  std::cout << fmt::format("run store: {}\n", runner.store_path().string());
}

// --resume RUN_DIR: the run's own effective config, recorded in its store,
// and the same directory; it continues to the same end.
void resume(const std::filesystem::path& directory, const std::vector<std::string>& workers) {
  const auto store_path = directory / "run.sqlite";
  if (!std::filesystem::exists(store_path)) {
    throw std::runtime_error(fmt::format("--resume {}: no run store ({} does not exist)",
                                         directory.string(), store_path.string()));
  }
  std::optional<RunInfo> info;
  {
    RunStore store(store_path);
    info = store.run_info();
  }
  if (!info) {
    throw std::runtime_error(
        fmt::format("--resume {}: the run store holds no run (it was killed before it started; "
                    "start it again)",
                    directory.string()));
  }
  // Relative paths resolve where they did for the first start: the
  // original config file's directory (the name's directory part).
  const std::filesystem::path config_directory =
      info->config_directory.empty() ? std::filesystem::current_path()
                                     : std::filesystem::path(info->config_directory);
  ConfigFile file = ConfigFile::parse(
      info->config, (config_directory / ("(the config of run " + info->run_id + ")")).string());
  RunSettings settings = read_run_settings(file);
  if (settings.simulation.mode != StepMode::kSync) {
    throw std::runtime_error(fmt::format(
        "--resume {}: only sync-mode runs can be resumed (simulation.mode = \"sync\"); this run "
        "is async, which takes no checkpoints",
        directory.string()));
  }
  if (info->status == "finished") {
    std::cout << fmt::format("run {} has finished already; nothing to resume\n",
                             directory.string());
    return;
  }
  auto config = make_actor_system_config(&settings);
  if (!workers.empty())
    config->load<caf::io::middleman>();
  caf::actor_system system{*config};
  SimulationRunner runner(system, std::move(settings), directory, info->git_revision);
  runner.set_workers(workers);
  bool started = false;  // past the setup: every worker hosts its users
  try {
    const bool from_checkpoint = runner.prepare_resume();
    started = true;
    spdlog::info("run {} resumed: simulated users by the {}", directory.string(),
                 runner.backend_label());
    if (from_checkpoint) {
      runner.restore_checkpoint();
    } else {
      print_profile_report(runner.build_profiles());
    }
    print_agent_summaries(runner.run_agents(), runner.settings());
    runner.finish("finished");
  } catch (const std::exception& e) {
    runner.finish("failed");
    if (!started)
      throw;
    rethrow_with_resume_hint(e, directory, runner.settings(), workers);
  } catch (...) {
    runner.finish("failed");
    throw;
  }
  std::cout << fmt::format("run store: {}\n", runner.store_path().string());
}

}  // namespace

void register_simulate_commands(CLI::App& app) {
  auto simulate_options = std::make_shared<RunOptions>();
  auto* simulate = app.add_subcommand(
      "simulate", "build the users' profiles, then run RL episodes with each configured agent");
  add_run_options(*simulate, *simulate_options, false);
  auto workers = std::make_shared<std::vector<std::string>>();
  simulate
      ->add_option("--workers", *workers,
                   "host:port of `lusifer worker` processes to host the users, comma-separated "
                   "(docs/distributed.md)")
      ->delimiter(',');
  auto resume_directory = std::make_shared<std::string>();
  simulate->add_option("--resume", *resume_directory,
                       "continue the run in this directory from its last checkpoint (its own "
                       "config; sync mode; with --workers, on those workers)");
  simulate->callback([simulate_options, resume_directory, workers] {
    if (resume_directory->empty()) {
      if (simulate_options->config.empty())
        throw CLI::RequiredError("--config");
      run(*simulate_options, false, *workers);
      return;
    }
    if (!simulate_options->config.empty() || !simulate_options->overrides.empty() ||
        !simulate_options->out.empty()) {
      throw CLI::ValidationError("--resume",
                                 "takes the run's own config: no --config, --set or --out");
    }
    resume(*resume_directory, *workers);
  });

  auto profile_options = std::make_shared<RunOptions>();
  auto* profile = app.add_subcommand(
      "profile", "phase 1 only: build each user's profile from their history, oldest batch first");
  add_run_options(*profile, *profile_options);
  profile->callback([profile_options] { run(*profile_options, true); });
}

}  // namespace lusifer::cli
