#pragma once

// Messages of RL runs: what a coordinator reports.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "engine/rl/agent_run_summary.hpp"

namespace lusifer {

// A snapshot of a running simulation, for progress displays.
struct ProgressReport {
  std::string agent;
  std::uint32_t episode = 0;
  std::uint32_t episodes = 0;
  std::uint64_t user_steps = 0;        // done so far (this agent)
  std::uint64_t user_steps_total = 0;  // planned upper bound (this agent)
  std::uint64_t active_users = 0;
  double seconds = 0.0;
  double last_mean_reward = 0.0;
  // Filled from the gateway when an LLM is used.
  std::uint64_t llm_calls = 0;
  std::uint64_t tokens = 0;
  double cost_usd = 0.0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProgressReport& x) {
  return f(caf::meta::type_name("progress_report"), x.agent, x.episode, x.episodes, x.user_steps,
           x.user_steps_total, x.active_users, x.seconds, x.last_mean_reward, x.llm_calls, x.tokens,
           x.cost_usd);
}

// AgentRunSummary (engine/rl/agent_run_summary.hpp): what one agent's run produced.

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AgentRunSummary& x) {
  return f(caf::meta::type_name("agent_run_summary"), x.agent, x.user_steps, x.rated_items, x.late,
           x.failed, x.left, x.truncated, x.seconds, x.mean_reward, x.mean_rating,
           x.reward_by_step);
}

}  // namespace lusifer
