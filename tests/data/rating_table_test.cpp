#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/data/dataset.hpp"

using namespace lusifer;

namespace {

struct Row {
  ItemIndex item;
  float value;
  std::int64_t timestamp;
};

// One user rating `rows` in order, over a catalog of `items` items.
Dataset dataset_of(std::size_t items, const std::vector<Row>& rows) {
  DatasetBuilder b(DatasetFormat::kMovieLensLatest, "test", RatingScale{0.5f, 5.0f, 0.5f});
  b.add_user(1);
  for (std::size_t i = 0; i < items; ++i) {
    Item item;
    item.id = static_cast<ExternalId>(i);
    b.add_item(std::move(item));
  }
  for (const Row& r : rows)
    b.add_rating(0, r.item, r.value, r.timestamp);
  return b.finish();
}

void check_reads_back(const Dataset& d, const std::vector<Row>& rows) {
  const RatingTable& t = d.ratings();
  REQUIRE(t.size() == rows.size());
  for (RatingIndex i = 0; i < rows.size(); ++i) {
    CHECK(t.user(i) == 0);
    CHECK(t.item(i) == rows[i].item);
    CHECK(std::bit_cast<std::uint32_t>(t.value(i)) == std::bit_cast<std::uint32_t>(rows[i].value));
    CHECK(t.timestamp(i) == rows[i].timestamp);
  }
}

}  // namespace

