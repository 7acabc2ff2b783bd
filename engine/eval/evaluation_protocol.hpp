#pragma once

// Evaluation protocols: which ratings every method trains on and which
// held-out ratings it is scored against, so that simulators and baselines are
// compared on exactly the same data.
//
// A protocol is built from a split (train and test rating lists, each in a
// meaningful order) by three rules:
// 1. Training truncation: each user keeps their last `train_last_n` training
//    ratings in time (0 keeps all). Equal timestamps are ordered by
//    `tie_order`: kDataset, the dataset file's order (rating index), which is
//    the order of Dataset::histories() and of the simulator's
//    TrainingHistories, so profiles are built from the very ratings the
//    baselines train on; or kSplitList, the order of the split's train list
//    (with load_official_split_in_file_order that is u1.base's order, which
//    is what the Lusifer authors' stable pandas sort used). The kept ratings
//    stay in the order of the split's train list (SGD models depend on it).
// 2. Test filtering: the split's test rows, in the order of its test list,
//    each dropped by the first of the rules in force (ProtocolOptions) it
//    fails, in this order: its user has no
//    rating in the truncated training set; its item has none; the (user,
//    item) pair is rated in it; its item is not in `test_items`; the user
//    already has `test_per_user` kept rows (0: no cap). "Known" always means
//    known to the TRUNCATED training set, as in the authors' code.
// 3. User subsets: every user, and the cold-start users, who have at most
//    `cold_start_max_train` ratings on the split's train side BEFORE
//    truncation (the authors counted u1.base rows: 21 users / 210 test
//    ratings on ML-100K u1).
//
// Lusifer's protocol on ML-100K (lusifer_protocol): u1, last 40, first 10
// test rows per user in u1.test's file order. Those rules alone give 4,303
// ratings from 459 users; the authors' 4,292 come from also dropping the test
// items without a TMDB overview, which their table movies_structured_100K.csv
// lists (pass it as `authors_movies`). Their released outputs hold exactly
// the 4,292 rows this gives, in the same order (docs/evaluation.md).
//
// Determinism: the same inputs give the same protocol. Errors: InputError
// from the split files; std::invalid_argument for a dataset that is not
// MovieLens 100K where the protocol needs one, or for an empty training set.
// Protocols are plain values, safe to share between threads once built.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/split.hpp"
#include "engine/eval/item_id_list.hpp"

namespace lusifer {

enum class TieOrder { kDataset, kSplitList };

std::string_view tie_order_name(TieOrder order) noexcept;

// What the figures of the Lusifer paper can be set beside.
enum class ProtocolKind { kCustom, kLusiferMl100k };

// The defaults keep every test rating that is not a training pair (models
// fall back on what they know for unknown users and items, and an LLM can
// rate an item it never saw), as Surprise scores its folds.
struct ProtocolOptions {
  std::size_t train_last_n = 0;  // per user; 0 keeps every training rating
  TieOrder tie_order = TieOrder::kDataset;
  std::size_t test_per_user = 0;  // the first N kept test rows per user; 0: no cap
  bool known_users_only = false;
  bool known_items_only = false;
  bool exclude_train_pairs = true;
  std::optional<ItemIdList> test_items;  // test items restricted to these ids
  std::size_t cold_start_max_train = 10;
};

// Lusifer's rules: the last 40 training ratings, 10 test rows per user, known
// users and items, no training pair, cold start at 10 or fewer.
ProtocolOptions lusifer_protocol_options();

struct TestRating {
  RatingIndex rating = 0;
  UserIndex user = 0;
  ItemIndex item = 0;
  float value = 0;
};

struct UserSubset {
  std::string name;                      // "all users", "cold start"
  std::string description;               // the rule, in words
  std::vector<std::uint32_t> positions;  // indices into EvaluationProtocol::test, ascending
  std::size_t users = 0;                 // users with a test rating in the subset
};

// How many ratings each rule kept and dropped.
struct ProtocolCounts {
  std::size_t train_before = 0;  // the split's train side
  std::size_t train = 0;         // after truncation
  std::size_t train_users = 0;
  std::size_t test_rows = 0;  // the split's test side
  std::size_t unknown_user = 0;
  std::size_t unknown_item = 0;
  std::size_t train_pair = 0;
  std::size_t outside_item_list = 0;
  std::size_t over_cap = 0;
  std::size_t test = 0;  // kept
  std::size_t test_users = 0;
  std::size_t item_list_unknown_ids = 0;  // ids of test_items naming no item of the dataset
};

struct EvaluationProtocol {
  std::string name;         // "lusifer-ml100k-u1", "u3", "holdout-last-10", ...
  std::string description;  // every rule and count, in a paragraph
  ProtocolKind kind = ProtocolKind::kCustom;
  RatingScale scale;
  ProtocolOptions options;
  std::vector<RatingIndex> train;   // after truncation, in the split's train order
  std::vector<TestRating> test;     // in the split's test order
  std::vector<UserSubset> subsets;  // [0] all users, [1] cold start
  ProtocolCounts counts;
};

// Applies `options` to `split` (see the rules above). The protocol's name is
// the split's. Throws std::invalid_argument when truncation leaves nothing to
// train on, std::out_of_range for an index outside the dataset.
EvaluationProtocol build_protocol(const Dataset& dataset, const Split& split,
                                  const ProtocolOptions& options);

// Lusifer's protocol on MovieLens 100K fold `fold` (u1 in the paper), from
// the dataset directory's split files in file order.
EvaluationProtocol lusifer_protocol(const Dataset& dataset, const std::filesystem::path& directory,
                                    std::optional<ItemIdList> authors_movies,
                                    InputDiagnostics& diagnostics,
                                    TieOrder tie_order = TieOrder::kDataset,
                                    std::string_view fold = "u1");

// One protocol per official fold (u1..u5 by default), with `options` (no
// truncation and no cap for the usual 5-fold protocol).
std::vector<EvaluationProtocol> official_fold_protocols(
    const Dataset& dataset, const std::filesystem::path& directory, const ProtocolOptions& options,
    InputDiagnostics& diagnostics,
    std::span<const std::string> folds = std::span<const std::string>());

// The names u1..u5.
std::vector<std::string> official_fold_names();

}  // namespace lusifer
