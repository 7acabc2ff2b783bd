// lusifer evaluate: the simulated users' ratings of held-out test pairs,
// scored beside the CF baselines and the offline model in one table.

#include <fstream>
#include <iostream>
#include <memory>
#include <unordered_set>

#include <caf/actor_system.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/simulation_runner.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "cli/run_reports.hpp"
#include "engine/eval/evaluation_run.hpp"
#include "engine/eval/evaluation_settings.hpp"
#include "engine/eval/table_rendering.hpp"

namespace lusifer::cli {
namespace {

struct EvaluateOptions {
  RunOptions run;
  std::string format = "text";
};

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out)
    throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

// The simulated users' profiles come from the run's split; a protocol that
// trains on other ratings would compare them with data they never saw.
void check_protocol_trains_within_split(const EvaluationProtocol& protocol, const Split& split) {
  const std::unordered_set<RatingIndex> train(split.train.begin(), split.train.end());
  for (const RatingIndex r : protocol.train) {
    if (!train.count(r)) {
      throw std::runtime_error(fmt::format(
          "evaluation protocol {} trains on ratings outside the run's split {}; set [data.split] "
          "to the protocol's training side (for the Lusifer protocol: method = \"official\", "
          "name = \"u1\")",
          protocol.name, split.name));
    }
  }
}

std::string render(const EvaluationTable& table, std::string_view format) {
  if (format == "markdown")
    return render_markdown(table);
  if (format == "json")
    return render_json(table);
  return render_text(table);
}

void evaluate(const EvaluateOptions& o) {
  RunSettings settings = load_run_settings(o.run);
  const auto directory = run_directory(o.run, settings);
  auto config = make_actor_system_config(&settings);
  caf::actor_system system{*config};
  SimulationRunner runner(system, settings, directory, LUSIFER_GIT_REVISION);
  try {
    runner.prepare();
    const EvaluationSettings& e = settings.evaluation;
    InputDiagnostics diagnostics;
    const auto protocols = make_protocols(runner.dataset(), settings.data.source.directory, e,
                                          settings.data.split, diagnostics);
    std::vector<SimulatorPredictions> simulated;
    if (e.simulator && !protocols.empty()) {
      check_protocol_trains_within_split(protocols.front(), runner.split());
      spdlog::info("evaluate: simulated users by the {}", runner.backend_label());
      print_profile_report(runner.build_profiles());
      auto pass = runner.rate_for_evaluation(protocols.front(), e.simulator_calibration_items);
      print_evaluation_pass_report(pass);
      simulated.push_back(std::move(pass.predictions));
      if (protocols.size() > 1) {
        spdlog::info(
            "the simulated users rate the first protocol ({}) only: their profiles come "
            "from the run's split",
            protocols.front().name);
      }
    }
    std::vector<EvaluationTable> tables;
    for (std::size_t i = 0; i < protocols.size(); ++i) {
      const auto sims = i == 0 ? std::span<const SimulatorPredictions>(simulated)
                               : std::span<const SimulatorPredictions>();
      tables.push_back(evaluate_protocol(runner.dataset(), protocols[i], e.run, sims));
      std::cout << '\n' << render(tables.back(), o.format);
    }
    std::string markdown;
    std::string json = "[";
    for (const auto& table : tables) {
      markdown += render_markdown(table) + "\n";
      json += (json.size() > 1 ? "," : "") + render_json(table);
    }
    json += "]";
    if (tables.size() > 1) {
      const auto summary = summarize_folds(tables, "folds");
      std::cout << '\n'
                << (o.format == "markdown" ? render_markdown(summary) : render_text(summary));
      markdown += render_markdown(summary);
    }
    write_file(directory / "evaluation.md", markdown);
    write_file(directory / "evaluation.json", json + "\n");
    runner.finish("finished");
  } catch (...) {
    runner.finish("failed");
    throw;
  }
  std::cout << fmt::format("\nevaluation: {} and evaluation.json; run store: {}\n",
                           (directory / "evaluation.md").string(), runner.store_path().string());
}

}  // namespace

void register_evaluate_command(CLI::App& app) {
  auto options = std::make_shared<EvaluateOptions>();
  auto* cmd = app.add_subcommand(
      "evaluate",
      "simulated ratings of held-out test pairs against the real ones (RMSE, MAE, Pearson), beside "
      "CF baselines; [evaluation] in the config chooses the protocol");
  add_run_options(*cmd, options->run);
  cmd->add_option("--format", options->format, "table format on stdout")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  cmd->callback([options] { evaluate(*options); });
}

}  // namespace lusifer::cli
