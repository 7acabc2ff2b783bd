#include "engine/data/dataset_source.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "engine/data/dataset_loader.hpp"

namespace lusifer {

LoadedDataset load_dataset_source(const DatasetSource& source) {
  const auto start = std::chrono::steady_clock::now();
  InputDiagnostics diagnostics(source.lenient);
  Dataset dataset = load_dataset(source.directory, diagnostics, source.format);
  std::vector<ItemTextReport> reports;
  std::vector<ItemTextSource> texts = source.item_texts;
  const auto overviews = source.directory / kSyntheticOverviewsFile;
  if (texts.empty() && dataset.format() == DatasetFormat::kMovieLensLatest &&
      std::filesystem::exists(overviews)) {
    texts.push_back(ItemTextSource{overviews, {}, {}, false});
  }
  for (const auto& text : texts) {
    reports.push_back(join_item_text(dataset, text, diagnostics));
    const auto& r = reports.back();
    spdlog::info("{}: joined text to {} items by {} ({} rows; {} without text; {} for items that "
                 "already had text)",
                 text.file.string(), r.joined, r.key_column, r.rows, r.without_text,
                 r.already_had_text);
    if (r.unmatched > 0) {
      std::string lines;
      for (const auto line : r.unmatched_lines) lines += (lines.empty() ? "" : ", ") + std::to_string(line);
      spdlog::warn("{}: {} rows name no item of the dataset (lines {}{})", text.file.string(),
                   r.unmatched, lines, r.unmatched > r.unmatched_lines.size() ? ", ..." : "");
    }
  }
  if (diagnostics.skipped_lines() > 0) {
    spdlog::warn("lenient mode skipped {} bad lines", diagnostics.skipped_lines());
    for (const auto& f : diagnostics.skipped_by_file()) {
      spdlog::warn("  {}: {} lines skipped", f.file, f.skipped_lines);
    }
    for (const auto& sample : diagnostics.samples()) spdlog::warn("  {}", sample);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return LoadedDataset{std::move(dataset), std::move(diagnostics), std::move(reports), seconds};
}

}  // namespace lusifer
