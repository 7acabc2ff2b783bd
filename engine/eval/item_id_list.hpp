#pragma once

// A list of item ids read from one column of a CSV file with a header row:
// how an evaluation restricts its test items to a published list, such as
// the Lusifer authors' movies_structured_100K.csv (the 1,591 ML-100K movies
// they found a TMDB overview for, and the only ones they evaluated on).
//
// The column is the one named, or else the first of movie_id, movieId,
// item_id, itemId (never "id", which in TMDB tables is TMDB's own id).
// Every row must hold a valid integer id there; quoted fields with commas and
// line breaks are read as RFC 4180 says.
//
// Errors: InputError naming the file and line for a missing file, an empty
// file, a missing column, a short row or a field that is not an id. Nothing
// is skipped.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

struct ItemIdList {
  std::filesystem::path file;
  std::string column;           // the column read
  std::size_t rows = 0;         // data rows in the file
  std::vector<ExternalId> ids;  // ascending, without repeats
};

ItemIdList read_item_id_list(const std::filesystem::path& file, std::string_view column = {});

// How many of the list's ids name no item of `dataset`.
std::size_t unknown_item_ids(const ItemIdList& list, const Dataset& dataset);

}  // namespace lusifer
