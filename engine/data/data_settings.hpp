#pragma once

// The [world] and [data] sections of a run's configuration: which dataset a
// run uses (a synthetic world, generated when missing, or a MovieLens
// directory with item texts) and how it is split into train and test.
//
//   [world]   the synthetic world's knobs (SyntheticWorldOptions), used when
//             data.source = "synthetic"
//   [data]    source, path, format, lenient, [[data.item_text]], [data.split]

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/config/config_file.hpp"
#include "engine/data/dataset_source.hpp"
#include "engine/data/synthetic_options.hpp"

namespace lusifer {

enum class SplitMethod { kOfficial, kHoldout, kKFold };

struct SplitSettings {
  SplitMethod method = SplitMethod::kHoldout;
  std::string official_name = "u1";  // kOfficial: u1..u5, ua, ub
  std::size_t holdout_k = 10;        // kHoldout: ratings held out per user
  std::size_t folds = 5;             // kKFold
  std::size_t fold = 1;              // kKFold: which fold is the test side (1-based)
  std::uint64_t seed = 42;           // kKFold
};

struct DataSettings {
  bool synthetic = true;
  SyntheticWorldOptions world;
  // Synthetic: where the world is written (generated unless it is there).
  // Otherwise: the dataset directory, with its item texts.
  DatasetSource source;
  SplitSettings split;
};

// Reads [world] into `options` (keys named as the `data synth` flags).
SyntheticWorldOptions read_world_options(ConfigSection world);

DataSettings read_data_settings(ConfigFile& file);

}  // namespace lusifer
