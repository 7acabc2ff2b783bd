// lusifer data synth: writes a synthetic world with known ground truth
// (engine/data/synthetic_world.hpp, docs/synthetic-world.md).

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "engine/config/config_file.hpp"
#include "engine/data/data_settings.hpp"
#include "engine/data/synthetic_world.hpp"

namespace lusifer::cli {
namespace {

// "1998-01-01" -> seconds since the epoch at midnight UTC.
std::int64_t parse_start_date(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d-%u-%u%c", &y, &m, &d, &tail) != 3) {
    throw CLI::ValidationError("--start-date", "expected YYYY-MM-DD, got '" + text + "'");
  }
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m},
                                         std::chrono::day{d}};
  if (!date.ok() || y < 1970) {
    throw CLI::ValidationError("--start-date", "expected a date from 1970 on, got '" + text + "'");
  }
  return std::chrono::sys_days{date}.time_since_epoch().count() * std::int64_t{86400};
}

std::string human_bytes(std::uintmax_t bytes) {
  if (bytes >= (std::uintmax_t{1} << 30))
    return fmt::format("{:.2f} GiB", bytes / 1073741824.0);
  if (bytes >= (std::uintmax_t{1} << 20))
    return fmt::format("{:.1f} MiB", bytes / 1048576.0);
  if (bytes >= (std::uintmax_t{1} << 10))
    return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{} B", bytes);
}

void print_report(const SyntheticWorldReport& r) {
  std::cout << fmt::format("synthetic world written to {}\n", r.directory.string());
  std::cout << fmt::format("{:<22}{}\n", "users", r.counts.users);
  std::cout << fmt::format("{:<22}{}\n", "items", r.counts.items);
  std::cout << fmt::format(
      "{:<22}{} ({:.1f} per user)\n", "ratings", r.counts.ratings,
      static_cast<double>(r.counts.ratings) / static_cast<double>(r.counts.users));
  std::cout << fmt::format("{:<22}{}\n", "tag applications", r.counts.tag_applications);
  std::cout << fmt::format("{:<22}{:.3f}\n", "mean rating", r.mean_rating);
  std::string histogram;
  for (std::size_t level = 0; level < r.counts.rating_histogram.size(); ++level) {
    const double share = r.counts.ratings == 0
                             ? 0.0
                             : 100.0 * static_cast<double>(r.counts.rating_histogram[level]) /
                                   static_cast<double>(r.counts.ratings);
    histogram += fmt::format("{}{:.1f}: {:.1f}%", level == 0 ? "" : "  ",
                             0.5 * static_cast<double>(level + 1), share);
  }
  std::cout << fmt::format("{:<22}{}\n", "rating histogram", histogram);
  std::uintmax_t total = 0;
  for (const auto& f : r.files) {
    std::cout << fmt::format("  {:<20}{:>12}\n", f.name, human_bytes(f.bytes));
    total += f.bytes;
  }
  std::cout << fmt::format("{:<22}{}\n", "total size", human_bytes(total));
  std::cout << fmt::format("{:<22}{:.2f} s on {} thread{} ({:.0f} ratings/s)\n", "time", r.seconds,
                           r.threads, r.threads == 1 ? "" : "s",
                           r.seconds > 0 ? static_cast<double>(r.counts.ratings) / r.seconds : 0.0);
}

}  // namespace

