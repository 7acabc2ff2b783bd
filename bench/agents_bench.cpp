// Times the recommender agents on a synthetic world: for each agent and
// thread count, an episode of STEPS steps in which every user gets a slate
// (act), rates it with the world's ground truth, and the agent learns from
// the ratings (reward = rating). Prints the time of act and learn per
// user-step, the agent's state memory per user, the set-up time, and the
// mean expected rating of the recommended items (so speed is never bought
// with nonsense slates).
//
// Usage: bench_agents [--users N] [--items N] [--steps N] [--k N]
//                     [--threads 1,2] [--agents random,popularity,mf,linucb]
// Defaults: 100,000 users, 1,000 items, 20 steps, slates of 10, threads 1
// and 2, every agent. Ratings are drawn outside the timed sections.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "engine/agents/agent.hpp"
#include "engine/agents/epsilon_greedy_mf_agent.hpp"
#include "engine/agents/lin_ucb_agent.hpp"
#include "engine/agents/popularity_agent.hpp"
#include "engine/agents/random_agent.hpp"
#include "engine/agents/synthetic_environment.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace lusifer;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (all threads), which, unlike the wall
// clock, does not count time lost to other programs on a shared machine.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Settings {
  std::uint64_t users = 100'000;
  std::uint64_t items = 1'000;
  std::uint32_t steps = 20;
  SlateSize k = 10;
  std::vector<unsigned> threads = {1, 2};
  std::vector<std::string> agents = {"random", "popularity", "mf", "linucb"};
};

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::stringstream in{std::string(text)};
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty())
      out.push_back(part);
  return out;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc)
      throw std::invalid_argument(fmt::format("{} needs a value", flag));
    const std::string value = argv[++i];
    if (flag == "--users") {
      s.users = std::stoull(value);
    } else if (flag == "--items") {
      s.items = std::stoull(value);
    } else if (flag == "--steps") {
      s.steps = static_cast<std::uint32_t>(std::stoul(value));
    } else if (flag == "--k") {
      s.k = static_cast<SlateSize>(std::stoul(value));
    } else if (flag == "--threads") {
      s.threads.clear();
      for (const auto& t : split_list(value))
        s.threads.push_back(static_cast<unsigned>(std::stoul(t)));
    } else if (flag == "--agents") {
      s.agents = split_list(value);
    } else {
      throw std::invalid_argument(fmt::format("unknown option {}", flag));
    }
  }
  return s;
}

std::unique_ptr<Agent> make_agent(std::string_view name, const SyntheticEnvironment& env,
                                  unsigned threads) {
  AgentOptions options;
  options.seed = 1;
  options.threads = threads;
  const Dataset& data = env.dataset();
  if (name == "random")
    return std::make_unique<RandomAgent>(data, env.history(), options);
  if (name == "popularity")
    return std::make_unique<PopularityAgent>(data, env.history(), options);
  if (name == "mf")
    return std::make_unique<EpsilonGreedyMfAgent>(data, env.history(), options);
  if (name == "linucb")
    return std::make_unique<LinUcbAgent>(data, env.history(), options);
  throw std::invalid_argument(fmt::format("unknown agent {}", name));
}

// The peak resident memory of this process, from /proc (0 where unknown).
std::uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

