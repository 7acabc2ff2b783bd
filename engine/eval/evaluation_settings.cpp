#include "engine/eval/evaluation_settings.hpp"

#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/data/split.hpp"
#include "engine/eval/official_split_order.hpp"

namespace lusifer {
namespace {

std::string baseline_keys() {
  std::string keys;
  for (const BaselineKind kind : all_baseline_kinds())
    keys += fmt::format("{}{}", keys.empty() ? "" : ", ", baseline_key(kind));
  return keys;
}

void require_movielens_100k(const Dataset& dataset, std::string_view protocol) {
  if (dataset.format() != DatasetFormat::kMovieLens100K) {
    throw std::invalid_argument(
        fmt::format("evaluation protocol \"{}\" needs MovieLens 100K and its split files, not a {} "
                    "dataset; use protocol = \"split\" for other datasets",
                    protocol, format_name(dataset.format())));
  }
}

}  // namespace

EvaluationSettings read_evaluation_settings(ConfigFile& file) {
  ConfigSection s = file.section("evaluation");
  EvaluationSettings e;
  e.protocol = s.get_enum("protocol", ProtocolChoice::kSplit,
                          {{"lusifer", ProtocolChoice::kLusifer},
                           {"official-folds", ProtocolChoice::kOfficialFolds},
                           {"split", ProtocolChoice::kSplit}});
  constexpr std::int64_t kMaxCount = 1'000'000'000;
  if (e.protocol == ProtocolChoice::kLusifer) {
    // Lusifer's rules are what the paper's figures rest on; other values are
    // a different protocol, which "split" with an official split expresses.
    for (const char* fixed : {"train_last_n", "test_per_user", "cold_start_max_train",
                              "known_users_only", "known_items_only"}) {
      if (s.has(fixed)) {
        throw s.invalid(fixed,
                        "no value: protocol \"lusifer\" fixes its rules (last 40, 10 per "
                        "user, cold start at 10); use protocol = \"split\" with an official "
                        "split to change them",
                        "a value");
      }
    }
    const ProtocolOptions lusifer = lusifer_protocol_options();
    e.train_last_n = lusifer.train_last_n;
    e.test_per_user = lusifer.test_per_user;
    e.cold_start_max_train = lusifer.cold_start_max_train;
    e.known_users_only = lusifer.known_users_only;
    e.known_items_only = lusifer.known_items_only;
  } else {
    e.train_last_n = static_cast<std::size_t>(s.get_int("train_last_n", 0, 0, kMaxCount));
    e.test_per_user = static_cast<std::size_t>(s.get_int("test_per_user", 0, 0, kMaxCount));
    e.cold_start_max_train =
        static_cast<std::size_t>(s.get_int("cold_start_max_train", 10, 0, kMaxCount));
    e.known_users_only = s.get<bool>("known_users_only", false);
    e.known_items_only = s.get<bool>("known_items_only", false);
  }
  if (e.protocol == ProtocolChoice::kOfficialFolds) {
    e.folds = s.get<std::vector<std::string>>("folds", official_fold_names());
    if (e.folds.empty())
      throw s.invalid("folds", "at least one split name (u1..u5, ua, ub)", "an empty list");
  } else if (s.has("folds")) {
    throw s.invalid("folds", "no value: folds is read with protocol = \"official-folds\" only",
                    "a value");
  }
  e.tie_order = s.get_enum("tie_order", TieOrder::kDataset,
                           {{"dataset", TieOrder::kDataset}, {"split-file", TieOrder::kSplitList}});
  e.test_items = s.optional<std::filesystem::path>("test_items");
  e.test_items_column = s.get<std::string>("test_items_column", "");
  e.every_fold = s.get<bool>("every_fold", true);

  EvaluationRunOptions& run = e.run;
  std::vector<std::string> default_keys;
  for (const BaselineKind kind : all_baseline_kinds())
    default_keys.emplace_back(baseline_key(kind));
  run.baselines.clear();
  for (const std::string& key : s.get<std::vector<std::string>>("baselines", default_keys)) {
    const auto kind = parse_baseline_key(key);
    if (!kind)
      throw s.invalid("baselines", fmt::format("baselines among {}", baseline_keys()),
                      fmt::format("\"{}\"", key));
    run.baselines.push_back(*kind);
  }
  run.seed =
      static_cast<std::uint64_t>(s.get_int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  run.offline_model = s.get<bool>("offline_model", true);
  run.offline.model.seed = run.seed;
  run.offline.model.svd.seed = run.seed;
  run.offline.calibration.shrinkage =
      s.get_double("calibration_shrinkage", run.offline.calibration.shrinkage, 0.0, 1e6);
  run.table.round_predictions = s.get<bool>("round_predictions", false);
  e.simulator = s.get<bool>("simulator", true);
  e.simulator_calibration_items =
      static_cast<std::size_t>(s.get_int("calibration_items", 20, 0, kMaxCount));
  return e;
}

std::vector<EvaluationProtocol> make_protocols(const Dataset& dataset,
                                               const std::filesystem::path& directory,
                                               const EvaluationSettings& settings,
                                               const SplitSettings& split,
                                               InputDiagnostics& diagnostics) {
  std::optional<ItemIdList> items;
  if (settings.test_items)
    items = read_item_id_list(*settings.test_items, settings.test_items_column);

  if (settings.protocol == ProtocolChoice::kLusifer) {
    require_movielens_100k(dataset, "lusifer");
    std::vector<EvaluationProtocol> protocols;
    protocols.push_back(
        lusifer_protocol(dataset, directory, std::move(items), diagnostics, settings.tie_order));
    return protocols;
  }

  ProtocolOptions options;
  options.train_last_n = settings.train_last_n;
  options.test_per_user = settings.test_per_user;
  options.tie_order = settings.tie_order;
  options.cold_start_max_train = settings.cold_start_max_train;
  options.known_users_only = settings.known_users_only;
  options.known_items_only = settings.known_items_only;
  options.test_items = std::move(items);

  if (settings.protocol == ProtocolChoice::kOfficialFolds) {
    require_movielens_100k(dataset, "official-folds");
    return official_fold_protocols(dataset, directory, options, diagnostics, settings.folds);
  }

  std::vector<Split> splits;
  switch (split.method) {
    case SplitMethod::kOfficial:
      splits.push_back(
          load_official_split_in_file_order(dataset, directory, split.official_name, diagnostics));
      break;
    case SplitMethod::kHoldout:
      splits.push_back(holdout_last_k(dataset, split.holdout_k));
      break;
    case SplitMethod::kKFold: {
      auto folds = random_k_fold(dataset, split.folds, split.seed);
      if (settings.every_fold) {
        splits = std::move(folds);
      } else {
        if (split.fold < 1 || split.fold > folds.size()) {
          throw std::invalid_argument(fmt::format("data.split.fold {} is not among the {} folds",
                                                  split.fold, folds.size()));
        }
        splits.push_back(std::move(folds[split.fold - 1]));
      }
      break;
    }
  }
  std::vector<EvaluationProtocol> protocols;
  for (const Split& s : splits)
    protocols.push_back(build_protocol(dataset, s, options));
  return protocols;
}

}  // namespace lusifer
