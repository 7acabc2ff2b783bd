#include "engine/rl/run_settings.hpp"

namespace lusifer {

RunSettings read_run_settings(ConfigFile& file) {
  RunSettings r;
  ConfigSection run = file.section("run");
  r.name = run.get<std::string>("name", std::filesystem::path(file.name()).stem().string());
  r.runs_directory = run.get<std::filesystem::path>("directory", "runs");
  r.profile_concurrency =
      static_cast<std::size_t>(run.get_int("profile_concurrency", 256, 1, 1'000'000));
  r.data = read_data_settings(file);
  r.llm = read_gateway_settings(file);
  r.offline = read_offline_model_options(file);
  r.prompts = read_prompt_settings(file);
  r.simulation = read_simulation_settings(file);
  r.agents = read_agent_specs(file);
  r.evaluation = read_evaluation_settings(file);
  file.check_all_consumed();
  r.effective_config = file.to_toml();
  r.config_directory = file.directory();
  return r;
}

}  // namespace lusifer
