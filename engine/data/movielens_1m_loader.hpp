#pragma once

// MovieLens 1M: ratings.dat, movies.dat and users.dat, "::"-separated,
// latin-1. Age and occupation codes are resolved to the labels of the
// official README. All three files are required.

#include <filesystem>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

Dataset load_movielens_1m(const std::filesystem::path& directory, InputDiagnostics& diagnostics);

}  // namespace lusifer
