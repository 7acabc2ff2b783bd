#pragma once

// What one agent's episodes produced: the coordinator's answer to a run
// (messages/rl_messages.hpp gives it its inspect function), the summary
// table's row, and part of a run checkpoint (engine/rl/run_checkpoint.hpp).

#include <cstdint>
#include <string>
#include <vector>

namespace lusifer {

struct AgentRunSummary {
  std::string agent;
  std::uint64_t user_steps = 0;
  std::uint64_t rated_items = 0;
  std::uint64_t late = 0;
  std::uint64_t failed = 0;
  std::uint64_t left = 0;       // episodes terminated by the user leaving
  std::uint64_t truncated = 0;  // episodes that reached the horizon
  double seconds = 0.0;
  double mean_reward = 0.0;  // per rated item
  double mean_rating = 0.0;
  // Mean reward per rated item at each step, averaged over episodes.
  std::vector<double> reward_by_step;
};

}  // namespace lusifer
