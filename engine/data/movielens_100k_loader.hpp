#pragma once

// MovieLens 100K: u.data (ratings, tab-separated), u.item (movies, '|',
// latin-1), u.user (demographics), u.genre and u.occupation (vocabularies).
//
// Required: u.data, u.item, u.user. When u.genre is absent the genre list of
// the official README is used; when u.occupation is absent occupations are
// not checked. The genre "unknown" means "no genre" and is not a genre.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

Dataset load_movielens_100k(const std::filesystem::path& directory,
                            InputDiagnostics& diagnostics);

// One row of a file in u.data's layout, with the line it came from.
struct TabSeparatedRating {
  ExternalId user_id = 0;
  ExternalId item_id = 0;
  float value = 0;
  std::int64_t timestamp = 0;
  std::size_t line = 0;
};

// Reads a file in u.data's layout: u.data itself, or a split file such as
// u1.base. Throws InputError for a missing or empty file.
std::vector<TabSeparatedRating> read_tab_separated_ratings(const std::filesystem::path& file,
                                                           const RatingScale& scale,
                                                           InputDiagnostics& diagnostics);

}  // namespace lusifer
