#pragma once

// Train/test splits of a dataset, as lists of rating indices (ascending, so
// each side keeps file order).
//
// Three kinds: the official split files of MovieLens 100K; a per-user
// chronological hold-out of the last k ratings; and a seeded random k-fold
// over all ratings. All are deterministic.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

struct Split {
  std::string name;
  std::vector<RatingIndex> train;
  std::vector<RatingIndex> test;
};

// Reads <name>.base and <name>.test (u1..u5, ua, ub) from `directory`. Every
// row must be a rating of `dataset` (same user, item, rating and timestamp),
// and no rating may be on both sides; anything else is an InputError naming
// the split file and line.
Split load_official_split(const Dataset& dataset, const std::filesystem::path& directory,
                          std::string_view name, InputDiagnostics& diagnostics);

// For each user, the last k ratings in time go to test, the rest to train;
// a user with k or fewer ratings keeps the oldest one in train.
Split holdout_last_k(const Dataset& dataset, std::size_t k);

// Shuffles all ratings with `seed` and deals them into `folds` folds of equal
// size (within one); split f tests on fold f and trains on the others.
std::vector<Split> random_k_fold(const Dataset& dataset, std::size_t folds, std::uint64_t seed);

}  // namespace lusifer
