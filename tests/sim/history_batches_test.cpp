#include "engine/sim/history_batches.hpp"

#include <algorithm>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "engine/data/split.hpp"
#include "tests/sim/prompt_test_support.hpp"

using namespace lusifer;
using lusifer::testing::load_fixture_dataset;

namespace {

// One user (id 1) who rated items 1..count at times 1000 + 10 * id, written
// to the file newest first (so file order and time order disagree), plus a
// user (id 2) without ratings and a user (id 3) with `other` ratings.
Dataset timeline_dataset(int count, int other = 0) {
  DatasetBuilder b(DatasetFormat::kMovieLensLatest, "memory", RatingScale{1.0f, 5.0f, 1.0f});
  b.add_user(1);
  b.add_user(2);
  b.add_user(3);
  for (int id = 1; id <= std::max(count, other); ++id) {
    Item movie;
    movie.id = id;
    movie.title = "Movie " + std::to_string(id);
    b.add_item(std::move(movie));
  }
  for (int id = count; id >= 1; --id) {
    b.add_rating(0, *b.catalog().find(id), static_cast<float>(1 + id % 5), 1000 + 10 * id);
  }
  for (int id = 1; id <= other; ++id)
    b.add_rating(2, *b.catalog().find(id), 3.0f, 5000 + id);
  return b.finish();
}

ExternalId external(const Dataset& d, const Interaction& i) {
  return d.catalog().item(i.item).id;
}

std::vector<RatingIndex> all_but(const Dataset& d, std::initializer_list<ExternalId> held_out) {
  std::vector<RatingIndex> train;
  for (RatingIndex r = 0; r < d.ratings().size(); ++r) {
    const ExternalId item = d.catalog().item(d.ratings().item(r)).id;
    if (std::find(held_out.begin(), held_out.end(), item) == held_out.end())
      train.push_back(r);
  }
  return train;
}

}  // namespace

TEST_CASE("history batches run oldest first over the last 40 training ratings",
          "[prompts][history]") {
  const Dataset d = timeline_dataset(50);
  // Items 45 and 50 are test ratings: a profile must never see them.
  const TrainingHistories histories(d, all_but(d, {45, 50}));
  const UserIndex user = *d.find_user(1);
  REQUIRE(histories.of(user).size() == 48);

  const auto batches = history_batches(d, histories, user, {});
  REQUIRE(batches.size() == 4);
  for (const auto& batch : batches)
    CHECK(batch.size() == 10);
  // The first batch holds the oldest of the last 40: items 9..18.
  CHECK(external(d, batches[0].front()) == 9);
  CHECK(external(d, batches[0].back()) == 18);
  CHECK(external(d, batches[3].back()) == 49);
  // Time increases within and across batches.
  std::int64_t previous = 0;
  for (const auto& batch : batches) {
    for (const auto& interaction : batch) {
      CHECK(interaction.timestamp > previous);
      previous = interaction.timestamp;
      const ExternalId id = external(d, interaction);
      CHECK(id != 45);
      CHECK(id != 50);
      CHECK(interaction.rating == static_cast<float>(1 + id % 5));
    }
  }
  // The authors' code sorted newest first, so its first (create) batch held the
  // ten newest ratings. Here the ten newest are all in the last batch.
  std::vector<ExternalId> newest_ten;
  for (const auto r : histories.last(user, 10))
    newest_ten.push_back(d.catalog().item(d.ratings().item(r)).id);
  for (const auto& interaction : batches.front())
    CHECK(std::find(newest_ten.begin(), newest_ten.end(), external(d, interaction)) ==
          newest_ten.end());
  for (const auto& interaction : batches.back())
    CHECK(std::find(newest_ten.begin(), newest_ten.end(), external(d, interaction)) !=
          newest_ten.end());
}

TEST_CASE("batches are balanced and follow the options", "[prompts][history]") {
  const Dataset d = timeline_dataset(23);
  const TrainingHistories histories(d, all_but(d, {}));
  const UserIndex user = *d.find_user(1);
  auto sizes = [&](HistoryBatchOptions options) {
    std::vector<std::size_t> out;
    for (const auto& batch : history_batches(d, histories, user, options))
      out.push_back(batch.size());
    return out;
  };
  CHECK(sizes({}) == std::vector<std::size_t>{8, 8, 7});
  CHECK(sizes({.history_items = 20, .batch_size = 10}) == std::vector<std::size_t>{10, 10});
  CHECK(sizes({.history_items = 5, .batch_size = 10}) == std::vector<std::size_t>{5});
  const auto last_five = history_batches(d, histories, user, {.history_items = 5, .batch_size = 2});
  REQUIRE(last_five.size() == 3);
  CHECK(external(d, last_five[0][0]) == 19);
  CHECK(external(d, last_five[2][0]) == 23);
  CHECK_THROWS_AS(history_batches(d, histories, user, {.history_items = 0, .batch_size = 1}),
                  std::invalid_argument);
  CHECK_THROWS_AS(history_batches(d, histories, user, {.history_items = 4, .batch_size = 0}),
                  std::invalid_argument);
}

