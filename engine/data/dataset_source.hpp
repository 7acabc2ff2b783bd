#pragma once

// Everything needed to load a dataset the way a run wants it: the directory,
// the format, the item-text files to join, and whether bad lines are skipped.
// Configs and command lines both describe a dataset this way.

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/item_text_loader.hpp"

namespace lusifer {

// The item texts a synthetic world writes beside its movies.csv; joined by
// default when a MovieLens-latest directory has it and no other text is named.
inline constexpr std::string_view kSyntheticOverviewsFile = "overviews.csv";

struct DatasetSource {
  std::filesystem::path directory;
  std::optional<DatasetFormat> format;  // nullopt: detect
  std::vector<ItemTextSource> item_texts;
  bool lenient = false;
};

struct LoadedDataset {
  Dataset dataset;
  InputDiagnostics diagnostics;
  std::vector<ItemTextReport> item_text_reports;  // one per ItemTextSource
  double load_seconds = 0.0;
};

// Loads the dataset, joins the item texts in order, and logs what was
// skipped (lenient mode) and what did not join.
LoadedDataset load_dataset_source(const DatasetSource& source);

}  // namespace lusifer
