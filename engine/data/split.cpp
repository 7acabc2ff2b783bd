#include "engine/data/split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "engine/core/random.hpp"
#include "engine/data/loader_support.hpp"
#include "engine/data/movielens_100k_loader.hpp"

namespace lusifer {
namespace {

std::uint64_t pair_key(UserIndex user, ItemIndex item) {
  return (static_cast<std::uint64_t>(user) << 32) | item;
}

}  // namespace

Split load_official_split(const Dataset& dataset, const std::filesystem::path& directory,
                          std::string_view name, InputDiagnostics& diagnostics) {
  const RatingTable& ratings = dataset.ratings();
  std::unordered_multimap<std::uint64_t, RatingIndex> by_pair;
  by_pair.reserve(ratings.size());
  for (RatingIndex i = 0; i < ratings.size(); ++i) {
    by_pair.emplace(pair_key(ratings.user(i), ratings.item(i)), i);
  }

  Split split;
  split.name = std::string(name);
  std::vector<std::uint8_t> side(ratings.size(), 0);  // 0: unused, 1: train, 2: test
  for (const auto& [suffix, target, mark] :
       {std::tuple{".base", &split.train, std::uint8_t{1}}, std::tuple{".test", &split.test, std::uint8_t{2}}}) {
    const auto file = (directory / (std::string(name) + suffix)).string();
    for (const auto& row : read_tab_separated_ratings(file, dataset.scale(), diagnostics)) {
      const loader::RecordSource at{file, row.line, {}};
      const auto user = dataset.find_user(row.user_id);
      if (!user) {
        loader::fail(diagnostics, at, "a user id of the dataset", fmt::format("user {}", row.user_id));
        continue;
      }
      const auto item = dataset.catalog().find(row.item_id);
      if (!item) {
        loader::fail(diagnostics, at, "an item id of the dataset", fmt::format("item {}", row.item_id));
        continue;
      }
      const auto [first, last] = by_pair.equal_range(pair_key(*user, *item));
      const auto match = std::find_if(first, last, [&](const auto& entry) {
        return ratings.value(entry.second) == row.value &&
               ratings.timestamp(entry.second) == row.timestamp;
      });
      if (match == last) {
        loader::fail(diagnostics, at, "a rating present in the dataset",
                     fmt::format("user {} item {} rating {} at {}, which it does not hold",
                                 row.user_id, row.item_id, row.value, row.timestamp));
        continue;
      }
      if (side[match->second] != 0) {
        loader::fail(diagnostics, at, "each rating once across the split",
                     fmt::format("user {} item {} again (already in the {} side)", row.user_id,
                                 row.item_id, side[match->second] == 1 ? "train" : "test"));
        continue;
      }
      side[match->second] = mark;
      target->push_back(match->second);
    }
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Split holdout_last_k(const Dataset& dataset, std::size_t k) {
  if (k == 0) throw std::invalid_argument("holdout_last_k: k must be at least 1");
  Split split;
  split.name = fmt::format("holdout-last-{}", k);
  const UserHistories& histories = dataset.histories();
  // Sized exactly first: a simulation keeps its split for the whole run.
  std::size_t test_size = 0;
  for (UserIndex u = 0; u < dataset.user_count(); ++u) {
    const std::size_t n = histories.of(u).size();
    if (n > 0)
      test_size += std::min(k, n - 1);
  }
  split.test.reserve(test_size);
  split.train.reserve(dataset.ratings().size() - test_size);
  for (UserIndex u = 0; u < dataset.user_count(); ++u) {
    const auto history = histories.of(u);
    if (history.empty())
      continue;
    const std::size_t held = std::min(k, history.size() - 1);
    const std::size_t cut = history.size() - held;
    split.train.insert(split.train.end(), history.begin(), history.begin() + static_cast<std::ptrdiff_t>(cut));
    split.test.insert(split.test.end(), history.begin() + static_cast<std::ptrdiff_t>(cut), history.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

std::vector<Split> random_k_fold(const Dataset& dataset, std::size_t folds, std::uint64_t seed) {
  if (folds < 2) throw std::invalid_argument("random_k_fold: at least 2 folds are needed");
  const std::size_t n = dataset.ratings().size();
  std::vector<RatingIndex> shuffled(n);
  std::iota(shuffled.begin(), shuffled.end(), RatingIndex{0});
  Rng rng(seed);
  rng.shuffle(std::span<RatingIndex>(shuffled));
  std::vector<std::uint32_t> fold_of(n);
  for (std::size_t pos = 0; pos < n; ++pos) fold_of[shuffled[pos]] = static_cast<std::uint32_t>(pos % folds);

  std::vector<Split> splits(folds);
  for (std::size_t f = 0; f < folds; ++f) {
    splits[f].name = fmt::format("fold-{}-of-{}", f + 1, folds);
    splits[f].test.reserve(n / folds + 1);
    splits[f].train.reserve(n - n / folds);
  }
  for (RatingIndex i = 0; i < n; ++i) {
    for (std::size_t f = 0; f < folds; ++f) (fold_of[i] == f ? splits[f].test : splits[f].train).push_back(i);
  }
  return splits;
}

}  // namespace lusifer
