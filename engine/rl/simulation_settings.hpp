#pragma once

// The [simulation] section: how episodes run. See config/default.toml for
// every key with its meaning.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "engine/config/config_file.hpp"
#include "engine/rl/reward_model.hpp"
#include "engine/rl/satisfaction_model.hpp"

namespace lusifer {

enum class StepMode {
  kSync,   // a barrier per step: every user's feedback before the next step (a vector env)
  kAsync,  // each user's episode moves at its own pace
};

// How much of each step goes to the run store.
enum class RecordLevel {
  kFull,     // every rated item with its explanation, every profile version
  kRatings,  // every rated item, without explanations
  kSummary,  // per-step aggregates only (for benchmarks of millions of user-steps)
};

struct SimulationSettings {
  std::uint64_t seed = 42;
  std::uint32_t episodes = 1;
  std::uint32_t horizon = 20;     // steps per episode (H)
  std::uint32_t slate_size = 10;  // items per recommendation (K)
  std::size_t users = 0;          // a seeded sample of this many users; 0: all
  StepMode mode = StepMode::kSync;
  std::chrono::milliseconds step_deadline{120'000};  // a user late beyond it is recorded as late
  std::uint32_t update_every = 5;  // profile update after this many rated slates (0: never)
  std::size_t window = 20;         // recent interactions a user keeps
  std::size_t recent_in_prompt = 10;
  bool calibrate = false;  // per-user calibration of the ratings (fitted on training data)
  RecordLevel record = RecordLevel::kFull;
  std::size_t threads = 0;  // agent threads; 0: one per core
  std::chrono::milliseconds progress_interval{2'000};
  // Sync mode: a checkpoint every this many steps of an agent's episodes, for
  // `lusifer simulate --resume` (docs/reliability.md); 0: none.
  std::uint32_t checkpoint_every = 5;
  RewardSettings reward;
  SatisfactionSettings leaving;
};

SimulationSettings read_simulation_settings(ConfigFile& file);

}  // namespace lusifer