void run(const Settings& s, const SyntheticEnvironment& env, std::string_view name,
         unsigned threads) {
  const auto built = Clock::now();
  std::unique_ptr<Agent> agent = make_agent(name, env, threads);
  const double setup = seconds_since(built);

  const std::size_t n = s.users;
  const SlateSize k = s.k;
  std::vector<Observation> observations(n);
  std::vector<ItemIndex> slates(n * k);
  std::vector<float> ratings(n * k);
  std::vector<Feedback> feedback(n);
  std::vector<double> expected(n);
  double act_seconds = 0, learn_seconds = 0, cpu_seconds = 0, quality = 0;

  for (std::uint32_t step = 0; step < s.steps; ++step) {
    for (std::size_t u = 0; u < n; ++u)
      observations[u] = Observation{static_cast<UserIndex>(u), step, {}, 0, {}};
    const auto act_start = Clock::now();
    double cpu_start = process_cpu_seconds();
    agent->act(observations, k, slates);
    act_seconds += seconds_since(act_start);
    cpu_seconds += process_cpu_seconds() - cpu_start;

    // The users' side, untimed, on this thread: parallel work here would
    // leave idle pool threads spinning into the timed sections.
    {
      for (std::size_t u = 0; u < n; ++u) {
        Rng rng(derive_seed(derive_seed(7, u), step));
        double sum = 0;
        for (std::size_t j = 0; j < k; ++j) {
          const ItemIndex item = slates[u * k + j];
          ratings[u * k + j] = env.rate(static_cast<UserIndex>(u), item, rng);
          sum += env.expected_rating(static_cast<UserIndex>(u), item);
        }
        expected[u] = sum / k;
      }
    }
    quality += std::accumulate(expected.begin(), expected.end(), 0.0) / static_cast<double>(n);
    for (std::size_t u = 0; u < n; ++u) {
      const std::span<const ItemIndex> slate(slates.data() + u * k, k);
      const std::span<const float> rated(ratings.data() + u * k, k);
      feedback[u] = Feedback{static_cast<UserIndex>(u), step, slate, rated, rated};
    }
    const auto learn_start = Clock::now();
    cpu_start = process_cpu_seconds();
    agent->learn(feedback);
    learn_seconds += seconds_since(learn_start);
    cpu_seconds += process_cpu_seconds() - cpu_start;
  }

  const double user_steps = static_cast<double>(n) * s.steps;
  const double act_us = act_seconds * 1e6 / user_steps;
  const double learn_us = learn_seconds * 1e6 / user_steps;
  const double cpu_us = cpu_seconds * 1e6 / user_steps;
  const double seen_bytes = static_cast<double>((s.items + 63) / 64 * 8);
  fmt::print(
      "{:<18} {:>7} {:>8.3f} {:>8.3f} {:>8.3f} {:>8.3f} {:>12.0f} {:>10.0f} {:>8.0f} {:>7.1f} "
      "{:>9.3f}\n",
      agent->name(), threads, act_us, learn_us, act_us + learn_us, cpu_us,
      user_steps / (act_seconds + learn_seconds),
      static_cast<double>(agent->memory_bytes()) / static_cast<double>(n), seen_bytes, setup,
      quality / s.steps);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Settings s = parse(argc, argv);
    SyntheticWorldOptions world;
    world.users = s.users;
    world.items = s.items;
    world.seed = 2024;
    const auto start = Clock::now();
    const SyntheticEnvironment env(world);
    fmt::print("synthetic world: {} users, {} items, {} training ratings, built in {:.1f} s\n",
               env.dataset().user_count(), env.dataset().catalog().size(),
               env.dataset().ratings().size(), seconds_since(start));
    fmt::print(
        "{} steps, slates of {}. Per user-step: act, learn and total in wall-clock us, cpu = "
        "process CPU us (all threads);\nuser-steps/s of the agent alone; agent state bytes per "
        "user, of which seen-set bytes; set-up seconds; mean expected rating recommended.\n\n",
        s.steps, s.k);
    fmt::print("{:<18} {:>7} {:>8} {:>8} {:>8} {:>8} {:>12} {:>10} {:>8} {:>7} {:>9}\n", "agent",
               "threads", "act", "learn", "total", "cpu", "user-steps/s", "bytes/user", "seen B/u",
               "setup s", "E[rating]");
    for (const auto& name : s.agents)
      for (const unsigned t : s.threads)
        run(s, env, name, t);
    fmt::print("\npeak resident memory: {:.0f} MB\n", static_cast<double>(peak_rss_bytes()) / 1e6);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_agents: {}\n", e.what());
    return 1;
  }
  return 0;
}
