#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/config/config_error.hpp"
#include "engine/config/config_file.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/eval/evaluation_settings.hpp"
#include "tests/eval/eval_test_support.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

EvaluationSettings read(const std::string& text) {
  ConfigFile file = ConfigFile::parse(text, "/configs/eval.toml");
  EvaluationSettings settings = read_evaluation_settings(file);
  file.check_all_consumed();
  return settings;
}

std::string error_key(const std::string& text) {
  try {
    read(text);
  } catch (const ConfigError& e) {
    return e.key();
  }
  return "no error";
}

// Six users with four ratings each, one second apart.
Dataset four_each() {
  std::vector<testing::TimedRating> ratings;
  std::int64_t time = 0;
  for (UserIndex u = 0; u < 6; ++u) {
    for (ItemIndex i = 0; i < 4; ++i)
      ratings.push_back({u, (u + i) % 5, static_cast<float>(1 + (u + i) % 5), ++time});
  }
  return testing::timed_dataset(6, 5, ratings);
}

}  // namespace

TEST_CASE("without an [evaluation] section the run's split is evaluated in full",
          "[eval][settings]") {
  const EvaluationSettings s = read("");
  CHECK(s.protocol == ProtocolChoice::kSplit);
  CHECK(s.train_last_n == 0);
  CHECK(s.test_per_user == 0);
  CHECK(s.tie_order == TieOrder::kDataset);
  CHECK_FALSE(s.test_items.has_value());
  CHECK(s.cold_start_max_train == 10);
  CHECK(s.every_fold);
  CHECK(s.run.baselines.size() == all_baseline_kinds().size());
  CHECK(s.run.offline_model);
  CHECK_FALSE(s.run.table.round_predictions);
  CHECK(s.run.seed == 0);
}

TEST_CASE("the Lusifer protocol is chosen with its fixed rules", "[eval][settings]") {
  const EvaluationSettings s = read(
      "[evaluation]\n"
      "protocol = \"lusifer\"\n"
      "test_items = \"data/movies_structured_100K.csv\"\n"
      "tie_order = \"split-file\"\n"
      "baselines = [\"user-mean\", \"svd++\"]\n"
      "seed = 5\n"
      "offline_model = false\n"
      "calibration_shrinkage = 4.0\n"
      "round_predictions = true\n");
  CHECK(s.protocol == ProtocolChoice::kLusifer);
  CHECK(s.train_last_n == 40);
  CHECK(s.test_per_user == 10);
  REQUIRE(s.test_items.has_value());
  CHECK(*s.test_items == std::filesystem::path("/configs/data/movies_structured_100K.csv"));
  CHECK(s.tie_order == TieOrder::kSplitList);
  CHECK(s.run.baselines ==
        std::vector<BaselineKind>{BaselineKind::kUserMean, BaselineKind::kSvdPlusPlus});
  CHECK(s.run.seed == 5);
  CHECK(s.run.offline.model.seed == 5);
  CHECK(s.run.offline.model.svd.seed == 5);
  CHECK_FALSE(s.run.offline_model);
  CHECK(s.run.offline.calibration.shrinkage == 4.0);
  CHECK(s.run.table.round_predictions);
}

TEST_CASE("other protocols take truncation, cap and folds", "[eval][settings]") {
  const EvaluationSettings s = read(
      "[evaluation]\n"
      "protocol = \"official-folds\"\n"
      "folds = [\"u1\", \"u2\"]\n"
      "train_last_n = 60\n"
      "test_per_user = 5\n"
      "cold_start_max_train = 14\n"
      "baselines = []\n");
  CHECK(s.protocol == ProtocolChoice::kOfficialFolds);
  CHECK(s.folds == std::vector<std::string>{"u1", "u2"});
  CHECK(s.train_last_n == 60);
  CHECK(s.test_per_user == 5);
  CHECK(s.cold_start_max_train == 14);
  CHECK(s.run.baselines.empty());
}

