#include "engine/eval/evaluation_protocol.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/eval/official_split_order.hpp"

namespace lusifer {
namespace {

std::uint64_t pair_key(UserIndex user, ItemIndex item) {
  return (static_cast<std::uint64_t>(user) << 32) | item;
}

void check_indices(const Dataset& dataset, std::span<const RatingIndex> list, const char* side) {
  for (const RatingIndex r : list) {
    if (r >= dataset.ratings().size()) {
      throw std::out_of_range(
          fmt::format("evaluation protocol: {} rating index {} is not a rating of the dataset "
                      "({} ratings)",
                      side, r, dataset.ratings().size()));
    }
  }
}

// Positions (in `train`) of the ratings each user keeps.
std::vector<std::uint8_t> truncate(const Dataset& dataset, std::span<const RatingIndex> train,
                                   std::size_t last_n, TieOrder tie_order,
                                   std::vector<std::uint32_t>& per_user_before) {
  const RatingTable& ratings = dataset.ratings();
  per_user_before.assign(dataset.user_count(), 0);
  std::vector<std::uint8_t> keep(train.size(), 1);
  for (const RatingIndex r : train)
    ++per_user_before[ratings.user(r)];
  if (last_n == 0)
    return keep;

  // (time, tie-break, position) per user, grouped by a counting sort.
  std::vector<std::size_t> offsets(dataset.user_count() + 1, 0);
  for (UserIndex u = 0; u < dataset.user_count(); ++u)
    offsets[u + 1] = offsets[u] + per_user_before[u];
  std::vector<std::tuple<std::int64_t, std::uint64_t, std::uint32_t>> entries(train.size());
  std::vector<std::size_t> fill(offsets.begin(), offsets.end() - 1);
  for (std::uint32_t p = 0; p < train.size(); ++p) {
    const RatingIndex r = train[p];
    const std::uint64_t tie = tie_order == TieOrder::kDataset ? r : p;
    entries[fill[ratings.user(r)]++] = {ratings.timestamp(r), tie, p};
  }
  for (UserIndex u = 0; u < dataset.user_count(); ++u) {
    const auto first = entries.begin() + static_cast<std::ptrdiff_t>(offsets[u]);
    const auto last = entries.begin() + static_cast<std::ptrdiff_t>(offsets[u + 1]);
    const std::size_t n = offsets[u + 1] - offsets[u];
    if (n <= last_n)
      continue;
    std::sort(first, last);
    for (auto it = first; it != last - static_cast<std::ptrdiff_t>(last_n); ++it)
      keep[std::get<2>(*it)] = 0;
  }
  return keep;
}

std::string describe(const Dataset& dataset, const Split& split, const ProtocolOptions& o,
                     const ProtocolCounts& c) {
  std::string text = fmt::format("Split {} of {}. Train: ", split.name, dataset.source());
  if (o.train_last_n == 0) {
    text += fmt::format("every rating of the train side ({} ratings, {} users).", c.train,
                        c.train_users);
  } else {
    text += fmt::format(
        "each user's last {} ratings of the train side by time (ties in {} order): {} of {} "
        "ratings, {} users.",
        o.train_last_n, tie_order_name(o.tie_order), c.train, c.train_before, c.train_users);
  }
  text += fmt::format(" Test: the {} rows of the test side in order", c.test_rows);
  std::vector<std::string> rules;
  if (o.known_users_only)
    rules.push_back(fmt::format("users known to that training set ({} dropped)", c.unknown_user));
  if (o.known_items_only)
    rules.push_back(fmt::format("items known to it ({} dropped)", c.unknown_item));
  if (o.exclude_train_pairs)
    rules.push_back(fmt::format("pairs not rated in it ({} dropped)", c.train_pair));
  if (o.test_items) {
    rules.push_back(fmt::format("items among the {} listed in {} ({} dropped)",
                                o.test_items->ids.size(), o.test_items->file.filename().string(),
                                c.outside_item_list));
  }
  if (o.test_per_user != 0) {
    rules.push_back(
        fmt::format("then the first {} rows per user ({} dropped)", o.test_per_user, c.over_cap));
  }
  if (!rules.empty()) {
    text += ", keeping ";
    for (std::size_t k = 0; k < rules.size(); ++k)
      text += (k == 0 ? "" : k + 1 == rules.size() ? " and " : ", ") + rules[k];
  }
  text += fmt::format(": {} ratings from {} users.", c.test, c.test_users);
  return text;
}

}  // namespace

std::string_view tie_order_name(TieOrder order) noexcept {
  return order == TieOrder::kDataset ? "dataset-file" : "split-file";
}

ProtocolOptions lusifer_protocol_options() {
  ProtocolOptions o;
  o.train_last_n = 40;
  o.test_per_user = 10;
  o.known_users_only = true;
  o.known_items_only = true;
  o.cold_start_max_train = 10;
  return o;
}

EvaluationProtocol build_protocol(const Dataset& dataset, const Split& split,
                                  const ProtocolOptions& options) {
  check_indices(dataset, split.train, "train");
  check_indices(dataset, split.test, "test");
  const RatingTable& ratings = dataset.ratings();

  EvaluationProtocol p;
  p.name = split.name;
  p.scale = dataset.scale();
  p.options = options;
  ProtocolCounts& c = p.counts;
  c.train_before = split.train.size();
  c.test_rows = split.test.size();

  std::vector<std::uint32_t> per_user_before;
  const auto keep =
      truncate(dataset, split.train, options.train_last_n, options.tie_order, per_user_before);
  std::vector<std::uint8_t> known_user(dataset.user_count(), 0);
  std::vector<std::uint8_t> known_item(dataset.catalog().size(), 0);
  std::unordered_set<std::uint64_t> train_pairs;
  train_pairs.reserve(split.train.size());
  for (std::size_t pos = 0; pos < split.train.size(); ++pos) {
    if (!keep[pos])
      continue;
    const RatingIndex r = split.train[pos];
    p.train.push_back(r);
    known_user[ratings.user(r)] = 1;
    known_item[ratings.item(r)] = 1;
    train_pairs.insert(pair_key(ratings.user(r), ratings.item(r)));
  }
  if (p.train.empty())
    throw std::invalid_argument(fmt::format("evaluation protocol {}: no training ratings", p.name));
  c.train = p.train.size();
  c.train_users = static_cast<std::size_t>(std::count(known_user.begin(), known_user.end(), 1));

  std::vector<std::uint8_t> listed;
  if (options.test_items) {
    listed.assign(dataset.catalog().size(), 0);
    for (const ExternalId id : options.test_items->ids) {
      if (const auto item = dataset.catalog().find(id))
        listed[*item] = 1;
      else
        ++c.item_list_unknown_ids;
    }
  }

  std::vector<std::uint32_t> kept_per_user(dataset.user_count(), 0);
  for (const RatingIndex r : split.test) {
    const UserIndex u = ratings.user(r);
    const ItemIndex i = ratings.item(r);
    if (options.known_users_only && !known_user[u]) {
      ++c.unknown_user;
    } else if (options.known_items_only && !known_item[i]) {
      ++c.unknown_item;
    } else if (options.exclude_train_pairs && train_pairs.count(pair_key(u, i)) != 0) {
      ++c.train_pair;
    } else if (options.test_items && !listed[i]) {
      ++c.outside_item_list;
    } else if (options.test_per_user != 0 && kept_per_user[u] >= options.test_per_user) {
      ++c.over_cap;
    } else {
      ++kept_per_user[u];
      p.test.push_back({r, u, i, ratings.value(r)});
    }
  }
  c.test = p.test.size();
  c.test_users = static_cast<std::size_t>(std::count_if(kept_per_user.begin(), kept_per_user.end(),
                                                        [](std::uint32_t n) { return n > 0; }));

  UserSubset all;
  all.name = "all users";
  all.description = "every test rating";
  UserSubset cold;
  cold.name = "cold start";
  cold.description = fmt::format("users with at most {} ratings on the split's train side",
                                 options.cold_start_max_train);
  std::vector<std::uint8_t> seen_cold(dataset.user_count(), 0);
  for (std::uint32_t k = 0; k < p.test.size(); ++k) {
    all.positions.push_back(k);
    const UserIndex u = p.test[k].user;
    if (per_user_before[u] <= options.cold_start_max_train) {
      cold.positions.push_back(k);
      if (!seen_cold[u]) {
        seen_cold[u] = 1;
        ++cold.users;
      }
    }
  }
  all.users = c.test_users;
  p.subsets.push_back(std::move(all));
  p.subsets.push_back(std::move(cold));
  p.description = describe(dataset, split, options, c);
  return p;
}

EvaluationProtocol lusifer_protocol(const Dataset& dataset, const std::filesystem::path& directory,
                                    std::optional<ItemIdList> authors_movies,
                                    InputDiagnostics& diagnostics, TieOrder tie_order,
                                    std::string_view fold) {
  if (dataset.format() != DatasetFormat::kMovieLens100K) {
    throw std::invalid_argument(
        fmt::format("the Lusifer protocol needs MovieLens 100K and its split files, not a {} "
                    "dataset",
                    format_name(dataset.format())));
  }
  const Split split = load_official_split_in_file_order(dataset, directory, fold, diagnostics);
  ProtocolOptions options = lusifer_protocol_options();
  options.tie_order = tie_order;
  options.test_items = std::move(authors_movies);
  EvaluationProtocol p = build_protocol(dataset, split, options);
  p.name = fmt::format("lusifer-ml100k-{}", fold);
  p.kind = ProtocolKind::kLusiferMl100k;
  p.description = "Lusifer's protocol (arXiv 2405.13362, the authors' code). " + p.description;
  return p;
}

std::vector<std::string> official_fold_names() {
  return {"u1", "u2", "u3", "u4", "u5"};
}

std::vector<EvaluationProtocol> official_fold_protocols(const Dataset& dataset,
                                                        const std::filesystem::path& directory,
                                                        const ProtocolOptions& options,
                                                        InputDiagnostics& diagnostics,
                                                        std::span<const std::string> folds) {
  const std::vector<std::string> defaults = official_fold_names();
  if (folds.empty())
    folds = defaults;
  std::vector<EvaluationProtocol> protocols;
  for (const std::string& fold : folds) {
    const Split split = load_official_split_in_file_order(dataset, directory, fold, diagnostics);
    protocols.push_back(build_protocol(dataset, split, options));
  }
  return protocols;
}

}  // namespace lusifer
