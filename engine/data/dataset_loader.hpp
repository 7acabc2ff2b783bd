#pragma once

// Loads a dataset directory of any supported format, chosen by the files it
// holds: u.data (MovieLens 100K), ratings.dat (MovieLens 1M) or ratings.csv
// (MovieLens "latest": ml-latest-small, ml-latest, ml-25m, lusifer's
// synthetic worlds).

#include <filesystem>
#include <optional>
#include <string_view>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

std::optional<DatasetFormat> detect_format(const std::filesystem::path& directory);

// Parses "auto", "movielens-100k", "movielens-1m" or "movielens-latest";
// nullopt means "auto". Throws std::invalid_argument for other names.
std::optional<DatasetFormat> parse_format_name(std::string_view name);

// Throws InputError when the directory is missing or holds no known format,
// and for any bad input that `diagnostics` does not absorb.
Dataset load_dataset(const std::filesystem::path& directory, InputDiagnostics& diagnostics,
                     std::optional<DatasetFormat> format = std::nullopt);

}  // namespace lusifer
