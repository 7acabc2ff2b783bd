#pragma once

// Everything a simulation run is configured by, read from one TOML file:
//
//   [run]         name, where runs are written, how many profiles build at once
//   [world]       the synthetic world (engine/data/data_settings.hpp)
//   [data]        the dataset and its split
//   [llm]         the LLM gateway, or the offline model (engine/gateway/gateway_settings.hpp)
//   [prompts]     prompt templates and history batching (engine/sim/prompt_settings.hpp)
//   [simulation]  episodes, rewards, leaving (simulation_settings.hpp)
//   [agents]      which agents run, and their options (agent_factory.hpp)
//   [evaluation]  how `lusifer evaluate` scores the run (engine/eval/evaluation_settings.hpp)
//
// Reading checks every key: an unknown one is an error naming it, the file
// and the line.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/config/config_file.hpp"
#include "engine/data/data_settings.hpp"
#include "engine/eval/evaluation_settings.hpp"
#include "engine/gateway/gateway_settings.hpp"
#include "engine/rl/agent_factory.hpp"
#include "engine/rl/simulation_settings.hpp"
#include "engine/sim/offline_model_settings.hpp"
#include "engine/sim/prompt_settings.hpp"

namespace lusifer {

struct RunSettings {
  std::string name;
  std::filesystem::path runs_directory;
  std::size_t profile_concurrency = 256;  // profiles being built at once
  DataSettings data;
  GatewaySettings llm;
  OfflineModelOptions offline;  // [llm.offline], for backend = "offline"
  PromptSettings prompts;
  SimulationSettings simulation;
  std::vector<AgentSpec> agents;
  EvaluationSettings evaluation;
  std::string effective_config;  // the configuration as TOML, overrides applied
  // Where relative paths of the config file resolve (its directory): with
  // effective_config, what a resumed run needs to read the same settings.
  std::filesystem::path config_directory;
};

// Reads every section of `file` and checks that no key is unknown.
RunSettings read_run_settings(ConfigFile& file);

}  // namespace lusifer