TEST_CASE("narrow columns read back exactly", "[rating-table]") {
  const std::vector<Row> rows = {{3, 4.5f, 978'300'760},
                                 {0, 1.0f, 978'300'000},
                                 {2, 4.5f, 1'600'000'000},
                                 {1, 0.5f, 978'300'760}};
  const Dataset d = dataset_of(4, rows);
  check_reads_back(d, rows);
  // 4 (user) + 2 (item) + 1 (value code) + 4 (time offset) bytes a rating,
  // and the table of three distinct values. The user's run would cost as much
  // as their column (4 bytes for its user, 12 for the 64 ratings' marks and
  // count).
  CHECK_FALSE(d.ratings().users_as_runs());
  CHECK(d.ratings().memory_bytes() == rows.size() * 11 + 3 * sizeof(float));
}

TEST_CASE("columns whose values do not fit stay wide and read back exactly", "[rating-table]") {
  std::vector<Row> rows;
  // 70,000 items: past 16-bit indices.
  // 300 distinct values: past a byte's codes; -0 and 0 are distinct values.
  // Times from before 1970 to far past 2106: more than 2^32 seconds apart.
  constexpr std::size_t kItems = 70'000;
  for (std::size_t i = 0; i < 300; ++i)
    rows.push_back({static_cast<ItemIndex>(i * 233 % kItems), static_cast<float>(i) / 7.0f,
                    static_cast<std::int64_t>(i) * 40'000'000 - 1'000'000'000});
  rows.push_back({kItems - 1, -0.0f, std::numeric_limits<std::int64_t>::max()});
  rows.push_back({0, 0.0f, std::numeric_limits<std::int64_t>::min()});
  const Dataset d = dataset_of(kItems, rows);
  check_reads_back(d, rows);
  // 4 (item) + 4 (value) + 8 (time) bytes a rating; the user as one run (4
  // bytes) and the marks and count of 5 times 64 ratings (12 bytes each).
  CHECK(d.ratings().users_as_runs());
  CHECK(d.ratings().memory_bytes() == rows.size() * 16 + 4 + 5 * 12);
}

TEST_CASE("each column is narrowed on its own", "[rating-table]") {
  // Items and values fit; the times span the whole int64 range.
  const std::vector<Row> rows = {{1, -0.0f, std::numeric_limits<std::int64_t>::min()},
                                 {0, 0.0f, std::numeric_limits<std::int64_t>::max()},
                                 {1, 3.0f, 0}};
  const Dataset d = dataset_of(2, rows);
  check_reads_back(d, rows);
  CHECK(d.ratings().memory_bytes() == rows.size() * (4 + 2 + 1 + 8) + 3 * sizeof(float));
}

TEST_CASE("histories order a user's ratings by time from the narrow column", "[rating-table]") {
  const std::vector<Row> rows = {{0, 3.0f, 200}, {1, 4.0f, 100}, {2, 5.0f, 200}, {3, 2.0f, 50}};
  const Dataset d = dataset_of(4, rows);
  const auto history = d.histories().of(0);
  // By time; equal times keep file order.
  CHECK(std::vector<RatingIndex>(history.begin(), history.end()) ==
        std::vector<RatingIndex>{3, 1, 0, 2});
}

namespace {

struct UserRating {
  ExternalId user;
  ItemIndex item;
};

// Ratings by several users (external ids), in the order given, over 8 items;
// every user exists before the ratings. Times run backwards through the file.
Dataset users_dataset(const std::vector<ExternalId>& users,
                      const std::vector<UserRating>& ratings) {
  DatasetBuilder b(DatasetFormat::kMovieLensLatest, "test", RatingScale{1.0f, 5.0f, 1.0f});
  for (const ExternalId id : users)
    b.add_user(id);
  for (ExternalId i = 0; i < 8; ++i) {
    Item item;
    item.id = i;
    b.add_item(std::move(item));
  }
  std::int64_t time = 1'000'000;
  for (const UserRating& r : ratings)
    b.add_rating(*b.find_user(r.user), r.item, 3.0f, time--);
  return b.finish();
}

using Runs = std::vector<std::tuple<UserIndex, RatingIndex, RatingIndex>>;

Runs runs_of(const RatingTable& t) {
  Runs runs;
  t.for_each_user_run(
      [&](UserIndex u, RatingIndex first, RatingIndex last) { runs.emplace_back(u, first, last); });
  return runs;
}

void check_users(const Dataset& d, const std::vector<UserRating>& ratings) {
  REQUIRE(d.ratings().size() == ratings.size());
  for (RatingIndex i = 0; i < ratings.size(); ++i) {
    CHECK(d.ratings().user(i) == *d.find_user(ratings[i].user));
    CHECK(d.ratings().item(i) == ratings[i].item);
  }
}

// 2 (item) + 1 (value code) + 4 (time offset) bytes a rating and the one
// distinct value.
std::size_t bytes_without_users(std::size_t ratings) {
  return ratings * 7 + sizeof(float);
}

// A user (4 bytes) a run, and each 64 ratings' marks of run starts (8) and
// count of runs before them (4).
std::size_t bytes_of_runs(std::size_t runs, std::size_t ratings) {
  return runs * 4 + (ratings + 63) / 64 * 12;
}

}  // namespace

TEST_CASE("grouped and ungrouped ratings give every rating the same user", "[rating-table]") {
  // Users 30, 10, 20 (indices 2, 0, 1); user 40 (index 3) has no ratings.
  const std::vector<ExternalId> users = {30, 10, 20, 40};
  const std::vector<UserRating> grouped = {{30, 0}, {30, 1}, {30, 2}, {10, 3}, {10, 4},
                                           {10, 5}, {10, 6}, {20, 7}, {20, 0}, {20, 1}};
  // The same ratings interleaved.
  const std::vector<UserRating> interleaved = {{30, 0}, {10, 3}, {20, 7}, {30, 1}, {10, 4},
                                               {20, 0}, {10, 5}, {30, 2}, {20, 1}, {10, 6}};
  const Dataset g = users_dataset(users, grouped);
  const Dataset u = users_dataset(users, interleaved);
  CHECK(g.ratings().users_as_runs());
  CHECK_FALSE(u.ratings().users_as_runs());
  CHECK(g.ratings().memory_bytes() == bytes_without_users(10) + bytes_of_runs(3, 10));
  CHECK(u.ratings().memory_bytes() == bytes_without_users(10) + 10 * 4);
  check_users(g, grouped);
  check_users(u, interleaved);

  CHECK(runs_of(g.ratings()) == Runs{{2, 0, 3}, {0, 3, 7}, {1, 7, 10}});
  // Every rating its own run in the column, where no neighbours share a user.
  Runs singles;
  for (RatingIndex i = 0; i < interleaved.size(); ++i)
    singles.emplace_back(*u.find_user(interleaved[i].user), i, i + 1);
  CHECK(runs_of(u.ratings()) == singles);

  // The histories, built from the runs, agree: each user's ratings by time,
  // which runs backwards through the file.
  for (UserIndex user = 0; user < users.size(); ++user) {
    const auto hg = g.histories().of(user);
    const auto hu = u.histories().of(user);
    REQUIRE(hg.size() == hu.size());
    for (std::size_t k = 0; k < hg.size(); ++k) {
      CHECK(g.ratings().user(hg[k]) == user);
      CHECK(u.ratings().user(hu[k]) == user);
      CHECK(g.ratings().item(hg[k]) == u.ratings().item(hu[k]));
      CHECK((k == 0 || hg[k - 1] > hg[k]));
    }
  }
  CHECK(g.histories().of(3).empty());
}

TEST_CASE("runs find every rating's user across blocks", "[rating-table]") {
  // 60 users with 1 to 97 ratings each, so that some runs span several
  // blocks of 64 ratings and some blocks hold many runs; the users' ids
  // descend through the file, so their indices do too.
  std::vector<ExternalId> users;
  std::vector<UserRating> ratings;
  Runs expected;
  for (ExternalId id = 60; id >= 1; --id) {
    users.push_back(id);
    const auto first = static_cast<RatingIndex>(ratings.size());
    const std::size_t count = id == 30 ? 1 : static_cast<std::size_t>(id * 37 % 97 + 1);
    for (std::size_t k = 0; k < count; ++k)
      ratings.push_back({id, static_cast<ItemIndex>(k % 8)});
    expected.emplace_back(static_cast<UserIndex>(id - 1), first,
                          static_cast<RatingIndex>(ratings.size()));
  }
  // Ten users with one rating each in a row: one block holds many runs.
  for (ExternalId id = 100; id < 110; ++id) {
    users.push_back(id);
    expected.emplace_back(static_cast<UserIndex>(id - 40), static_cast<RatingIndex>(ratings.size()),
                          static_cast<RatingIndex>(ratings.size() + 1));
    ratings.push_back({id, 0});
  }
  const Dataset d = users_dataset(users, ratings);
  CHECK(d.ratings().users_as_runs());
  CHECK(d.ratings().memory_bytes() ==
        bytes_without_users(ratings.size()) + bytes_of_runs(70, ratings.size()));
  check_users(d, ratings);
  CHECK(runs_of(d.ratings()) == expected);
  for (const auto& [user, first, last] : expected) {
    const auto history = d.histories().of(user);
    REQUIRE(history.size() == last - first);
    for (std::size_t k = 0; k < history.size(); ++k)
      CHECK(history[k] == last - 1 - k);
  }
}

TEST_CASE("a user whose ratings are in two separate runs keeps the users a column",
          "[rating-table]") {
  // User 1's ratings are split by user 2's: runs stand for users only where
  // each run is all of its user's ratings. Three runs would be smaller.
  std::vector<UserRating> ratings;
  for (const ExternalId id : {1, 2, 1})
    for (ItemIndex item = 0; item < 8; ++item)
      ratings.push_back({id, item});
  const Dataset d = users_dataset({1, 2}, ratings);
  REQUIRE(bytes_of_runs(3, ratings.size()) < ratings.size() * 4);
  CHECK_FALSE(d.ratings().users_as_runs());
  CHECK(d.ratings().memory_bytes() == bytes_without_users(ratings.size()) + ratings.size() * 4);
  check_users(d, ratings);
  CHECK(runs_of(d.ratings()) == Runs{{0, 0, 8}, {1, 8, 16}, {0, 16, 24}});
  CHECK(d.histories().of(0).size() == 16);
  CHECK(d.histories().of(1).size() == 8);
}

TEST_CASE("users keep the column where runs would not be smaller", "[rating-table]") {
  // One rating a user: a run (4 bytes and the marks) costs more than a
  // column entry (4).
  const std::vector<UserRating> ratings = {{1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}};
  const Dataset d = users_dataset({1, 2, 3, 4, 5}, ratings);
  CHECK_FALSE(d.ratings().users_as_runs());
  CHECK(d.ratings().memory_bytes() == bytes_without_users(ratings.size()) + ratings.size() * 4);
  check_users(d, ratings);
}

TEST_CASE("a table without ratings holds nothing", "[rating-table]") {
  const Dataset d = users_dataset({1, 2}, {});
  CHECK(d.ratings().size() == 0);
  CHECK_FALSE(d.ratings().users_as_runs());
  CHECK(d.ratings().memory_bytes() == 0);
  CHECK(runs_of(d.ratings()).empty());
  CHECK(d.histories().user_count() == 2);
  CHECK(d.histories().of(0).empty());
  CHECK(d.histories().of(1).empty());
}
