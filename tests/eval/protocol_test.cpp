#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/split.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/item_id_list.hpp"
#include "engine/eval/official_split_order.hpp"
#include "tests/eval/eval_test_support.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;
using testing::make_split;
using testing::timed_dataset;

namespace {

std::vector<RatingIndex> test_indices(const EvaluationProtocol& p) {
  std::vector<RatingIndex> out;
  for (const auto& t : p.test)
    out.push_back(t.rating);
  return out;
}

// Two users; user 0 has a tie in time (indices 1 and 3 at t = 30) right at
// the cut of the last 2.
Dataset tie_dataset() {
  return timed_dataset(2, 5,
                       {{0, 0, 4, 10},
                        {0, 1, 3, 30},
                        {0, 2, 5, 20},
                        {0, 3, 2, 30},
                        {0, 4, 1, 40},
                        {1, 0, 5, 5},
                        {1, 1, 4, 6}});
}

// Ratings chosen so that each test-filter rule fires once (see the test).
Dataset filter_dataset() {
  return timed_dataset(4, 6,
                       {{0, 0, 4, 1},     // 0 train
                        {0, 1, 3, 2},     // 1 train
                        {1, 0, 5, 3},     // 2 train
                        {0, 2, 5, 4},     // 3 test: known
                        {0, 3, 2, 5},     // 4 test: known (item 3 trained by user 1)
                        {1, 3, 4, 6},     // 5 train
                        {0, 4, 1, 7},     // 6 test: item 4 is rated in no training rating
                        {2, 0, 3, 8},     // 7 test: user 2 has no training rating
                        {0, 0, 2, 9},     // 8 test: (user 0, item 0) is a training pair
                        {1, 1, 2, 10},    // 9 test: known
                        {0, 5, 4, 11},    // 10 test: known
                        {1, 5, 3, 12},    // 11 train
                        {3, 2, 4, 13}});  // 12 train
}

// The test filters of Lusifer's protocol, without its truncation and cap.
ProtocolOptions filtering() {
  ProtocolOptions options;
  options.known_users_only = true;
  options.known_items_only = true;
  return options;
}

Split filter_split() {
  // The test list in an order of its own (as u1.test's differs from u.data's).
  return make_split("filters", {0, 1, 2, 5, 11, 12}, {10, 9, 8, 7, 6, 4, 3});
}

// A MovieLens 100K directory in a temporary directory: the mini fixture's
// users, items and ratings, with split files whose rows are in an order
// other than u.data's.
struct ShuffledMl100k {
  testing::TempDir dir;
  ShuffledMl100k() {
    for (const char* name : {"u.data", "u.item", "u.user", "u.genre", "u.occupation"})
      std::filesystem::copy_file(testing::fixture("ml-100k-mini") / name, dir.path() / name);
    // u.data's lines 2, 7, 11, 14, 20 are the test side; written here in
    // another order, and the base side reversed.
    dir.write("u1.test",
              "4\t6\t3\t880000004\n"
              "3\t6\t5\t878887119\n"
              "1\t1\t5\t881250949\n"
              "3\t1\t4\t878887116\n"
              "2\t2\t4\t891717700\n");
    std::ifstream base(testing::fixture("ml-100k-mini") / "u1.base");
    std::vector<std::string> lines;
    for (std::string line; std::getline(base, line);)
      lines.push_back(line);
    std::reverse(lines.begin(), lines.end());
    std::string reversed;
    for (const auto& line : lines)
      reversed += line + "\n";
    dir.write("u1.base", reversed);
  }
};

}  // namespace

TEST_CASE("training keeps each user's last N ratings in time, ties in dataset order",
          "[eval][protocol]") {
  const Dataset d = tie_dataset();
  // The split's train list in reverse order, as a split file may list it.
  const Split split = make_split("ties", {4, 3, 2, 1, 0, 6, 5}, {});
  ProtocolOptions options;
  options.train_last_n = 2;
  const EvaluationProtocol p = build_protocol(d, split, options);
  // User 0 by (time, rating index): 0 (10), 2 (20), 1 (30), 3 (30), 4 (40):
  // the last two are 3 and 4. User 1 has only two. List order is kept.
  CHECK(p.train == std::vector<RatingIndex>{4, 3, 6, 5});
  CHECK(p.counts.train_before == 7);
  CHECK(p.counts.train == 4);
  CHECK(p.counts.train_users == 2);
  // The same ratings Dataset::histories() calls the last two.
  const auto last = d.histories().last(0, 2);
  CHECK(std::vector<RatingIndex>(last.begin(), last.end()) == std::vector<RatingIndex>{3, 4});
}

