#include "engine/eval/official_split_order.hpp"

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "engine/data/movielens_100k_loader.hpp"

namespace lusifer {
namespace {

std::uint64_t pair_key(UserIndex user, ItemIndex item) {
  return (static_cast<std::uint64_t>(user) << 32) | item;
}

// The ratings of `side` in the order their rows appear in `file`.
std::vector<RatingIndex> in_file_order(const Dataset& dataset, const std::vector<RatingIndex>& side,
                                       const std::filesystem::path& file) {
  const RatingTable& ratings = dataset.ratings();
  std::unordered_multimap<std::uint64_t, RatingIndex> by_pair;
  by_pair.reserve(side.size());
  for (const RatingIndex r : side)
    by_pair.emplace(pair_key(ratings.user(r), ratings.item(r)), r);

  // The first pass (load_official_split) already reported every bad line;
  // this pass only recovers the order, so it skips them quietly.
  InputDiagnostics already_reported(/*lenient=*/true);
  std::vector<RatingIndex> ordered;
  ordered.reserve(side.size());
  for (const auto& row : read_tab_separated_ratings(file, dataset.scale(), already_reported)) {
    const auto user = dataset.find_user(row.user_id);
    const auto item = dataset.catalog().find(row.item_id);
    if (!user || !item)
      continue;
    const auto [first, last] = by_pair.equal_range(pair_key(*user, *item));
    for (auto it = first; it != last; ++it) {
      if (ratings.value(it->second) == row.value &&
          ratings.timestamp(it->second) == row.timestamp) {
        ordered.push_back(it->second);
        by_pair.erase(it);  // a repeated line must not claim the same rating again
        break;
      }
    }
  }
  if (ordered.size() != side.size()) {
    throw std::logic_error(fmt::format("{}: {} rows matched {} ratings of the split side",
                                       file.string(), ordered.size(), side.size()));
  }
  return ordered;
}

}  // namespace

Split load_official_split_in_file_order(const Dataset& dataset,
                                        const std::filesystem::path& directory,
                                        std::string_view name, InputDiagnostics& diagnostics) {
  Split split = load_official_split(dataset, directory, name, diagnostics);
  split.train = in_file_order(dataset, split.train, directory / (std::string(name) + ".base"));
  split.test = in_file_order(dataset, split.test, directory / (std::string(name) + ".test"));
  return split;
}

}  // namespace lusifer
