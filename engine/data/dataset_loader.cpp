#include "engine/data/dataset_loader.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "engine/data/movielens_100k_loader.hpp"
#include "engine/data/movielens_1m_loader.hpp"
#include "engine/data/movielens_latest_loader.hpp"

namespace lusifer {

std::optional<DatasetFormat> detect_format(const std::filesystem::path& directory) {
  if (std::filesystem::exists(directory / "u.data")) return DatasetFormat::kMovieLens100K;
  if (std::filesystem::exists(directory / "ratings.dat")) return DatasetFormat::kMovieLens1M;
  if (std::filesystem::exists(directory / "ratings.csv")) return DatasetFormat::kMovieLensLatest;
  return std::nullopt;
}

std::optional<DatasetFormat> parse_format_name(std::string_view name) {
  if (name == "auto") return std::nullopt;
  for (const auto format : {DatasetFormat::kMovieLens100K, DatasetFormat::kMovieLens1M,
                            DatasetFormat::kMovieLensLatest}) {
    if (name == format_name(format)) return format;
  }
  throw std::invalid_argument(fmt::format(
      "unknown dataset format '{}' (expected auto, movielens-100k, movielens-1m or "
      "movielens-latest)",
      name));
}

Dataset load_dataset(const std::filesystem::path& directory, InputDiagnostics& diagnostics,
                     std::optional<DatasetFormat> format) {
  if (!std::filesystem::is_directory(directory)) {
    throw InputError(directory.string(), 0, "a dataset directory",
                     std::filesystem::exists(directory) ? "a file" : "nothing (no such directory)");
  }
  if (!format) format = detect_format(directory);
  if (!format) {
    throw InputError(directory.string(), 0,
                     "a MovieLens dataset: u.data (100K), ratings.dat (1M) or ratings.csv (latest)",
                     "none of these files");
  }
  switch (*format) {
    case DatasetFormat::kMovieLens100K: return load_movielens_100k(directory, diagnostics);
    case DatasetFormat::kMovieLens1M: return load_movielens_1m(directory, diagnostics);
    case DatasetFormat::kMovieLensLatest: return load_movielens_latest(directory, diagnostics);
  }
  throw std::logic_error("unhandled dataset format");
}

}  // namespace lusifer
