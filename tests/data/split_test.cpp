#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/split.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

Dataset load_mini() {
  InputDiagnostics strict;
  return load_dataset(testing::fixture("ml-100k-mini"), strict);
}

void check_partition(const Dataset& d, const Split& s) {
  std::vector<RatingIndex> all(s.train);
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.size() == d.ratings().size());
  CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  CHECK(std::is_sorted(s.test.begin(), s.test.end()));
}

}  // namespace

TEST_CASE("official split files map onto the dataset's ratings", "[split]") {
  const Dataset d = load_mini();
  InputDiagnostics strict;
  const Split s = load_official_split(d, testing::fixture("ml-100k-mini"), "u1", strict);
  CHECK(s.name == "u1");
  CHECK(s.train.size() == 15);
  CHECK(s.test.size() == 5);
  check_partition(d, s);
  // File lines 2, 7, 11, 14 and 20 of u.data are the test side.
  CHECK(s.test == std::vector<RatingIndex>{1, 6, 10, 13, 19});
}

TEST_CASE("the hold-out keeps each user's last k ratings in time for test", "[split]") {
  const Dataset d = load_mini();
  const Split s = holdout_last_k(d, 2);
  check_partition(d, s);
  CHECK(s.test.size() == 8);
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    const auto history = d.histories().of(u);
    for (std::size_t k = 0; k < history.size(); ++k) {
      const bool in_test = std::binary_search(s.test.begin(), s.test.end(), history[k]);
      CHECK(in_test == (k + 2 >= history.size()));
    }
  }
}

TEST_CASE("the hold-out always leaves a user one training rating", "[split]") {
  const Dataset d = load_mini();
  const Split s = holdout_last_k(d, 10);
  check_partition(d, s);
  CHECK(s.train.size() == d.user_count());
}

TEST_CASE("random k-fold is a seeded partition into equal folds", "[split]") {
  const Dataset d = load_mini();
  const auto folds = random_k_fold(d, 5, 7);
  REQUIRE(folds.size() == 5);
  std::set<RatingIndex> tested;
  for (const auto& f : folds) {
    check_partition(d, f);
    CHECK(f.test.size() == 4);
    tested.insert(f.test.begin(), f.test.end());
  }
  CHECK(tested.size() == d.ratings().size());
  const auto again = random_k_fold(d, 5, 7);
  const auto other = random_k_fold(d, 5, 8);
  CHECK(again[0].test == folds[0].test);
  bool any_different = false;
  for (std::size_t f = 0; f < 5; ++f) any_different |= other[f].test != folds[f].test;
  CHECK(any_different);
}
