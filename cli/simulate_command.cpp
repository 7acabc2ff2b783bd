// lusifer simulate | profile: the main job, and its first phase alone.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/simulation_runner.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "cli/run_reports.hpp"

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

void run(const RunOptions& o, bool profiles_only) {
  RunSettings settings = load_run_settings(o);
  const auto directory = run_directory(o, settings);
  auto config = make_actor_system_config();
  caf::actor_system system{*config};
  SimulationRunner runner(system, std::move(settings), directory, LUSIFER_GIT_REVISION);
  try {
    runner.prepare();
    spdlog::info("run {}: simulated users by the {}", directory.string(), runner.backend_label());
    print_profile_report(runner.build_profiles());
    if (!profiles_only)
      print_agent_summaries(runner.run_agents(), runner.settings());
    runner.finish("finished");
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
  add_run_options(*simulate, *simulate_options);
  simulate->callback([simulate_options] { run(*simulate_options, false); });

  auto profile_options = std::make_shared<RunOptions>();
  auto* profile = app.add_subcommand(
      "profile", "phase 1 only: build each user's profile from their history, oldest batch first");
  add_run_options(*profile, *profile_options);
  profile->callback([profile_options] { run(*profile_options, true); });
}

}  // namespace lusifer::cli