TEST_CASE("equal timestamps keep file order, as the dataset's own histories do",
          "[prompts][history]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  InputDiagnostics strict;
  const Split split =
      load_official_split(d, lusifer::testing::fixture("ml-100k-mini"), "u1", strict);
  const TrainingHistories histories(d, split.train);
  const UserIndex user = *d.find_user(1);
  // u1.base holds user 1's items 5, 2, 6, 3; 5 and 2 share a timestamp, and
  // item 1 (same timestamp) is on the test side.
  std::vector<ExternalId> items;
  for (const auto& i : interactions_of(d, histories.of(user)))
    items.push_back(d.catalog().item(i.item).id);
  CHECK(items == std::vector<ExternalId>{6, 5, 2, 3});
  std::vector<ExternalId> recent;
  for (const auto& i : recent_interactions(d, histories, user, 2))
    recent.push_back(d.catalog().item(i.item).id);
  CHECK(recent == std::vector<ExternalId>{2, 3});
}

TEST_CASE("profile tasks: create on the first batch, then updates, cold start on nothing",
          "[prompts][history]") {
  const Dataset d = timeline_dataset(30, 0);
  const TrainingHistories histories(d, all_but(d, {}));
  const auto tasks = profile_tasks(d, histories, *d.find_user(1), {});
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].kind == TaskKind::kCreateProfile);
  CHECK(tasks[1].kind == TaskKind::kUpdateProfile);
  CHECK(tasks[2].kind == TaskKind::kUpdateProfile);
  for (const auto& task : tasks) {
    CHECK(task.user == *d.find_user(1));
    CHECK(task.interactions.size() == 10);
    CHECK(task.profile.empty());
    CHECK(task.priority == TaskPriority::kBulk);
  }
  CHECK(tasks[0].interactions.front().timestamp < tasks[2].interactions.front().timestamp);

  const auto cold = profile_tasks(d, histories, *d.find_user(2), {});
  REQUIRE(cold.size() == 1);
  CHECK(cold[0].kind == TaskKind::kCreateProfile);
  CHECK(cold[0].interactions.empty());
  CHECK(history_batches(d, histories, *d.find_user(2), {}).empty());
}

TEST_CASE("a holdout's training side is a view of the dataset's histories, with the same ratings",
          "[prompts][history]") {
  // Users 1 and 3 rate, user 2 does not; file order and time order disagree.
  Dataset d = timeline_dataset(30, 12);
  const Split holdout = holdout_last_k(d, 5);
  const TrainingHistories view(d, holdout.train);
  CHECK(view.views_dataset());
  // Items 45 and 50 held out of a longer history: not a prefix, so owned.
  const Dataset d2 = timeline_dataset(50, 3);
  const TrainingHistories owned(d2, all_but(d2, {45, 20}));
  CHECK_FALSE(owned.views_dataset());

  for (const ExternalId id : {1, 2, 3}) {
    const UserIndex user = *d.find_user(id);
    const auto history = d.histories().of(user);
    const std::size_t kept =
        history.empty() ? 0 : history.size() - std::min<std::size_t>(5, history.size() - 1);
    const auto mine = view.of(user);
    CHECK(std::vector<RatingIndex>(mine.begin(), mine.end()) ==
          std::vector<RatingIndex>(history.begin(),
                                   history.begin() + static_cast<std::ptrdiff_t>(kept)));
  }
  CHECK(view.of(*d.find_user(2)).empty());
  // Owned histories sort the subset by time themselves.
  const auto items = interactions_of(d2, owned.of(*d2.find_user(1)));
  REQUIRE(items.size() == 48);
  CHECK(std::is_sorted(items.begin(), items.end(), [](const Interaction& a, const Interaction& b) {
    return a.timestamp < b.timestamp;
  }));
  CHECK(owned.of(*d2.find_user(3)).size() == 3);
  // A moved Dataset keeps the storage its views point into.
  const Dataset moved = std::move(d);
  CHECK(view.of(*moved.find_user(1)).size() == 25);
}

TEST_CASE("training histories refuse indices outside the rating table", "[prompts][history]") {
  const Dataset d = timeline_dataset(3);
  const std::vector<RatingIndex> bad = {0, 7};
  CHECK_THROWS_AS(TrainingHistories(d, bad), std::out_of_range);
  const TrainingHistories empty;
  CHECK(empty.of(0).empty());
}

TEST_CASE("real MovieLens 100K: user 1's batches of u1.base run forward in time",
          "[prompts][history][real]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  InputDiagnostics strict;
  const Dataset d = load_dataset(dir, strict);
  const Split split = load_official_split(d, dir, "u1", strict);
  const TrainingHistories histories(d, split.train);
  const UserIndex user = *d.find_user(1);
  const auto batches = history_batches(d, histories, user, {});
  REQUIRE(batches.size() == 4);
  // Gattaca was among the newest ratings, which the authors' code put into
  // its first (create) chunk; here it belongs in the last batch.
  const auto gattaca = d.catalog().find_by_title("Gattaca (1997)");
  REQUIRE(gattaca);
  const auto in = [&](const std::vector<Interaction>& batch) {
    return std::any_of(batch.begin(), batch.end(),
                       [&](const Interaction& i) { return i.item == *gattaca; });
  };
  CHECK_FALSE(in(batches.front()));
  CHECK(in(batches.back()));
  for (std::size_t b = 1; b < batches.size(); ++b)
    CHECK(batches[b - 1].back().timestamp <= batches[b].front().timestamp);
}
