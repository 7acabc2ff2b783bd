// The residual tally the offline model's ratings keep for the next fold
// (OfflineResidualTally): the fold it gives is the fold that scores the
// items, bit for bit, and any batch other than the ratings is scored.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"
#include "engine/sim/offline_profile.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "engine/sim/offline_user_state.hpp"

using namespace lusifer;

namespace {

// 60 items with random genres among `genres` (some none, some only genres a
// profile cannot print), 16 users with 12 to 24 training ratings each.
Dataset random_world(const std::vector<std::string>& genres, std::uint64_t seed) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "tally-world",
                         RatingScale{1.0f, 5.0f, 1.0f});
  for (const std::string& g : genres)
    builder.catalog().add_genre(g);
  Rng rng(seed);
  const char* words[] = {"heist", "ghost", "wedding", "prison", "curse",
                         "road",  "space", "robot",   "family", "war"};
  for (int k = 0; k < 60; ++k) {
    Item item;
    item.id = 1000 + k;
    item.title = "Film " + std::to_string(k) + " (" + std::to_string(1970 + k % 40) + ")";
    item.year = 1970 + k % 40;
    for (std::size_t g = 0; g < genres.size(); ++g)
      if (rng.uniform01() < 0.3)
        item.genres |= GenreMask{1} << g;
    item.text = std::string("A story of a ") + words[rng.uniform_index(10)] + " and a " +
                words[rng.uniform_index(10)] + " in the " + words[rng.uniform_index(10)] + ".";
    builder.add_item(std::move(item));
  }
  for (int u = 0; u < 16; ++u)
    builder.add_user(1 + u);
  std::int64_t time = 1'000'000;
  for (UserIndex u = 0; u < 16; ++u) {
    std::vector<ItemIndex> pool(60);
    std::iota(pool.begin(), pool.end(), ItemIndex{0});
    rng.shuffle(std::span<ItemIndex>(pool));
    const std::size_t n = 12 + rng.uniform_index(13);
    for (std::size_t k = 0; k < n; ++k)
      builder.add_rating(u, pool[k], static_cast<float>(1 + rng.uniform_index(5)), ++time);
  }
  return builder.finish();
}

struct World {
  Dataset dataset;
  OfflineUserModel model;
  GenreMask printable = 0;

  World(const std::vector<std::string>& genres, std::uint64_t seed)
      : dataset(random_world(genres, seed)), model(dataset, all_ratings(dataset), options()) {
    const auto names = dataset.catalog().genre_names();
    for (std::size_t g = 0; g < names.size(); ++g)
      if (printable_in_profile(names[g]))
        printable |= GenreMask{1} << g;
  }

  static std::vector<RatingIndex> all_ratings(const Dataset& d) {
    std::vector<RatingIndex> all(d.ratings().size());
    std::iota(all.begin(), all.end(), RatingIndex{0});
    return all;
  }
  static OfflineModelOptions options() {
    OfflineModelOptions o;
    o.update_every = 1000;  // folds are the tests' own
    return o;
  }
};

// The scattered genres: one a profile cannot print between printable ones.
const World& scattered() {
  static const World w({"Action", "Comedy", "(no genres listed)", "Drama", "Horror", "Sci-Fi"}, 5);
  return w;
}

// A run of printable genres from bit 1 (after one it cannot print).
const World& run() {
  static const World w({"(no genres listed)", "Action", "Comedy", "Drama", "Horror"}, 6);
  return w;
}

// The residuals a fold of `batch` takes, scored item by item here.
std::size_t scored_residuals(const World& w, UserIndex u, std::span<const Interaction> batch,
                             GenreResiduals& out) {
  std::size_t news = 0;
  for (const Interaction& i : batch) {
    if (w.model.is_training_rating(u, i.item))
      continue;
    ++news;
    const double residual = i.rating - w.model.score(u, i.item).raw;
    const GenreMask genres = w.dataset.catalog().items()[i.item].genres & w.printable;
    for (GenreMask m = genres; m != 0; m &= m - 1) {
      const auto g = static_cast<std::size_t>(std::countr_zero(m));
      out.sum[g] += residual;
      ++out.count[g];
    }
  }
  return news;
}

bool same_bits(const std::vector<OfflineDrift>& a, const std::vector<OfflineDrift>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.genre == y.genre &&
           std::bit_cast<std::uint32_t>(x.value) == std::bit_cast<std::uint32_t>(y.value);
  });
}

