// lusifer: simulated recommender-system users for training and testing
// recommenders. This file only parses global options and dispatches; each
// subcommand lives in its own file.

#include <cstdlib>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "engine/core/input_error.hpp"
#include "engine/core/logging.hpp"

namespace {

// Exit codes: 0 success, 1 bad input or a failed run, 2 a bad command line.
constexpr int kExitFailure = 1;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lusifer: LLM-based user simulation for recommender systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       fmt::format("lusifer {} ({})", LUSIFER_VERSION, LUSIFER_GIT_REVISION));

  std::string log_level = "info";
  std::string log_format = "text";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  app.add_option("--log-format", log_format, "text (for people) or json (one object per line)")
      ->capture_default_str();
  // Logging must be ready before any subcommand callback runs.
  app.parse_complete_callback([&] {
    try {
      lusifer::configure_logging(log_level, lusifer::parse_log_format(log_format));
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--log-level/--log-format", e.what());
    }
  });

  lusifer::cli::register_data_commands(app);
  lusifer::cli::register_simulate_commands(app);
  lusifer::cli::register_evaluate_command(app);
  lusifer::cli::register_export_command(app);
  lusifer::cli::register_mock_llm_command(app);
  lusifer::cli::register_serve_command(app);
  lusifer::cli::register_worker_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const lusifer::InputError& e) {
    spdlog::error("{}", e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitFailure;
  }
  spdlog::shutdown();
  return EXIT_SUCCESS;
}
