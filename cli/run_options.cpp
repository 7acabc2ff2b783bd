#include "cli/run_options.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "actors/shared_queue_scheduler.hpp"
#include "engine/config/config_override.hpp"
#include "engine/core/scheduler_layout.hpp"
#include "messages/type_ids.hpp"

namespace lusifer::cli {

void add_run_options(CLI::App& cmd, RunOptions& o, bool config_required) {
  auto* config = cmd.add_option("--config", o.config, "run configuration (TOML)");
  if (config_required)
    config->required();
  cmd.add_option("--set", o.overrides,
                 "override one key, e.g. --set simulation.horizon=30 (repeatable)");
  cmd.add_option("--out", o.out, "run directory (default: [run] directory / <name>-<time>)");
}

RunSettings load_run_settings(const RunOptions& o) {
  ConfigFile file = ConfigFile::load(o.config);
  apply_overrides(file, o.overrides);
  return read_run_settings(file);
}

std::filesystem::path run_directory(const RunOptions& o, const RunSettings& settings) {
  if (!o.out.empty())
    return o.out;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  return settings.runs_directory /
         fmt::format("{}-{:%Y%m%d-%H%M%S}", settings.name, fmt::gmtime(now));
}

std::unique_ptr<caf::actor_system_config> make_actor_system_config(const RunSettings* settings) {
  auto config = std::make_unique<caf::actor_system_config>();
  register_message_types(*config);
  const std::size_t io_threads =
      settings != nullptr && settings->llm.uses_llm ? settings->llm.http_threads : 0;
  const SchedulerLayout layout = scheduler_layout(io_threads);
  config->set("scheduler.max-threads", layout.workers);
  config->set("scheduler.policy", caf::atom_from_string(layout.policy));
  // Work sharing, as CAF's policy does it but without its per-activation
  // allocation and logger cast (actors/shared_queue_scheduler.hpp).
  if (layout.policy == "sharing")
    use_shared_queue_scheduler(*config);
  config->set("logger.verbosity", caf::atom("quiet"));
  return config;
}

}  // namespace lusifer::cli
