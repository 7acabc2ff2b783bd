// The offline simulated user's ratings: determinism, cold items and users,
// scale levels, explanations and the evolving state.

#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "tests/offline/offline_world.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

const testing::TasteWorld& world() {
  static const testing::TasteWorld w = testing::make_taste_world();
  return w;
}

const OfflineUserModel& model() {
  static const OfflineUserModel m(world().dataset, world().all);
  return m;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the offline model says it is not an LLM", "[offline][model]") {
  CHECK(model().name() == "offline-cf (not an LLM)");
  CHECK(contains(std::string(kOfflineModelName), "not an LLM"));
}

TEST_CASE("same data, split and seed give identical ratings and explanations", "[offline][model]") {
  const OfflineUserModel again(world().dataset, world().all);
  const auto& d = world().dataset;
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    for (ItemIndex i = 0; i < d.catalog().size(); ++i) {
      const auto a = model().score(u, i);
      const auto b = again.score(u, i);
      REQUIRE(a.raw == b.raw);
      REQUIRE(a.rating == b.rating);
      REQUIRE(model().explain(u, i, a) == again.explain(u, i, b));
    }
  }
  CHECK(model().weights().taste_match == again.weights().taste_match);
}

TEST_CASE("the shared similarity table and per-user sets give identical ratings",
          "[offline][model]") {
  OfflineModelOptions options;
  options.similarity_table = false;
  const OfflineUserModel with_sets(world().dataset, world().all, options);
  const auto& d = world().dataset;
  std::size_t content_rated = 0;
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    for (ItemIndex i = 0; i < d.catalog().size(); ++i) {
      const auto a = model().score(u, i);
      const auto b = with_sets.score(u, i);
      REQUIRE(a.raw == b.raw);
      REQUIRE(a.rating == b.rating);
      REQUIRE(model().explain(u, i, a) == with_sets.explain(u, i, b));
      content_rated += a.drivers.similar != 0 ? 1 : 0;
    }
  }
  // The neighbourhood term was in play, or the comparison proves nothing.
  CHECK(content_rated > 0);
}

TEST_CASE("a different seed changes the fit but not the tastes", "[offline][model]") {
  OfflineModelOptions options;
  options.seed = 99;
  options.svd.seed = 5;
  const OfflineUserModel other(world().dataset, world().all, options);
  bool any_difference = false;
  for (const UserIndex u : world().crime_users) {
    for (const ItemIndex i : world().comedy_items)
      any_difference |= other.score(u, i).raw != model().score(u, i).raw;
    for (const ItemIndex i : world().crime_items)
      CHECK(other.score(u, i).raw > other.score(u, world().horror_items[0]).raw);
  }
  CHECK(any_difference);
}

TEST_CASE("users' ratings follow their tastes", "[offline][model]") {
  for (const UserIndex u : world().crime_users) {
    CHECK(model().score(u, world().crime_items[3]).rating >= 4);
    CHECK(model().score(u, world().horror_items[3]).rating <= 2);
  }
  for (const UserIndex u : world().horror_users) {
    CHECK(model().score(u, world().horror_items[3]).rating >= 4);
    CHECK(model().score(u, world().crime_items[3]).rating <= 2);
  }
}

TEST_CASE("a cold item is rated from content and follows similarity", "[offline][model]") {
  const auto& w = world();
  REQUIRE(model().item_support(w.crime_clone) == 0);
  REQUIRE(model().item_support(w.horror_clone) == 0);
  for (const UserIndex u : w.crime_users) {
    const auto liked_copy = model().score(u, w.crime_clone);
    const auto disliked_copy = model().score(u, w.horror_clone);
    // Identical in features to films this user rated high: rated high.
    CHECK(liked_copy.rating >= 4);
    CHECK(disliked_copy.rating <= 2);
    CHECK(liked_copy.drivers.content_weight == 1.0f);
    CHECK(liked_copy.drivers.item_offset == 0.0f);
    CHECK(liked_copy.drivers.similar > 0.5f);
    // The copy rates about as the user rated its look-alikes.
    double sum = 0;
    int n = 0;
    for (const Interaction& r : model().training_history(u)) {
      if (r.item < 10) {
        sum += r.rating;
        ++n;
      }
    }
    REQUIRE(n > 0);
    CHECK(liked_copy.raw == Approx(sum / n).margin(0.6));
  }
  for (const UserIndex u : w.horror_users) {
    CHECK(model().score(u, w.horror_clone).rating >= 4);
    CHECK(model().score(u, w.crime_clone).rating <= 2);
  }
}

