#pragma once

// Joins descriptive text (a TMDB overview, a Wikipedia summary...) from a CSV
// file to the items of a dataset, by item id or by exact title.
//
// The file needs a header row. Unless named, the key column is the first of
// movie_id, movieId, item_id, itemId (join by id), or else movie_title, title
// (join by title); the text is taken from the first non-empty of the named
// text columns, by default overview, description, text, summary,
// wiki_summary. Rows whose key matches no item are counted and reported, not
// silently dropped. Items that already have text keep it unless `overwrite`.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

struct ItemTextSource {
  std::filesystem::path file;
  std::string key_column;                 // empty: detect as above
  std::vector<std::string> text_columns;  // empty: the defaults above
  bool overwrite = false;
};

struct ItemTextReport {
  std::string key_column;
  bool by_title = false;
  std::vector<std::string> text_columns;  // those found in the file
  std::size_t rows = 0;
  std::size_t joined = 0;          // items that received text
  std::size_t unmatched = 0;       // rows whose key names no item
  std::size_t without_text = 0;    // rows whose text columns are all empty
  std::size_t already_had_text = 0;
  std::vector<std::size_t> unmatched_lines;  // the first few, for the report
};

ItemTextReport join_item_text(Dataset& dataset, const ItemTextSource& source,
                              InputDiagnostics& diagnostics);

}  // namespace lusifer
