#pragma once

// What the commands that run a simulation (simulate, profile, evaluate,
// serve) share: their common flags, reading the run's settings with the
// overrides applied, naming the run's directory, and the actor system's
// configuration.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/actor_system_config.hpp>

#include "engine/rl/run_settings.hpp"

namespace lusifer::cli {

struct RunOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;
};

// Adds --config (required unless `config_required` is false, for commands
// that can take the config from elsewhere), --set (repeatable) and --out.
void add_run_options(CLI::App& cmd, RunOptions& options, bool config_required = true);

// Reads every section of the config file with the overrides applied; an
// unknown key or a wrong type is an error naming the key, file and line.
RunSettings load_run_settings(const RunOptions& options);

// --out, or <[run] directory>/<name>-<UTC time>.
std::filesystem::path run_directory(const RunOptions& options, const RunSettings& settings);

// Message types registered, CAF's own logger quiet, and the scheduler laid
// out around the run's own I/O threads (scheduler_layout.hpp): `settings`
// names them (the HTTP client's, when the run talks to an LLM); without
// settings (a worker process), there are none.
std::unique_ptr<caf::actor_system_config> make_actor_system_config(
    const RunSettings* settings = nullptr);

}  // namespace lusifer::cli
