#pragma once

// Builds the recommender agents of a run by name, with their options from the
// [agents.<name>] sections of the configuration.
//
//   random, popularity, epsilon-greedy-mf, linucb

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/agents/agent.hpp"
#include "engine/agents/epsilon_greedy_mf_agent.hpp"
#include "engine/agents/lin_ucb_agent.hpp"
#include "engine/agents/popularity_agent.hpp"
#include "engine/config/config_file.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

// The names `make_agent` knows.
std::span<const std::string_view> agent_names() noexcept;

struct AgentSpec {
  std::string name;
  // Read from [agents.<name>] with the rest of the configuration, so a typo
  // fails before any work; seed and threads are set when the agent is made.
  AgentOptions common;
  PopularityOptions popularity;
  EpsilonGreedyMfOptions epsilon_greedy_mf;
  LinUcbOptions linucb;
};

// Reads the options of agent `name` (one of agent_names()) from `section`;
// throws ConfigError naming a bad key.
AgentSpec read_agent_spec(std::string name, ConfigSection section);

// Reads [agents]: `run = ["linucb", "popularity", "random"]`, the first the
// agent under study, the others its baselines; and each one's section.
std::vector<AgentSpec> read_agent_specs(ConfigFile& file);

// Builds an agent; throws ConfigError for bad options.
std::unique_ptr<Agent> make_agent(const AgentSpec& spec, const Dataset& dataset,
                                  std::span<const RatingIndex> train, std::uint64_t seed,
                                  unsigned threads);

}  // namespace lusifer
