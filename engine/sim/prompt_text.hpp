#pragma once

// Small text transformations that turn dataset fields into prompt text.
//
// All functions take and return UTF-8 and never split a multi-byte sequence.
// Pure and thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/data/dataset.hpp"

namespace lusifer {

// MovieLens moves leading articles to the end ("American President, The
// (1995)"); LLMs know films by their real names, so the article goes back in
// front: "The American President (1995)". Handles English and the common
// French, Italian, Spanish, German and Scandinavian articles, before the
// first " (" (alternative titles and the year are kept as they are).
std::string display_title(std::string_view title);

// Whitespace runs (including line breaks and tabs) become one space, other
// control characters are dropped, and the ends are trimmed: item fields then
// fit on one prompt line, which keeps prompts compact and readable back.
std::string single_line(std::string_view text);

// At most `max_chars` characters (code points). Longer text is cut at the
// last space in its final third when there is one (else mid-word) and ends
// with "…". max_chars 0 gives an empty string.
std::string truncate_text(std::string_view text, std::size_t max_chars);

// A rating as a prompt shows it: "4", "3.5", "0.5".
std::string format_rating(double rating);

// The scale's allowed values: "1, 2, 3, 4, 5".
std::string scale_levels_text(const RatingScale& scale);

}  // namespace lusifer
