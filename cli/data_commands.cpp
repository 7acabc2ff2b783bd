// lusifer data info | synth | split

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "engine/data/csv_writer.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/data/dataset_source.hpp"
#include "engine/data/dataset_summary.hpp"
#include "engine/data/split.hpp"

namespace lusifer::cli {
namespace {

// Options shared by every command that reads a dataset directory.
struct DatasetOptions {
  std::string directory;
  std::string format = "auto";
  std::vector<std::string> item_text_files;
  bool lenient = false;

  void add_to(CLI::App& cmd) {
    cmd.add_option("DIR", directory, "dataset directory")->required();
    cmd.add_option("--format", format, "auto, movielens-100k, movielens-1m or movielens-latest")
        ->capture_default_str();
    cmd.add_option("--item-text", item_text_files,
                   "CSV file of item texts to join by id or title (repeatable; earlier files win)");
    cmd.add_flag("--lenient", lenient, "skip bad lines, count and report them, and go on");
  }

  DatasetSource source() const {
    DatasetSource s;
    s.directory = directory;
    s.format = parse_format_name(format);
    for (const auto& file : item_text_files) s.item_texts.push_back(ItemTextSource{file, {}, {}, false});
    s.lenient = lenient;
    return s;
  }
};

void register_info(CLI::App& data) {
  auto* cmd = data.add_subcommand("info", "print what a dataset holds");
  auto opts = std::make_shared<DatasetOptions>();
  auto json = std::make_shared<bool>(false);
  opts->add_to(*cmd);
  cmd->add_flag("--json", *json, "print the figures as one JSON object");
  cmd->callback([opts, json] {
    const LoadedDataset loaded = load_dataset_source(opts->source());
    spdlog::info("loaded {} in {:.3f} s", loaded.dataset.source(), loaded.load_seconds);
    const DatasetSummary summary = summarize(loaded.dataset);
    std::cout << (*json ? render_summary_json(summary) + "\n" : render_summary_text(summary));
    if (loaded.diagnostics.skipped_lines() > 0) {
      std::cout << fmt::format("{:<22}{} (lenient mode)\n", "skipped lines",
                               loaded.diagnostics.skipped_lines());
    }
  });
}

void write_ratings(const Dataset& dataset, std::span<const RatingIndex> indices,
                   const std::filesystem::path& file) {
  CsvWriter out(file.string());
  out.write_row({"userId", "movieId", "rating", "timestamp"});
  const RatingTable& r = dataset.ratings();
  for (const RatingIndex i : indices) {
    out.write_raw_line(fmt::format("{},{},{},{}", dataset.user(r.user(i)).id,
                                   dataset.catalog().item(r.item(i)).id, r.value(i), r.timestamp(i)));
  }
  out.close();
}

void register_split(CLI::App& data) {
  auto* cmd = data.add_subcommand(
      "split", "write train/test rating files: official split, per-user hold-out or k-fold");
  struct Options {
    DatasetOptions dataset;
    std::string method = "holdout";
    std::string name = "u1";
    std::size_t k = 10;
    std::size_t folds = 5;
    std::uint64_t seed = 42;
    std::string out;
  };
  auto opts = std::make_shared<Options>();
  opts->dataset.add_to(*cmd);
  cmd->add_option("--method", opts->method, "official, holdout or kfold")
      ->check(CLI::IsMember({"official", "holdout", "kfold"}))
      ->capture_default_str();
  cmd->add_option("--name", opts->name, "official split name: u1..u5, ua, ub")->capture_default_str();
  cmd->add_option("--k", opts->k, "holdout: ratings held out per user")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--folds", opts->folds, "kfold: number of folds")->check(CLI::Range(2, 1000))->capture_default_str();
  cmd->add_option("--seed", opts->seed, "kfold: shuffle seed")->capture_default_str();
  cmd->add_option("--out", opts->out, "output directory")->required();
  cmd->callback([opts] {
    LoadedDataset loaded = load_dataset_source(opts->dataset.source());
    std::vector<Split> splits;
    if (opts->method == "official") {
      splits.push_back(load_official_split(loaded.dataset, opts->dataset.directory, opts->name,
                                           loaded.diagnostics));
    } else if (opts->method == "holdout") {
      splits.push_back(holdout_last_k(loaded.dataset, opts->k));
    } else {
      splits = random_k_fold(loaded.dataset, opts->folds, opts->seed);
    }
    std::filesystem::create_directories(opts->out);
    for (const auto& split : splits) {
      const auto base = std::filesystem::path(opts->out) / split.name;
      write_ratings(loaded.dataset, split.train, base.string() + ".train.csv");
      write_ratings(loaded.dataset, split.test, base.string() + ".test.csv");
      std::cout << fmt::format("{}: {} train, {} test -> {}.{{train,test}}.csv\n", split.name,
                               split.train.size(), split.test.size(), base.string());
    }
  });
}

}  // namespace

void register_data_commands(CLI::App& app) {
  auto* data = app.add_subcommand("data", "inspect, synthesise and split datasets");
  data->require_subcommand(1);
  register_info(*data);
  register_split(*data);
  register_synth_command(*data);
}

}  // namespace lusifer::cli
