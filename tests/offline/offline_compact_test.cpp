// The offline model's compact per-user arrays (OfflineModelOptions::compact)
// give what the full-width ones give, bit for bit: on data where each
// narrowing applies (a small catalog, a train split of every user's oldest
// ratings) and where it does not (a catalog over 65,536 items, a random
// split).

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/data/dataset.hpp"
#include "engine/data/split.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "tests/offline/offline_world.hpp"

using namespace lusifer;

namespace {

const testing::TasteWorld& world() {
  static const testing::TasteWorld w = testing::make_taste_world();
  return w;
}

// Weights learned on a hold-out (a fit on a split that is no user's oldest
// ratings), from a small world's few ratings.
OfflineModelOptions options(bool compact) {
  OfflineModelOptions o;
  o.validation_fraction = 0.2;
  o.min_validation_ratings = 20;
  o.compact = compact;
  return o;
}

// Ratings, histories and folds of `compact` equal those of `full` for every
// user (one outside the dataset too) and each of `items`.
void require_same_model(const OfflineUserModel& compact, const OfflineUserModel& full,
                        const std::vector<ItemIndex>& items) {
  const Dataset& d = compact.dataset();
  REQUIRE(compact.weights().learned);
  REQUIRE(compact.weights().taste_match == full.weights().taste_match);
  std::size_t similar = 0;
  for (UserIndex u = 0; u <= d.user_count(); ++u) {
    INFO("user " << u);
    REQUIRE(compact.knows_user(u) == full.knows_user(u));
    REQUIRE(compact.user_mean(u) == full.user_mean(u));
    const auto a = compact.genre_affinities(u), b = full.genre_affinities(u);
    REQUIRE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    const std::vector<Interaction> history = compact.training_history(u);
    const std::vector<Interaction> expected = full.training_history(u);
    REQUIRE(history.size() == expected.size());
    for (std::size_t k = 0; k < history.size(); ++k) {
      REQUIRE(history[k].item == expected[k].item);
      REQUIRE(history[k].rating == expected[k].rating);
      REQUIRE(history[k].timestamp == expected[k].timestamp);
    }
    for (const ItemIndex i : items) {
      INFO("item " << i);
      REQUIRE(compact.is_training_rating(u, i) == full.is_training_rating(u, i));
      const OfflineScore x = compact.score(u, i), y = full.score(u, i);
      REQUIRE(x.raw == y.raw);
      REQUIRE(x.rating == y.rating);
      REQUIRE(x.drivers.similar == y.drivers.similar);
      REQUIRE(x.drivers.similar_item == y.drivers.similar_item);
      REQUIRE(x.drivers.similar_rating == y.drivers.similar_rating);
      REQUIRE(x.drivers.theme == y.drivers.theme);
      REQUIRE(x.drivers.theme_keys[0] == y.drivers.theme_keys[0]);
      REQUIRE(compact.explain(u, i, x) == full.explain(u, i, y));
      similar += x.drivers.similar != 0 ? 1 : 0;
    }
    // A fold over rated and unrated items (the trained-item test), then
    // ratings with and without explanations after it.
    OfflineUserState s = compact.new_state(u), t = full.new_state(u);
    std::vector<OfflineRating> rated_s, rated_t;
    compact.rate(s, items, rated_s, false);
    full.rate(t, items, rated_t, false);
    std::vector<Interaction> batch;
    for (std::size_t k = 0; k < rated_s.size(); ++k) {
      REQUIRE(rated_s[k].raw == rated_t[k].raw);
      batch.push_back({items[k], k % 2 == 0 ? 5.0f : 1.0f, 0});
    }
    REQUIRE(compact.apply_batch(s, batch) == full.apply_batch(t, batch));
    REQUIRE(compact.profile_text(s) == full.profile_text(t));
    for (const bool explain : {false, true}) {
      compact.rate(s, items, rated_s, explain);
      full.rate(t, items, rated_t, explain);
      for (std::size_t k = 0; k < rated_s.size(); ++k) {
        REQUIRE(rated_s[k].raw == rated_t[k].raw);
        REQUIRE(rated_s[k].explanation == rated_t[k].explanation);
      }
    }
  }
  // The neighbourhood scan was in play, or the comparison proves less.
  CHECK(similar > 0);
}

std::vector<ItemIndex> every_item(const Dataset& d) {
  std::vector<ItemIndex> items(d.catalog().size());
  std::iota(items.begin(), items.end(), ItemIndex{0});
  return items;
}

// Every user's training ratings, oldest first, as the dataset orders them.
std::vector<Interaction> expected_history(const Dataset& d, std::span<const RatingIndex> train,
                                          UserIndex user) {
  std::vector<Interaction> out;
  for (const RatingIndex r : d.histories().of(user))
    if (std::find(train.begin(), train.end(), r) != train.end())
      out.push_back({d.ratings().item(r), d.ratings().value(r), d.ratings().timestamp(r)});
  return out;
}

// The model's training histories and trained items (of `items`) are the
// train split's.
void require_histories(const OfflineUserModel& model, std::span<const RatingIndex> train,
                       const std::vector<ItemIndex>& items) {
  const Dataset& d = model.dataset();
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    const auto history = model.training_history(u);
    const auto expected = expected_history(d, train, u);
    REQUIRE(history.size() == expected.size());
    REQUIRE(model.knows_user(u) == !expected.empty());
    for (std::size_t k = 0; k < history.size(); ++k) {
      REQUIRE(history[k].item == expected[k].item);
      REQUIRE(history[k].timestamp == expected[k].timestamp);
    }
    for (const ItemIndex i : items) {
      const bool rated = std::any_of(expected.begin(), expected.end(),
                                     [&](const Interaction& e) { return e.item == i; });
      REQUIRE(model.is_training_rating(u, i) == rated);
    }
  }
}

