#include "engine/rl/simulation_settings.hpp"

#include <limits>

namespace lusifer {

SimulationSettings read_simulation_settings(ConfigFile& file) {
  ConfigSection s = file.section("simulation");
  SimulationSettings r;
  r.seed = static_cast<std::uint64_t>(
      s.get_int("seed", 42, 0, std::numeric_limits<std::int64_t>::max()));
  r.episodes = static_cast<std::uint32_t>(s.get_int("episodes", 1, 1, 1'000'000));
  r.horizon = static_cast<std::uint32_t>(s.get_int("horizon", 20, 1, 1'000'000));
  r.slate_size = static_cast<std::uint32_t>(s.get_int("slate_size", 10, 1, 1000));
  r.users = static_cast<std::size_t>(s.get_int("users", 0, 0, 100'000'000));
  r.mode =
      s.get_enum("mode", StepMode::kSync, {{"sync", StepMode::kSync}, {"async", StepMode::kAsync}});
  r.step_deadline =
      s.get<std::chrono::milliseconds>("step_deadline", std::chrono::milliseconds(120'000));
  r.update_every = static_cast<std::uint32_t>(s.get_int("update_every", 5, 0, 1'000'000));
  r.window = static_cast<std::size_t>(s.get_int("window", 20, 1, 10'000));
  r.recent_in_prompt = static_cast<std::size_t>(s.get_int("recent_in_prompt", 10, 0, 10'000));
  r.calibrate = s.get<bool>("calibrate", false);
  r.record = s.get_enum("record", RecordLevel::kFull,
                        {{"full", RecordLevel::kFull},
                         {"ratings", RecordLevel::kRatings},
                         {"summary", RecordLevel::kSummary}});
  r.threads = static_cast<std::size_t>(s.get_int("threads", 0, 0, 1024));
  r.progress_interval =
      s.get<std::chrono::milliseconds>("progress_interval", std::chrono::milliseconds(2'000));
  r.checkpoint_every = static_cast<std::uint32_t>(s.get_int("checkpoint_every", 5, 0, 1'000'000));
  r.reward = read_reward_settings(s.section("reward"));
  r.leaving = read_satisfaction_settings(s.section("leaving"));
  if (r.recent_in_prompt > r.window) {
    throw s.invalid("recent_in_prompt", "at most simulation.window",
                    std::to_string(r.recent_in_prompt));
  }
  return r;
}

}  // namespace lusifer
