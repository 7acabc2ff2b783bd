#pragma once

// Subcommands of the lusifer program. Each register_* function adds its
// subcommands to the application; their callbacks run after parsing and
// throw on failure (main turns exceptions into a message and an exit code).

#include <CLI/CLI.hpp>

namespace lusifer::cli {

void register_data_commands(CLI::App& app);
void register_synth_command(CLI::App& data);  // `data synth`, in synth_command.cpp

}  // namespace lusifer::cli
