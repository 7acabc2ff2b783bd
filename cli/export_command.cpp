// lusifer export RUN: the tables of a run store as CSV or JSON Lines, one
// file per table, for analysis outside lusifer (pandas, R, a spreadsheet).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "engine/store/run_store.hpp"

namespace lusifer::cli {
namespace {

struct ExportOptions {
  std::string run;
  std::string format = "csv";
  std::vector<std::string> tables;
  std::string out;
};

// RUN may name the run directory or its run.sqlite.
std::filesystem::path store_file(const std::string& run) {
  std::filesystem::path path = run;
  if (std::filesystem::is_directory(path))
    path /= "run.sqlite";
  if (!std::filesystem::is_regular_file(path)) {
    throw std::runtime_error(
        fmt::format("{}: no run store here (expected a run directory or its run.sqlite)", run));
  }
  return path;
}

void export_run(const ExportOptions& o) {
  const auto path = store_file(o.run);
  const RunStore store(path);
  const auto format =
      o.format == "jsonl" ? RunStore::ExportFormat::kJsonLines : RunStore::ExportFormat::kCsv;
  const auto tables = o.tables.empty() ? RunStore::exported_tables() : o.tables;
  const std::filesystem::path out =
      o.out.empty() ? path.parent_path() / "export" : std::filesystem::path(o.out);
  std::filesystem::create_directories(out);
  for (const auto& table : tables) {
    const auto file = out / fmt::format("{}.{}", table, o.format);
    std::ofstream stream(file, std::ios::binary | std::ios::trunc);
    if (!stream)
      throw std::runtime_error(fmt::format("cannot write {}", file.string()));
    const std::size_t rows = store.export_table(table, format, stream);
    stream.close();
    if (!stream)
      throw std::runtime_error(fmt::format("cannot write {}", file.string()));
    std::cout << fmt::format("{:<16} {:>10} rows  {}\n", table, rows, file.string());
  }
}

}  // namespace

void register_export_command(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "write a run store's tables as CSV or JSON Lines");
  cmd->add_option("run", options->run, "the run directory (or its run.sqlite)")->required();
  cmd->add_option("--format", options->format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->add_option("--table", options->tables,
                  "export only these tables (repeatable; default: all of them)")
      ->check(CLI::IsMember(RunStore::exported_tables()));
  cmd->add_option("--out", options->out, "output directory (default: RUN/export)");
  cmd->callback([options] { export_run(*options); });
}

}  // namespace lusifer::cli
