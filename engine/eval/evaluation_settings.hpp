#pragma once

// The [evaluation] section of a run's configuration: which protocol an
// evaluation uses, which baselines it trains, and how it scores. Read with
// the rest of the configuration (engine/config), turned into protocols once
// the dataset is loaded.
//
//   [evaluation]
//   protocol = "split"        # "lusifer": Lusifer's protocol on MovieLens 100K u1 (last 40
//                             #   training ratings, first 10 test rows per user);
//                             # "official-folds": MovieLens 100K u1..u5 (see folds);
//                             # "split": the [data.split] of the run (official, holdout or
//                             #   kfold), for any dataset the loaders read
//   folds = ["u1", "u2", "u3", "u4", "u5"]   # official-folds only
//   train_last_n = 0          # each user's last N training ratings (0: all); not with "lusifer"
//   test_per_user = 0         # the first N test rows per user (0: all); not with "lusifer"
//   known_users_only = false  # drop test rows of users without training ratings (not with
//   known_items_only = false  #   "lusifer", which drops both), likewise items
//   tie_order = "dataset"     # equal timestamps: "dataset" file order or "split-file" order
//   test_items = "movies.csv" # optional: test only these items (a CSV with an id column);
//                             #   the authors' movies_structured_100K.csv gives their 4,292
//   test_items_column = ""    # the id column (default: movie_id, movieId, item_id or itemId)
//   cold_start_max_train = 10 # cold start: users with at most N training ratings
//   every_fold = true         # "split" with kfold: every fold (false: data.split.fold only)
//   baselines = ["global-mean", "user-mean", "item-mean", "baseline-only", "svd",
//                "knn-baseline", "svd++"]
//   seed = 0                  # SVD, SVD++ and the offline model's seeds
//   offline_model = true      # score the offline model (not an LLM) directly
//   calibration_shrinkage = 10.0
//   round_predictions = false # true rounds EVERY method's predictions to the scale
//   simulator = true          # lusifer evaluate: the simulated users (LLM or offline model)
//                             #   rate the test pairs through the actors, as in a run
//   calibration_items = 20    # each simulated user first rates this many of its latest
//                             #   training items; the simulator's calibration is fitted on
//                             #   those answers (0: no calibrated rows for the simulator)
//
// Errors: ConfigError naming the key (unknown protocol, baseline or tie
// order; train_last_n, test_per_user, cold_start_max_train, known_users_only
// or known_items_only with "lusifer", whose rules are fixed). make_protocols: std::invalid_argument
// when a protocol needs MovieLens 100K and the dataset is another; InputError for the split and
// item files.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config_file.hpp"
#include "engine/data/data_settings.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/evaluation_run.hpp"

namespace lusifer {

enum class ProtocolChoice { kLusifer, kOfficialFolds, kSplit };

struct EvaluationSettings {
  ProtocolChoice protocol = ProtocolChoice::kSplit;
  std::vector<std::string> folds = official_fold_names();
  std::size_t train_last_n = 0;
  std::size_t test_per_user = 0;
  bool known_users_only = false;
  bool known_items_only = false;
  TieOrder tie_order = TieOrder::kDataset;
  std::optional<std::filesystem::path> test_items;
  std::string test_items_column;
  std::size_t cold_start_max_train = 10;
  bool every_fold = true;
  EvaluationRunOptions run;
  bool simulator = true;
  std::size_t simulator_calibration_items = 20;
};

EvaluationSettings read_evaluation_settings(ConfigFile& file);

// The protocols the settings ask for, in order (one per fold where there are
// folds). `directory` is the dataset's (where official split files are).
std::vector<EvaluationProtocol> make_protocols(const Dataset& dataset,
                                               const std::filesystem::path& directory,
                                               const EvaluationSettings& settings,
                                               const SplitSettings& split,
                                               InputDiagnostics& diagnostics);

}  // namespace lusifer
