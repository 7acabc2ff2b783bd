#pragma once

// The MovieLens "latest" CSV format, shared by ml-latest-small, ml-latest and
// ml-25m: ratings.csv and movies.csv (required), tags.csv and links.csv
// (read when present). UTF-8, RFC 4180 quoting, LF or CRLF line endings.
// Ratings are on the half-star scale 0.5..5.0. "(no genres listed)" is the
// empty genre set.
//
// users.csv (userId,gender,age,occupation) is a lusifer extension, read when
// present: the synthetic world writes it so that its users have demographics.

#include <filesystem>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

inline constexpr RatingScale kHalfStarScale{0.5f, 5.0f, 0.5f};

Dataset load_movielens_latest(const std::filesystem::path& directory,
                              InputDiagnostics& diagnostics);

}  // namespace lusifer