// Rates `slates` random slates of `size` for `state`, each a mix of the
// user's training items and others, and returns the ratings as a batch.
std::vector<Interaction> rate_slates(const World& w, OfflineUserState& state, Rng& rng, int slates,
                                     std::size_t size) {
  std::vector<Interaction> batch;
  std::vector<OfflineRating> out;
  for (int s = 0; s < slates; ++s) {
    std::vector<ItemIndex> slate;
    for (std::size_t k = 0; k < size; ++k)
      slate.push_back(static_cast<ItemIndex>(rng.uniform_index(w.dataset.catalog().size())));
    w.model.rate(state, slate, out, s % 2 == 0);
    for (const OfflineRating& r : out)
      batch.push_back({r.item, r.rating, 0});
  }
  return batch;
}

}  // namespace

TEST_CASE("the tally holds the residuals a fold would score, bit for bit", "[offline][tally]") {
  for (const World* w : {&scattered(), &run()}) {
    Rng rng(17);
    bool trained_seen = false, unprintable_seen = false;
    for (UserIndex u = 0; u < 16; ++u) {
      OfflineUserState state = w->model.new_state(u);
      for (int fold = 0; fold < 4; ++fold) {
        const auto batch = rate_slates(*w, state, rng, 5, 10);
        for (const Interaction& i : batch) {
          trained_seen |= w->model.is_training_rating(u, i.item);
          const GenreMask genres = w->dataset.catalog().items()[i.item].genres;
          unprintable_seen |= genres != 0 && (genres & w->printable) == 0;
        }
        REQUIRE(state.residuals.matches(u, w->printable, batch));
        GenreResiduals scored, tallied;
        const std::size_t scored_news = scored_residuals(*w, u, batch, scored);
        CHECK(state.residuals.residuals(w->printable, tallied) == scored_news);
        for (std::size_t g = 0; g < 64; ++g) {
          CHECK(std::bit_cast<std::uint64_t>(tallied.sum[g]) ==
                std::bit_cast<std::uint64_t>(scored.sum[g]));
          CHECK(tallied.count[g] == scored.count[g]);
        }
        // The fold with the tally and the fold that scores: the same state.
        OfflineUserState without = state;
        without.residuals.clear();
        if (fold % 2 == 0) {
          w->model.fold_batch(state, batch);
          w->model.fold_batch(without, batch);
        } else {
          w->model.fold_drift(state, batch);
          w->model.fold_drift(without, batch);
        }
        CHECK(same_bits(state.drift, without.drift));
        CHECK(state.taste == without.taste);
        CHECK(state.residuals.empty());
      }
    }
    // The slates had both kinds of items the tally leaves out of the sums.
    CHECK(trained_seen);
    CHECK(unprintable_seen);
  }
}

TEST_CASE("a batch other than what was rated is scored, to today's state", "[offline][tally]") {
  const World& w = scattered();
  Rng rng(23);
  int drifted = 0;
  for (UserIndex u = 0; u < 16; ++u) {
    OfflineUserState state = w.model.new_state(u);
    // Drift first, so that the folds below have something to move.
    w.model.fold_drift(state, rate_slates(w, state, rng, 5, 10));
    const auto batch = rate_slates(w, state, rng, 5, 10);
    REQUIRE(state.residuals.matches(u, w.printable, batch));

    const auto differs = [&](std::size_t a, std::size_t b) {
      return batch[a].item != batch[b].item || batch[a].rating != batch[b].rating;
    };
    std::size_t far = batch.size() - 1;
    while (!differs(0, far))
      --far;
    std::vector<std::vector<Interaction>> others(6, batch);
    std::reverse(others[0].begin(), others[0].end());             // reordered
    others[1].pop_back();                                         // shorter
    others[2].push_back(batch.front());                           // longer
    others[3][7].rating = batch[7].rating == 5.0f ? 4.0f : 5.0f;  // a rating
    others[4][3].item = (batch[3].item + 1) % 60;                 // an item
    std::swap(others[5][0], others[5][far]);                      // two swapped
    for (const auto& other : others) {
      CHECK_FALSE(state.residuals.matches(u, w.printable, other));
      OfflineUserState with = state;
      OfflineUserState without = state;
      without.residuals.clear();
      w.model.fold_batch(with, other);
      w.model.fold_batch(without, other);
      CHECK(same_bits(with.drift, without.drift));
      CHECK(with.taste == without.taste);
    }
    // Timestamps are not the fold's: the same batch at other times is read.
    std::vector<Interaction> later = batch;
    for (Interaction& i : later)
      i.timestamp += 86'400;
    CHECK(state.residuals.matches(u, w.printable, later));

    // A copy carries the tally, a restored state has none: both fold as the
    // state that scores the batch.
    OfflineUserState copy = state;
    CHECK(copy.residuals.matches(u, w.printable, batch));
    OfflineUserState restored = FrozenOfflineState(state).thaw();
    CHECK(restored.residuals.empty());
    OfflineUserState scored = state;
    scored.residuals.clear();
    w.model.fold_drift(copy, batch);
    w.model.fold_drift(restored, batch);
    w.model.fold_drift(scored, batch);
    CHECK(same_bits(copy.drift, scored.drift));
    CHECK(same_bits(restored.drift, scored.drift));
    drifted += !scored.drift.empty();
  }
  CHECK(drifted > 0);
}