TEST_CASE("cold users get the ratings of users like them, or of everyone", "[offline][model]") {
  const auto& w = world();
  REQUIRE_FALSE(model().knows_user(w.cold_crime_user));
  CHECK(model().demographic_match(w.cold_crime_user) ==
        DemographicMatch::kAgeGroupGenderOccupation);
  CHECK(model().demographic_match(w.cold_anonymous_user) == DemographicMatch::kEveryone);
  for (const ItemIndex i : w.crime_items) {
    const auto crime_fan = model().score(w.cold_crime_user, i);
    const auto horror_fan = model().score(w.cold_horror_user, i);
    const auto anonymous = model().score(w.cold_anonymous_user, i);
    CHECK_FALSE(crime_fan.drivers.user_known);
    CHECK(crime_fan.raw > anonymous.raw + 0.3);
    CHECK(horror_fan.raw < anonymous.raw - 0.3);
  }
  // Without demographics: the global mean plus what is known of the item.
  const auto& d = w.dataset;
  double mean = 0;
  for (RatingIndex r = 0; r < d.ratings().size(); ++r)
    mean += d.ratings().value(r);
  mean /= static_cast<double>(d.ratings().size());
  const auto anonymous = model().score(w.cold_anonymous_user, w.comedy_items[0]);
  CHECK(anonymous.drivers.base == Approx(mean).margin(1e-4));
  // A user index beyond the dataset is a user without anything: everyone's
  // average, like a user without demographics.
  const auto stranger = model().score(static_cast<UserIndex>(d.user_count() + 5), 0);
  CHECK(stranger.drivers.demographic_match == DemographicMatch::kEveryone);
  CHECK(stranger.drivers.user_offset == anonymous.drivers.user_offset);
  CHECK(stranger.drivers.taste_match == 0.0f);
  CHECK(stranger.drivers.similar == 0.0f);
  CHECK(stranger.raw == Approx(stranger.drivers.base + stranger.drivers.user_offset +
                               stranger.drivers.item_offset + stranger.drivers.genre)
                            .margin(1e-4));
}

TEST_CASE("ratings are levels of integer and half-star scales", "[offline][model]") {
  for (const char* fixture : {"ml-100k-mini", "ml-latest-mini"}) {
    InputDiagnostics strict;
    const Dataset d = load_dataset(testing::fixture(fixture), strict);
    std::vector<RatingIndex> all(d.ratings().size());
    std::iota(all.begin(), all.end(), RatingIndex{0});
    const OfflineUserModel m(d, all);
    CHECK_FALSE(m.weights().learned);  // far too few ratings to hold any out
    std::set<float> seen;
    for (UserIndex u = 0; u <= d.user_count(); ++u) {
      for (ItemIndex i = 0; i < d.catalog().size(); ++i) {
        const auto s = m.score(u, i);
        INFO(fixture << " user " << u << " item " << i << " raw " << s.raw);
        CHECK(d.scale().level_of(s.rating) >= 0);
        CHECK(s.raw >= d.scale().min);
        CHECK(s.raw <= d.scale().max);
        CHECK(std::abs(s.rating - s.raw) <= d.scale().step / 2 + 1e-6);
        seen.insert(s.rating);
      }
    }
    CHECK(seen.size() >= 2);
  }
  // Half-stars do occur on a half-star scale.
  const auto half = testing::make_taste_world(RatingScale{0.5f, 5.0f, 0.5f});
  const OfflineUserModel m(half.dataset, half.all);
  bool any_half = false;
  for (UserIndex u = 0; u < 48; ++u)
    for (ItemIndex i = 0; i < 30; ++i)
      any_half |= std::floor(m.score(u, i).rating) != m.score(u, i).rating;
  CHECK(any_half);
}

TEST_CASE("explanations name the drivers of the score", "[offline][model]") {
  const auto& w = world();
  const UserIndex fan = w.crime_users[0];
  // A crime drama for a crime fan: the genre affinity leads.
  const auto crime = model().score(fan, w.crime_items[2]);
  const std::string crime_text = model().explain(fan, w.crime_items[2], crime);
  INFO(crime_text);
  CHECK(crime_text.starts_with("Rated " + std::to_string(static_cast<int>(crime.rating)) +
                               "/5 against your usual "));
  REQUIRE(crime.drivers.genre_key != OfflineDrivers::kNone);
  const std::string genre = w.dataset.catalog().genre_names()[crime.drivers.genre_key];
  CHECK((genre == "Crime" || genre == "Drama"));
  CHECK(contains(crime_text, "you rate " + genre + " films about"));
  CHECK(contains(crime_text, "above your usual"));
  // A horror film: the same affinity, the other way.
  const auto horror = model().score(fan, w.horror_items[2]);
  const std::string horror_text = model().explain(fan, w.horror_items[2], horror);
  INFO(horror_text);
  CHECK(contains(horror_text, "you rate Horror films about"));
  CHECK(contains(horror_text, "below your usual"));
  // A cold copy: the film it resembles, by title, with the user's rating.
  const auto copy = model().score(fan, w.crime_clone);
  const std::string copy_text = model().explain(fan, w.crime_clone, copy);
  INFO(copy_text);
  REQUIRE(copy.drivers.similar_item != OfflineDrivers::kNone);
  CHECK(contains(copy_text, "it has no ratings yet, but it resembles " +
                                w.dataset.catalog().item(copy.drivers.similar_item).title));
  CHECK(w.dataset.catalog().item(copy.drivers.similar_item).title.starts_with("Heist Story"));
  // Themes the user liked, when they drive the score.
  bool saw_theme = false;
  for (const UserIndex u : w.crime_users) {
    for (const ItemIndex i : w.crime_items) {
      const auto s = model().score(u, i);
      if (s.drivers.theme_keys[0] == OfflineDrivers::kNone || std::abs(s.drivers.theme) < 0.05)
        continue;
      const std::string text = model().explain(u, i, s);
      const std::string theme = model().content().term(s.drivers.theme_keys[0]);
      INFO(text);
      CHECK(contains(text, theme));
      CHECK(contains(text,
                     s.drivers.theme > 0 ? "match films you liked" : "match films you rated low"));
      saw_theme = true;
    }
  }
  CHECK(saw_theme);
}