TEST_CASE("ties can follow the split list's order instead", "[eval][protocol]") {
  const Dataset d = tie_dataset();
  const Split split = make_split("ties", {4, 3, 2, 1, 0, 6, 5}, {});
  ProtocolOptions options;
  options.train_last_n = 2;
  options.tie_order = TieOrder::kSplitList;
  const EvaluationProtocol p = build_protocol(d, split, options);
  // At t = 30, rating 3 comes before rating 1 in the list, so 1 is the later.
  CHECK(p.train == std::vector<RatingIndex>{4, 1, 6, 5});
  CHECK(p.description.find("ties in split-file order") != std::string::npos);
}

TEST_CASE("no truncation keeps every training rating in list order", "[eval][protocol]") {
  const Dataset d = tie_dataset();
  const Split split = make_split("all", {4, 3, 2, 1, 0, 6, 5}, {});
  const EvaluationProtocol p = build_protocol(d, split, ProtocolOptions{});
  CHECK(p.train == split.train);
  CHECK(p.description.find("every rating of the train side") != std::string::npos);
}

TEST_CASE("test rows are filtered by known users, known items and training pairs",
          "[eval][protocol]") {
  const Dataset d = filter_dataset();
  const EvaluationProtocol p = build_protocol(d, filter_split(), filtering());
  CHECK(test_indices(p) == std::vector<RatingIndex>{10, 9, 4, 3});
  CHECK(p.counts.test_rows == 7);
  CHECK(p.counts.unknown_user == 1);
  CHECK(p.counts.unknown_item == 1);
  CHECK(p.counts.train_pair == 1);
  CHECK(p.counts.outside_item_list == 0);
  CHECK(p.counts.over_cap == 0);
  CHECK(p.counts.test == 4);
  CHECK(p.counts.test_users == 2);
  const TestRating& first = p.test.front();
  CHECK(first.user == 0);
  CHECK(first.item == 5);
  CHECK(first.value == 4.0f);
}

TEST_CASE("by default only training pairs leave the test", "[eval][protocol]") {
  const Dataset d = filter_dataset();
  ProtocolOptions options;
  CHECK_FALSE(options.known_users_only);
  CHECK_FALSE(options.known_items_only);
  CHECK(test_indices(build_protocol(d, filter_split(), options)) ==
        std::vector<RatingIndex>{10, 9, 7, 6, 4, 3});
  options.exclude_train_pairs = false;
  CHECK(test_indices(build_protocol(d, filter_split(), options)) == filter_split().test);
}

TEST_CASE("the cap keeps the first N rows per user in test-list order", "[eval][protocol]") {
  const Dataset d = filter_dataset();
  ProtocolOptions options = filtering();
  options.test_per_user = 2;
  const EvaluationProtocol p = build_protocol(d, filter_split(), options);
  // User 0's kept rows in list order are 10, 4, 3: rating 3 is the third.
  CHECK(test_indices(p) == std::vector<RatingIndex>{10, 9, 4});
  CHECK(p.counts.over_cap == 1);
  // The cap counts only rows that passed the other rules: the training pair
  // (8) and the unknown item (6) of user 0 come before 4 and took no slot.
  options.test_per_user = 1;
  CHECK(test_indices(build_protocol(d, filter_split(), options)) ==
        std::vector<RatingIndex>{10, 9});
}

TEST_CASE("known means known to the truncated training set", "[eval][protocol]") {
  const Dataset d = filter_dataset();
  ProtocolOptions options = filtering();
  options.train_last_n = 1;
  const EvaluationProtocol p = build_protocol(d, filter_split(), options);
  // Kept: user 0's rating 1 (item 1), user 1's rating 11 (item 5), user 3's
  // rating 12 (item 2). Items 0 and 3 are no longer known.
  CHECK(p.train == std::vector<RatingIndex>{1, 11, 12});
  CHECK(test_indices(p) == std::vector<RatingIndex>{10, 9, 3});
  CHECK(p.counts.unknown_item == 3);  // 8 (item 0), 6 (item 4), 4 (item 3)
  CHECK(p.counts.train_pair == 0);
}

TEST_CASE("test items can be restricted to a list of ids", "[eval][protocol]") {
  const Dataset d = filter_dataset();
  ProtocolOptions options = filtering();
  options.test_per_user = 2;
  ItemIdList list;
  list.file = "kept.csv";
  list.ids = {3, 6, 99};  // items 2 and 5; 99 is no item
  options.test_items = list;
  const EvaluationProtocol p = build_protocol(d, filter_split(), options);
  // 9 (item 1) and 4 (item 3) are outside the list; the cap then lets 3 in.
  CHECK(test_indices(p) == std::vector<RatingIndex>{10, 3});
  CHECK(p.counts.outside_item_list == 2);
  CHECK(p.counts.over_cap == 0);
  CHECK(p.counts.item_list_unknown_ids == 1);
  CHECK(p.description.find("listed in kept.csv (2 dropped)") != std::string::npos);
}