void register_synth_command(CLI::App& data) {
  auto* cmd = data.add_subcommand(
      "synth", "write a synthetic world in the MovieLens latest format, with its ground truth");
  struct Options {
    SyntheticWorldOptions world;
    std::string config;
    std::string out;
    std::string start_date = "1998-01-01";
    bool force = false;
  };
  auto opts = std::make_shared<Options>();
  SyntheticWorldOptions& w = opts->world;
  cmd->add_option("--out", opts->out, "output directory")->required();
  cmd->add_option("--config", opts->config,
                  "read the world's settings from the [world] section of this TOML file; flags "
                  "given on the command line override it");
  cmd->add_option("--users", w.users, "number of users")->capture_default_str();
  cmd->add_option("--items", w.items, "number of items")->capture_default_str();
  cmd->add_option("--seed", w.seed, "random seed; the same seed gives the same bytes")
      ->capture_default_str();
  cmd->add_option("--mean-ratings", w.mean_ratings_per_user, "mean ratings per user")
      ->capture_default_str();
  cmd->add_option("--min-ratings", w.min_ratings_per_user, "minimum ratings per user")
      ->capture_default_str();
  cmd->add_option("--max-ratings", w.max_ratings_per_user,
                  "cap on ratings per user (also capped at items / 2)")
      ->capture_default_str();
  cmd->add_option("--noise", w.rating_noise, "typical sd of a user's rating noise")
      ->capture_default_str();
  cmd->add_option("--drift", w.drift_strength,
                  "typical start-to-end taste drift (0: tastes never change)")
      ->capture_default_str();
  cmd->add_option("--selectivity", w.taste_selectivity,
                  "how strongly taste decides which items get rated (0: popularity only)")
      ->capture_default_str();
  cmd->add_option("--candidates", w.candidates_per_rating,
                  "popular items proposed per rating, among which taste picks")
      ->capture_default_str();
  cmd->add_option("--global-mean", w.global_mean, "global mean of the latent rating")
      ->capture_default_str();
  cmd->add_option("--demographic-effect", w.demographic_effect,
                  "scale of the demographic shifts of genre tastes (0: none)")
      ->capture_default_str();
  cmd->add_option("--tag-rate", w.tag_rate, "tag applications per rating")->capture_default_str();
  cmd->add_option("--start-date", opts->start_date, "first day users may rate (YYYY-MM-DD, UTC)")
      ->capture_default_str();
  cmd->add_option("--span-days", w.time_span_days, "days over which users start rating")
      ->capture_default_str();
  cmd->add_option("--threads", w.threads, "generator threads (0: one per core); output is the same")
      ->capture_default_str();
  cmd->add_flag("--force", opts->force,
                "write into a non-empty directory, replacing the world's files");
  cmd->callback([opts, cmd] {
    if (!opts->config.empty()) {
      // The file gives the base; every flag the user typed overrides its key.
      ConfigFile file = ConfigFile::load(opts->config);
      ConfigSection section = file.section("world");
      SyntheticWorldOptions base = read_world_options(section);
      section.check_all_consumed();
      const SyntheticWorldOptions& typed = opts->world;
      const auto keep = [&](const char* flag, auto member) {
        if (cmd->count(flag) > 0) base.*member = typed.*member;
      };
      keep("--users", &SyntheticWorldOptions::users);
      keep("--items", &SyntheticWorldOptions::items);
      keep("--seed", &SyntheticWorldOptions::seed);
      keep("--mean-ratings", &SyntheticWorldOptions::mean_ratings_per_user);
      keep("--min-ratings", &SyntheticWorldOptions::min_ratings_per_user);
      keep("--max-ratings", &SyntheticWorldOptions::max_ratings_per_user);
      keep("--noise", &SyntheticWorldOptions::rating_noise);
      keep("--drift", &SyntheticWorldOptions::drift_strength);
      keep("--selectivity", &SyntheticWorldOptions::taste_selectivity);
      keep("--candidates", &SyntheticWorldOptions::candidates_per_rating);
      keep("--global-mean", &SyntheticWorldOptions::global_mean);
      keep("--demographic-effect", &SyntheticWorldOptions::demographic_effect);
      keep("--tag-rate", &SyntheticWorldOptions::tag_rate);
      keep("--span-days", &SyntheticWorldOptions::time_span_days);
      keep("--threads", &SyntheticWorldOptions::threads);
      if (cmd->count("--start-date") == 0) opts->start_date.clear();
      opts->world = base;
    }
    if (!opts->start_date.empty()) opts->world.start_time = parse_start_date(opts->start_date);
    try {
      validate(opts->world);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("synth", e.what());
    }
    const std::filesystem::path out(opts->out);
    if (std::filesystem::is_directory(out) && !std::filesystem::is_empty(out) && !opts->force) {
      throw std::runtime_error(
          fmt::format("{} is not empty; use --force to write the synthetic world into it anyway",
                      out.string()));
    }
    print_report(generate_synthetic_world(opts->world, out, opts->force));
  });
}

}  // namespace lusifer::cli