TEST_CASE("explanations differ where the drivers differ", "[offline][model]") {
  const auto& w = world();
  std::vector<std::string> texts;
  std::vector<OfflineScore> scores;
  const UserIndex fan = w.horror_users[3];
  for (ItemIndex i = 0; i < w.dataset.catalog().size(); ++i) {
    scores.push_back(model().score(fan, i));
    texts.push_back(model().explain(fan, i, scores.back()));
  }
  for (std::size_t a = 0; a < texts.size(); ++a) {
    for (std::size_t b = a + 1; b < texts.size(); ++b) {
      if (texts[a] != texts[b])
        continue;
      // Equal sentences only for equal drivers (as printed).
      const auto& x = scores[a].drivers;
      const auto& y = scores[b].drivers;
      INFO(texts[a]);
      CHECK(scores[a].rating == scores[b].rating);
      CHECK(x.genre_key == y.genre_key);
      CHECK(x.item_support == y.item_support);
      CHECK(std::round(x.item_offset * 100) == std::round(y.item_offset * 100));
    }
  }
  CHECK(std::set<std::string>(texts.begin(), texts.end()).size() > texts.size() / 2);
}

TEST_CASE("feedback moves the drift every update_every events", "[offline][model]") {
  const auto& w = world();
  const UserIndex fan = w.crime_users[1];
  OfflineUserState state = model().new_state(fan);
  const ItemIndex comedy = w.comedy_items[4];
  const double before = model().score(fan, comedy, state).raw;
  // The fan suddenly loves comedies (romantic ones): ratings of 5 on comedies
  // they never rated in training.
  std::vector<ItemIndex> unseen;
  for (const ItemIndex i : w.comedy_items)
    if (!model().is_training_rating(fan, i))
      unseen.push_back(i);
  REQUIRE_FALSE(unseen.empty());
  const std::size_t every = model().options().update_every;
  std::size_t updates = 0;
  for (std::size_t k = 0; k < 2 * every; ++k) {
    const auto change = model().record_feedback(state, unseen[k % unseen.size()], 5.0f);
    CHECK(state.pending.size() <= every);
    if (change) {
      ++updates;
      CHECK_FALSE(change->empty());
    }
  }
  CHECK(updates == 2);
  CHECK(state.pending.empty());
  REQUIRE_FALSE(state.drift.empty());
  CHECK(state.drift.size() <= OfflineUserState::kMaxDriftGenres);
  const double after = model().score(fan, comedy, state).raw;
  CHECK(after > before + 0.2);
  // Crime dramas share no genre with the comedies: no drift there.
  CHECK(model().score(fan, w.crime_items[0], state).raw ==
        model().score(fan, w.crime_items[0]).raw);
  const auto s = model().score(fan, comedy, state);
  const std::string text = model().explain(fan, comedy, s);
  INFO(text);
  CHECK(contains(text, "your recent ratings raised your interest in"));
}

TEST_CASE("training ratings replayed as feedback leave the drift alone", "[offline][model]") {
  const auto& w = world();
  const UserIndex fan = w.horror_users[0];
  OfflineUserState state = model().new_state(fan);
  const std::vector<Interaction> batch = model().training_history(fan);
  model().apply_batch(state, batch);
  CHECK(state.drift.empty());
  CHECK(state.taste.rated == batch.size());
}

TEST_CASE("bad inputs are errors, not crashes", "[offline][model]") {
  const auto& d = world().dataset;
  CHECK_THROWS_AS(OfflineUserModel(d, std::vector<RatingIndex>{}), std::invalid_argument);
  CHECK_THROWS_AS(OfflineUserModel(d, std::vector<RatingIndex>{RatingIndex(d.ratings().size())}),
                  std::out_of_range);
  OfflineModelOptions bad;
  bad.update_every = 0;
  CHECK_THROWS_AS(OfflineUserModel(d, world().all, bad), std::invalid_argument);
  bad = {};
  bad.max_neighbour_scan = 1000;
  CHECK_THROWS_AS(OfflineUserModel(d, world().all, bad), std::invalid_argument);
  CHECK_THROWS_AS(model().score(0, static_cast<ItemIndex>(d.catalog().size())), std::out_of_range);
  OfflineUserState state = model().new_state(0);
  CHECK_THROWS_AS(model().record_feedback(state, static_cast<ItemIndex>(d.catalog().size()), 3),
                  std::out_of_range);
  CHECK(state.pending.empty());
}