// A catalog over 65,536 items, so item indices must stay 32-bit: 40 users
// in three tastes rate 12 items each of 70,000 (crime, horror and comedy
// films with their synopsis words), among them items past 65,535 but never
// their 16-bit aliases (index - 65,536), which are in the catalog too.
struct WideWorld {
  static constexpr ItemIndex kItems = 70'000;
  static constexpr ItemIndex kHigh = 65'536;  // rated items kHigh.. and kLow..
  static constexpr ItemIndex kLow = 100;
  static constexpr ItemIndex kPool = 60;
  Dataset dataset;
  std::vector<ItemIndex> items;  // rated ones, their aliases, unrated ones
};

WideWorld make_wide_world() {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "wide-world", RatingScale{});
  Catalog& catalog = builder.catalog();
  const GenreMask genres[3] = {GenreMask{1} << catalog.add_genre("Crime"),
                               GenreMask{1} << catalog.add_genre("Horror"),
                               GenreMask{1} << catalog.add_genre("Comedy")};
  const char* words[3][4] = {{"heist", "prison", "detective", "vault"},
                             {"ghost", "curse", "haunted", "crypt"},
                             {"wedding", "family", "road", "bakery"}};
  for (ItemIndex i = 0; i < WideWorld::kItems; ++i) {
    Item item;
    item.id = i + 1;
    item.title = "Film " + std::to_string(i);
    item.genres = genres[i % 3];
    item.text = std::string("A story of ") + words[i % 3][i % 4] + " and " +
                words[i % 3][(i / 4) % 4] + ".";
    builder.add_item(std::move(item));
  }
  for (int u = 0; u < 40; ++u)
    builder.add_user(u + 1);
  std::int64_t time = 1'000'000;
  for (UserIndex u = 0; u < 40; ++u) {
    for (ItemIndex k = 0; k < 12; ++k) {
      const ItemIndex slot = (u * 7 + k * 5) % WideWorld::kPool;
      const ItemIndex item = (k % 2 == 0 ? WideWorld::kHigh : WideWorld::kLow) + slot;
      const bool liked = item % 3 == u % 3;
      builder.add_rating(u, item, liked ? 5.0f - static_cast<float>(k % 2) : 1.0f + (k % 3),
                         ++time);
    }
  }
  WideWorld world;
  world.dataset = builder.finish();
  for (ItemIndex j = 0; j < WideWorld::kPool; ++j)
    for (const ItemIndex base : {ItemIndex{0}, WideWorld::kLow, WideWorld::kHigh})
      world.items.push_back(base + j);
  world.items.push_back(WideWorld::kLow + WideWorld::kPool);  // unrated, like the rated ones
  world.items.push_back(WideWorld::kItems - 1);
  return world;
}

}  // namespace

TEST_CASE("compact arrays: a train split of every user's oldest ratings", "[offline][compact]") {
  const Dataset& d = world().dataset;
  for (const std::size_t k : {std::size_t{0}, std::size_t{5}}) {
    INFO("holdout of the last " << k);
    const std::vector<RatingIndex> train = k == 0 ? world().all : holdout_last_k(d, k).train;
    const OfflineUserModel compact(d, train, options(true)), full(d, train, options(false));
    require_same_model(compact, full, every_item(d));
    require_histories(compact, train, every_item(d));
    // The histories are the dataset's own and the items 16-bit: the compact
    // fit is smaller.
    CHECK(compact.fitted_bytes() + (4 + 2) * train.size() <= full.fitted_bytes());
  }
}

TEST_CASE("compact arrays: a random split, whose train is not the oldest ratings",
          "[offline][compact]") {
  const Dataset& d = world().dataset;
  const std::vector<RatingIndex> train = random_k_fold(d, 5, 3)[0].train;
  const OfflineUserModel compact(d, train, options(true)), full(d, train, options(false));
  require_same_model(compact, full, every_item(d));
  require_histories(compact, train, every_item(d));
}

TEST_CASE("compact arrays: a rating listed twice counts twice", "[offline][compact]") {
  const Dataset& d = world().dataset;
  std::vector<RatingIndex> train = world().all;
  train.push_back(train[3]);
  const OfflineUserModel compact(d, train, options(true)), full(d, train, options(false));
  require_same_model(compact, full, every_item(d));
  const UserIndex u = d.ratings().user(train[3]);
  CHECK(compact.training_history(u).size() == d.histories().of(u).size() + 1);
}

