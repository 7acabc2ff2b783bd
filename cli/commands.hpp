#pragma once

// Subcommands of the lusifer program. Each register_* function adds its
// subcommands to the application; their callbacks run after parsing and
// throw on failure (main turns exceptions into a message and an exit code).

#include <CLI/CLI.hpp>

namespace lusifer::cli {

void register_data_commands(CLI::App& app);
void register_simulate_commands(CLI::App& app);  // simulate, profile
void register_evaluate_command(CLI::App& app);
void register_export_command(CLI::App& app);
void register_synth_command(CLI::App& data);    // `data synth`, in synth_command.cpp
void register_mock_llm_command(CLI::App& app);  // `mock-llm`, in mock_llm_command.cpp
void register_serve_command(CLI::App& app);     // `serve`, in serve_command.cpp
void register_worker_command(CLI::App& app);    // `worker`, in worker_command.cpp

}  // namespace lusifer::cli