TEST_CASE("the cold-start subset holds users with few training ratings before truncation",
          "[eval][protocol]") {
  const Dataset d = filter_dataset();
  ProtocolOptions options = filtering();
  options.cold_start_max_train = 2;
  options.train_last_n = 1;  // truncation does not make anyone cold
  options.known_items_only = false;
  const EvaluationProtocol p = build_protocol(d, filter_split(), options);
  REQUIRE(p.subsets.size() == 2);
  CHECK(p.subsets[0].name == "all users");
  CHECK(p.subsets[0].positions.size() == p.test.size());
  CHECK(p.subsets[0].users == 2);
  const UserSubset& cold = p.subsets[1];
  CHECK(cold.name == "cold start");
  // User 0 has 2 training ratings (cold), user 1 has 3 (not).
  for (std::size_t k = 0; k < p.test.size(); ++k) {
    const bool in_cold =
        std::find(cold.positions.begin(), cold.positions.end(), k) != cold.positions.end();
    CHECK(in_cold == (p.test[k].user == 0));
  }
  CHECK(cold.users == 1);
  CHECK_FALSE(cold.positions.empty());
  options.cold_start_max_train = 1;
  CHECK(build_protocol(d, filter_split(), options).subsets[1].positions.empty());
}

TEST_CASE("a protocol without training ratings is refused", "[eval][protocol]") {
  const Dataset d = filter_dataset();
  CHECK_THROWS_AS(build_protocol(d, make_split("empty", {}, {3}), ProtocolOptions{}),
                  std::invalid_argument);
  CHECK_THROWS_AS(build_protocol(d, make_split("bad", {0, 999}, {}), ProtocolOptions{}),
                  std::out_of_range);
}

TEST_CASE("official split files can be listed in file order", "[eval][protocol]") {
  const ShuffledMl100k fixture;
  InputDiagnostics strict;
  const Dataset d = load_dataset(fixture.dir.path(), strict);
  const Split sorted = load_official_split(d, fixture.dir.path(), "u1", strict);
  const Split ordered = load_official_split_in_file_order(d, fixture.dir.path(), "u1", strict);
  // The same ratings...
  auto a = ordered.test;
  std::sort(a.begin(), a.end());
  CHECK(a == sorted.test);
  auto b = ordered.train;
  std::sort(b.begin(), b.end());
  CHECK(b == sorted.train);
  // ...in the files' order: u.data lines 20, 14, 2, 11, 7 are rating indices
  // 19, 13, 1, 10, 6.
  CHECK(ordered.test == std::vector<RatingIndex>{19, 13, 1, 10, 6});
  CHECK(ordered.train.front() == 18);  // u1.base's last line, u.data line 19
  CHECK(std::is_sorted(ordered.train.rbegin(), ordered.train.rend()));
}

TEST_CASE("Lusifer's protocol runs on MovieLens 100K split files", "[eval][protocol]") {
  const ShuffledMl100k fixture;
  InputDiagnostics strict;
  const Dataset d = load_dataset(fixture.dir.path(), strict);
  const EvaluationProtocol p = lusifer_protocol(d, fixture.dir.path(), std::nullopt, strict);
  CHECK(p.name == "lusifer-ml100k-u1");
  CHECK(p.kind == ProtocolKind::kLusiferMl100k);
  CHECK(p.options.train_last_n == 40);
  CHECK(p.options.test_per_user == 10);
  CHECK(p.train.size() == 15);
  // Every test user and item is known and no test pair is a training pair,
  // so all five rows stay, in u1.test's order.
  CHECK(test_indices(p) == std::vector<RatingIndex>{19, 13, 1, 10, 6});
  CHECK(p.description.rfind("Lusifer's protocol", 0) == 0);

  // Other formats have no u1 files to speak of.
  const Dataset other = timed_dataset(1, 1, {{0, 0, 3, 1}});
  CHECK_THROWS_AS(lusifer_protocol(other, fixture.dir.path(), std::nullopt, strict),
                  std::invalid_argument);
}

TEST_CASE("the official folds each become a protocol", "[eval][protocol]") {
  const ShuffledMl100k fixture;
  InputDiagnostics strict;
  const Dataset d = load_dataset(fixture.dir.path(), strict);
  const std::vector<std::string> folds = {"u1"};
  const auto protocols =
      official_fold_protocols(d, fixture.dir.path(), ProtocolOptions{}, strict, folds);
  REQUIRE(protocols.size() == 1);
  CHECK(protocols[0].name == "u1");
  CHECK(protocols[0].kind == ProtocolKind::kCustom);
  // A fold that has no files is an input error naming the file.
  const std::vector<std::string> missing = {"u2"};
  CHECK_THROWS_AS(
      official_fold_protocols(d, fixture.dir.path(), ProtocolOptions{}, strict, missing),
      InputError);
}