TEST_CASE("compact arrays: a catalog over 65,536 items keeps 32-bit items", "[offline][compact]") {
  const WideWorld w = make_wide_world();
  const Dataset& d = w.dataset;
  REQUIRE(d.catalog().size() > 65'536);
  for (const bool oldest : {true, false}) {
    INFO((oldest ? "holdout of the last 3" : "random split"));
    const std::vector<RatingIndex> train =
        oldest ? holdout_last_k(d, 3).train : random_k_fold(d, 4, 5)[0].train;
    const OfflineUserModel compact(d, train, options(true)), full(d, train, options(false));
    require_same_model(compact, full, w.items);
    require_histories(compact, train, w.items);
    std::size_t high = 0;
    for (const RatingIndex r : train) {
      const UserIndex u = d.ratings().user(r);
      const ItemIndex i = d.ratings().item(r);
      REQUIRE(compact.is_training_rating(u, i));
      if (i >= WideWorld::kHigh) {
        ++high;
        REQUIRE_FALSE(compact.is_training_rating(u, i - WideWorld::kHigh));
      }
    }
    CHECK(high > 0);
  }
}

TEST_CASE("compact arrays: ratings of more than 256 values", "[offline][compact]") {
  const auto fine = testing::make_taste_world(RatingScale{1.0f, 5.0f, 0.005f});
  const Dataset& d = fine.dataset;
  std::set<float> values;
  for (RatingIndex r = 0; r < d.ratings().size(); ++r)
    values.insert(d.ratings().value(r));
  REQUIRE(values.size() > 256);
  const OfflineUserModel compact(d, fine.all, options(true)), full(d, fine.all, options(false));
  require_same_model(compact, full, every_item(d));
}

TEST_CASE("themes searched per keyword give what a slate's table of them gives",
          "[offline][compact]") {
  // score() searches the user's themes for each keyword of the item (no
  // filter in front); rate() without explanations looks them up in a table.
  const Dataset& d = world().dataset;
  const OfflineUserModel model(d, world().all, options(true));
  const std::vector<ItemIndex> items = every_item(d);
  std::size_t themed = 0;
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    OfflineUserState state = model.new_state(u);
    std::vector<OfflineRating> rated;
    model.rate(state, items, rated, false);
    for (std::size_t k = 0; k < items.size(); ++k) {
      const OfflineScore s = model.score(u, items[k]);
      REQUIRE(rated[k].raw == s.raw);
      themed += s.drivers.theme != 0 ? 1 : 0;
    }
  }
  CHECK(themed > 0);
}

TEST_CASE("themes keep 16-bit terms: a vocabulary over 65,536 terms is refused",
          "[offline][compact]") {
  OfflineModelOptions o;
  o.content.max_terms = 65'537;
  CHECK_THROWS_AS(OfflineUserModel(world().dataset, world().all, o), std::invalid_argument);
  o.content.max_terms = 65'536;
  const OfflineUserModel model(world().dataset, world().all, o);
  // The themes name the terms they were: the explanations test the names;
  // here, every key is a term of the rated item.
  const Dataset& d = world().dataset;
  std::size_t keyed = 0;
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    for (ItemIndex i = 0; i < d.catalog().size(); ++i) {
      const OfflineScore s = model.score(u, i);
      for (const std::uint32_t key : s.drivers.theme_keys) {
        if (key == OfflineDrivers::kNone)
          continue;
        const auto keywords = model.content().keywords(i);
        REQUIRE(std::find(keywords.begin(), keywords.end(), key) != keywords.end());
        ++keyed;
      }
    }
  }
  CHECK(keyed > 0);
}

TEST_CASE("compact arrays: user means stay those of the training set's order",
          "[offline][compact]") {
  // Summed in time order, 2^60 + 1 - 2^60 is 0 (the 1 is lost); in the
  // order of the train list, 2^60 - 2^60 + 1 is 1. The model keeps the
  // training set's means where the two differ, and reads the history's
  // otherwise (the other tests).
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "far-apart", RatingScale{});
  for (ExternalId id = 1; id <= 3; ++id) {
    Item item;
    item.id = id;
    item.title = "Film " + std::to_string(id);
    builder.add_item(std::move(item));
  }
  builder.add_user(1);
  const float huge = 1152921504606846976.0f;  // 2^60
  builder.add_rating(0, 0, huge, 1);
  builder.add_rating(0, 1, 1.0f, 2);
  builder.add_rating(0, 2, -huge, 3);
  const Dataset d = builder.finish();
  const std::vector<RatingIndex> train = {0, 2, 1};
  const OfflineUserModel compact(d, train, options(true)), full(d, train, options(false));
  CHECK(compact.user_mean(0) == 1.0 / 3.0);
  CHECK(full.user_mean(0) == 1.0 / 3.0);
  // The same ratings listed in time order give the time order's mean.
  const OfflineUserModel in_time(d, std::vector<RatingIndex>{0, 1, 2}, options(true));
  CHECK(in_time.user_mean(0) == 0.0);
}