TEST_CASE("evaluation settings that make no sense are config errors", "[eval][settings]") {
  CHECK(error_key("[evaluation]\nprotocol = \"lusifer\"\ntrain_last_n = 60\n") ==
        "evaluation.train_last_n");
  CHECK(error_key("[evaluation]\nprotocol = \"lusifer\"\ntest_per_user = 5\n") ==
        "evaluation.test_per_user");
  CHECK(error_key("[evaluation]\nprotocol = \"paper\"\n") == "evaluation.protocol");
  CHECK(error_key("[evaluation]\nbaselines = [\"svd\", \"nmf\"]\n") == "evaluation.baselines");
  CHECK(error_key("[evaluation]\ntie_order = \"random\"\n") == "evaluation.tie_order");
  CHECK(error_key("[evaluation]\nfolds = [\"u1\"]\n") == "evaluation.folds");
  CHECK(error_key("[evaluation]\nprotocol = \"official-folds\"\nfolds = []\n") ==
        "evaluation.folds");
  CHECK(error_key("[evaluation]\ntrain_last_n = -1\n") == "evaluation.train_last_n");
  CHECK(error_key("[evaluation]\nround = true\n") == "evaluation.round");
}

TEST_CASE("settings become protocols for any dataset through the run's split", "[eval][settings]") {
  const Dataset d = four_each();
  InputDiagnostics strict;
  EvaluationSettings s = read("[evaluation]\ntrain_last_n = 2\n");
  SplitSettings split;

  split.method = SplitMethod::kHoldout;
  split.holdout_k = 1;
  auto protocols = make_protocols(d, "unused", s, split, strict);
  REQUIRE(protocols.size() == 1);
  CHECK(protocols[0].name == "holdout-last-1");
  CHECK(protocols[0].train.size() == 12);  // 3 training ratings each, the last 2 kept
  CHECK(protocols[0].test.size() == 6);

  split.method = SplitMethod::kKFold;
  split.folds = 3;
  split.fold = 2;
  protocols = make_protocols(d, "unused", s, split, strict);
  REQUIRE(protocols.size() == 3);
  CHECK(protocols[1].name == "fold-2-of-3");
  s.every_fold = false;
  protocols = make_protocols(d, "unused", s, split, strict);
  REQUIRE(protocols.size() == 1);
  CHECK(protocols[0].name == "fold-2-of-3");

  s.protocol = ProtocolChoice::kLusifer;
  CHECK_THROWS_AS(make_protocols(d, "unused", s, split, strict), std::invalid_argument);
  s.protocol = ProtocolChoice::kOfficialFolds;
  CHECK_THROWS_AS(make_protocols(d, "unused", s, split, strict), std::invalid_argument);
}

TEST_CASE("settings become MovieLens 100K protocols from its split files", "[eval][settings]") {
  const auto dir = testing::fixture("ml-100k-mini");
  InputDiagnostics strict;
  const Dataset d = load_dataset(dir, strict);
  const testing::TempDir temp;
  const auto items = temp.write("kept.csv", "movie_id,title\n1,a\n2,b\n3,c\n4,d\n5,e\n");
  EvaluationSettings s = read("[evaluation]\nprotocol = \"lusifer\"\n");
  s.test_items = items;
  const SplitSettings split;
  auto protocols = make_protocols(d, dir, s, split, strict);
  REQUIRE(protocols.size() == 1);
  CHECK(protocols[0].kind == ProtocolKind::kLusiferMl100k);
  // Item 6 is not listed: u1.test's rows for it (users 3 and 4) are dropped.
  CHECK(protocols[0].test.size() == 3);
  CHECK(protocols[0].counts.outside_item_list == 2);

  s = read("[evaluation]\nprotocol = \"official-folds\"\nfolds = [\"u1\"]\n");
  protocols = make_protocols(d, dir, s, split, strict);
  REQUIRE(protocols.size() == 1);
  CHECK(protocols[0].name == "u1");
  CHECK(protocols[0].test.size() == 5);

  s = read("");
  SplitSettings official;
  official.method = SplitMethod::kOfficial;
  official.official_name = "u1";
  protocols = make_protocols(d, dir, s, official, strict);
  REQUIRE(protocols.size() == 1);
  CHECK(protocols[0].train.size() == 15);
}