TEST_CASE("record_feedback folds as apply_batch, with the tally or without", "[offline][tally]") {
  const World& w = run();
  OfflineModelOptions options = World::options();
  options.update_every = 10;
  const OfflineUserModel model(w.dataset, World::all_ratings(w.dataset), options);
  Rng rng(29);
  for (UserIndex u = 0; u < 8; ++u) {
    OfflineUserState fed = model.new_state(u);
    std::vector<ItemIndex> slate;
    for (int k = 0; k < 10; ++k)
      slate.push_back(static_cast<ItemIndex>(rng.uniform_index(60)));
    std::vector<OfflineRating> out;
    model.rate(fed, slate, out, false);
    OfflineUserState applied = fed;
    applied.residuals.clear();
    std::vector<Interaction> batch;
    std::optional<std::string> change;
    for (const OfflineRating& r : out) {
      batch.push_back({r.item, r.rating, 0});
      change = model.record_feedback(fed, r.item, r.rating);
    }
    REQUIRE(change.has_value());
    CHECK(*change == model.apply_batch(applied, batch));
    CHECK(same_bits(fed.drift, applied.drift));
    CHECK(fed.taste == applied.taste);
    CHECK(fed.residuals.empty());
  }
}

TEST_CASE("a tally tells a changed sequence apart and restarts when it must", "[offline][tally]") {
  const GenreMask printable = 0b1011'0110;  // scattered: slots by count
  const std::vector<ItemIndex> trained = {4, 70};
  OfflineResidualTally tally;
  CHECK(tally.empty());
  CHECK(tally.allocated_bytes() == 0);
  REQUIRE(tally.open(7, printable, OfflineResidualTally::filter_of(trained), 3));
  CHECK(tally.may_be_trained(4));
  CHECK(tally.may_be_trained(70));
  CHECK(tally.may_be_trained(6));  // 70 modulo 64: a filter, not an answer
  CHECK_FALSE(tally.may_be_trained(5));
  tally.add(printable, 3, 4.0f, 0b1000'0010, false, 0.25);  // genre 1 and 7
  tally.add(printable, 4, 2.0f, 0b0000'0010, true, 99.0);   // trained: hashed only
  tally.add(printable, 9, 1.0f, 0b0100'1001, false, -0.5);  // unprintable 0, 3, 6
  CHECK(tally.allocated_bytes() == 24 + 5 * 9);

  const std::vector<Interaction> batch = {{3, 4.0f, 1}, {4, 2.0f, 2}, {9, 1.0f, 3}};
  REQUIRE(tally.matches(7, printable, batch));
  GenreResiduals r;
  CHECK(tally.residuals(printable, r) == 2);
  CHECK(r.sum[1] == 0.25);
  CHECK(r.count[1] == 1);
  CHECK(r.sum[7] == 0.25);
  CHECK(r.count[7] == 1);
  for (const std::size_t g : {0u, 2u, 3u, 4u, 5u, 6u}) {
    CHECK(r.sum[g] == 0.0);
    CHECK(r.count[g] == 0);
  }
  CHECK_FALSE(tally.matches(8, printable, batch));
  // Every single change of an item or a rating is told apart, exactly.
  for (std::size_t k = 0; k < batch.size(); ++k) {
    for (const ItemIndex item : {0u, 3u, 4u, 9u, 1u << 20}) {
      auto changed = batch;
      changed[k].item = item;
      CHECK(tally.matches(7, printable, changed) == (item == batch[k].item));
    }
    for (const float rating : {1.0f, 2.0f, 4.0f, -4.0f, -0.0f, 0.0f}) {
      auto changed = batch;
      changed[k].rating = rating;
      CHECK(
          tally.matches(7, printable, changed) ==
          (std::bit_cast<std::uint32_t>(rating) == std::bit_cast<std::uint32_t>(batch[k].rating)));
    }
  }

  // Copies are deep; another user starts again from nothing.
  OfflineResidualTally copy = tally;
  REQUIRE(copy.open(8, printable, 0, 1));
  CHECK(copy.allocated_bytes() == 24 + 5 * 9);
  copy.add(printable, 3, 4.0f, 0b10, false, 0.25);
  CHECK(copy.matches(8, printable, std::vector<Interaction>{{3, 4.0f, 0}}));
  CHECK(tally.matches(7, printable, batch));

  // Past kMaxItems: the tally starts again (its fold scores the items), and
  // a slate larger than that is not tallied at all.
  REQUIRE(tally.open(7, printable, OfflineResidualTally::filter_of(trained),
                     OfflineResidualTally::kMaxItems - 3));
  CHECK(tally.matches(7, printable, batch));
  REQUIRE(tally.open(7, printable, OfflineResidualTally::filter_of(trained),
                     OfflineResidualTally::kMaxItems - 2));
  CHECK_FALSE(tally.matches(7, printable, batch));
  CHECK(tally.matches(7, printable, std::vector<Interaction>{}));
  CHECK_FALSE(tally.open(7, printable, OfflineResidualTally::filter_of(trained),
                         OfflineResidualTally::kMaxItems + 1));
  CHECK(tally.empty());
}

TEST_CASE("the tally's memory: a block by the genres, while something is pending",
          "[offline][tally]") {
  // The user actor holds the state in one of mimalloc's 160-byte bins.
  STATIC_REQUIRE(sizeof(OfflineUserState) <= 160);
  // 18 printable genres, as MovieLens and the synthetic world: 186 bytes, in
  // the bin of 192, not the 600 (bin of 640) of 50 drift-free scores.
  OfflineResidualTally tally;
  REQUIRE(tally.open(1, (GenreMask{1} << 18) - 1, 0, 50));
  for (ItemIndex i = 0; i < 50; ++i)
    tally.add((GenreMask{1} << 18) - 1, i, 3.0f, GenreMask{0b111} << (i % 16), false, 0.125);
  CHECK(tally.allocated_bytes() == 186);

  const World& w = run();
  OfflineUserState state = w.model.new_state(0);
  CHECK(state.residuals.empty());
  std::vector<OfflineRating> out;
  const std::vector<ItemIndex> slate = {1, 2, 3, 4, 5};
  w.model.rate(state, slate, out, false);
  CHECK(state.residuals.allocated_bytes() ==
        24 + 9 * static_cast<std::size_t>(std::popcount(w.printable)));
  w.model.rate(state, slate, out, false);  // the same block, whatever the items
  CHECK(state.residuals.allocated_bytes() ==
        24 + 9 * static_cast<std::size_t>(std::popcount(w.printable)));
  std::vector<Interaction> batch;
  w.model.fold_drift(state, batch);  // a fold of anything releases it
  CHECK(state.residuals.empty());
}

TEST_CASE("fold_rated_drift folds the ratings tallied as fold_drift folds their batch",
          "[offline][tally]") {
  for (const World* w : {&scattered(), &run()}) {
    Rng rng(23);
    for (UserIndex u = 0; u < 16; ++u) {
      OfflineUserState counted = w->model.new_state(u);
      OfflineUserState batched = counted;
      for (int fold = 0; fold < 4; ++fold) {
        // The same slates rated by both states, one folding by count.
        Rng same = rng;
        const auto batch = rate_slates(*w, batched, rng, 5, 10);
        rate_slates(*w, counted, same, 5, 10);
        const OfflineTaste taste_before = counted.taste;
        w->model.fold_drift(batched, batch);
        w->model.fold_rated_drift(counted, batch.size());
        CHECK(same_bits(counted.drift, batched.drift));
        CHECK(counted.updates == batched.updates);
        CHECK(counted.taste == taste_before);
        CHECK(counted.residuals.empty());
      }
      // Nothing rated since the last fold: the drift only decays, as a
      // fold of an empty batch.
      w->model.fold_drift(batched, {});
      w->model.fold_rated_drift(counted, 0);
      CHECK(same_bits(counted.drift, batched.drift));
    }
  }
}

TEST_CASE("fold_rated_drift refuses a count the tally does not hold, changing nothing",
          "[offline][tally]") {
  const World& w = run();
  Rng rng(29);
  OfflineUserState state = w.model.new_state(3);
  const auto batch = rate_slates(w, state, rng, 2, 10);
  const OfflineUserState before = state;
  CHECK_THROWS_AS(w.model.fold_rated_drift(state, batch.size() + 1), std::logic_error);
  CHECK_THROWS_AS(w.model.fold_rated_drift(state, batch.size() - 1), std::logic_error);
  CHECK(same_bits(state.drift, before.drift));
  CHECK(state.updates == before.updates);
  CHECK(state.residuals.holds(3, w.printable, batch.size()));
  // Another user's tally is not this user's.
  OfflineUserState other = w.model.new_state(4);
  other.residuals = state.residuals;
  CHECK_THROWS_AS(w.model.fold_rated_drift(other, batch.size()), std::logic_error);
  // Past kMaxItems the tally starts again: a count that long is refused.
  OfflineUserState long_run = w.model.new_state(5);
  const auto many = rate_slates(w, long_run, rng, 26, 10);
  REQUIRE(many.size() > OfflineResidualTally::kMaxItems);
  CHECK_THROWS_AS(w.model.fold_rated_drift(long_run, many.size()), std::logic_error);
}
