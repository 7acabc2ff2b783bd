#include "engine/data/synthetic_world.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/data/synthetic_vocabulary.hpp"
#include "tests/synth/synth_test_helpers.hpp"

using namespace lusifer;
using lusifer::testing::mean_of;
using lusifer::testing::pearson;

namespace {

SyntheticWorldOptions small_options() {
  SyntheticWorldOptions o;
  o.users = 1500;
  o.items = 800;
  o.seed = 7;
  return o;
}

// Every user of `world`, generated in memory.
std::vector<SyntheticUser> all_users(const SyntheticWorld& world) {
  std::vector<SyntheticUser> users(world.options().users);
  for (std::size_t i = 0; i < users.size(); ++i) {
    world.generate_user(static_cast<ExternalId>(i + 1), users[i]);
  }
  return users;
}

double expected_of(const SyntheticWorld& world, const SyntheticUser& user,
                   const SyntheticUser::Rating& r) {
  const UserTruth t = user.truth();
  const ItemTruth& item = world.items()[static_cast<std::size_t>(r.item - 1)].truth;
  return expected_observed_rating(
      latent_rating(world.options(), t, item, taste_fraction(t, r.timestamp)), t.noise,
      t.half_star_share);
}

}  // namespace

TEST_CASE("items have ids, 1-3 genres, 2-4 keywords and unique dated titles", "[synth][world]") {
  const SyntheticWorld world(small_options());
  const auto items = world.items();
  REQUIRE(items.size() == 800);
  std::unordered_set<std::string> titles;
  std::size_t related = 0, keyword_slots = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const SyntheticItem& item = items[i];
    CHECK(item.truth.id == static_cast<ExternalId>(i + 1));
    CHECK(item.truth.genres.size() >= 1);
    CHECK(item.truth.genres.size() <= 3);
    CHECK(item.truth.keywords.size() >= 2);
    CHECK(item.truth.keywords.size() <= 4);
    CHECK(std::unordered_set<int>(item.truth.genres.begin(), item.truth.genres.end()).size() ==
          item.truth.genres.size());
    CHECK(std::unordered_set<int>(item.truth.keywords.begin(), item.truth.keywords.end()).size() ==
          item.truth.keywords.size());
    CHECK(titles.insert(item.title).second);
    CHECK(item.title.ends_with(" (" + std::to_string(item.year) + ")"));
    CHECK(item.year < 1998);  // released before the world's first rating
    CHECK(item.year >= 1998 - 81);
    CHECK_FALSE(item.overview.empty());
    std::uint32_t mask = 0;
    for (const auto g : item.truth.genres)
      mask |= 1u << g;
    for (const auto k : item.truth.keywords) {
      related += (synthetic_keywords()[k].genres & mask) != 0;
      ++keyword_slots;
    }
  }
  // Keywords follow genres: far more often related than by chance (about a third).
  CHECK(static_cast<double>(related) / static_cast<double>(keyword_slots) > 0.6);
}

TEST_CASE("a user depends only on the seed and the id", "[synth][world]") {
  const SyntheticWorld world(small_options());
  SyntheticUser a, b, reused;
  world.generate_user(42, a);
  world.generate_user(3, reused);  // the buffers of another user must not leak in
  world.generate_user(42, reused);
  const SyntheticWorld again(small_options());
  again.generate_user(42, b);
  for (const SyntheticUser* other : {&b, &reused}) {
    CHECK(other->ratings.size() == a.ratings.size());
    for (std::size_t i = 0; i < a.ratings.size() && i < other->ratings.size(); ++i) {
      CHECK(other->ratings[i].item == a.ratings[i].item);
      CHECK(other->ratings[i].value == a.ratings[i].value);
      CHECK(other->ratings[i].timestamp == a.ratings[i].timestamp);
    }
    CHECK(other->genre_end == a.genre_end);
    CHECK(other->keyword_start == a.keyword_start);
    CHECK(other->tags.size() == a.tags.size());
  }
  auto options = small_options();
  options.seed = 8;
  SyntheticUser c;
  SyntheticWorld(options).generate_user(42, c);
  CHECK(c.genre_start != a.genre_start);
  CHECK_THROWS_AS(world.generate_user(0, c), std::out_of_range);
  CHECK_THROWS_AS(world.generate_user(1501, c), std::out_of_range);
}

TEST_CASE("users rate enough distinct items, in bursts of time", "[synth][world]") {
  const SyntheticWorld world(small_options());
  const auto users = all_users(world);
  const auto& o = world.options();
  std::vector<double> counts;
  std::size_t same_second = 0, steps = 0;
  for (const auto& u : users) {
    REQUIRE(u.ratings.size() >= o.min_ratings_per_user);
    REQUIRE(u.ratings.size() <= effective_max_ratings(o));
    counts.push_back(static_cast<double>(u.ratings.size()));
    std::unordered_set<ExternalId> items;
    for (std::size_t i = 0; i < u.ratings.size(); ++i) {
      const auto& r = u.ratings[i];
      REQUIRE(items.insert(r.item).second);
      REQUIRE(r.item >= 1);
      REQUIRE(r.item <= 800);
      REQUIRE(r.timestamp >= o.start_time);
      if (i > 0) {
        REQUIRE(r.timestamp >= u.ratings[i - 1].timestamp);
        same_second += r.timestamp == u.ratings[i - 1].timestamp;
        ++steps;
      }
    }
    CHECK(u.first_timestamp == u.ratings.front().timestamp);
    CHECK(u.last_timestamp == u.ratings.back().timestamp);
  }
  // Mean near the option (the cap trims a little), heavy tail: median well below
  // the mean and a few users far above it.
  std::sort(counts.begin(), counts.end());
  CHECK(mean_of(counts) == Approx(o.mean_ratings_per_user).epsilon(0.06));
  CHECK(counts[counts.size() / 2] < 0.85 * mean_of(counts));
  CHECK(counts.back() > 4 * mean_of(counts));
  // Bursts: some ratings share a second, as in MovieLens, but not most.
  const double share = static_cast<double>(same_second) / static_cast<double>(steps);
  CHECK(share > 0.05);
  CHECK(share < 0.3);
}

TEST_CASE("ratings look like MovieLens's", "[synth][world]") {
  const SyntheticWorld world(small_options());
  std::vector<double> values;
  std::size_t middle = 0, halves = 0;
  for (const auto& u : all_users(world)) {
    for (const auto& r : u.ratings) {
      values.push_back(r.value);
      middle += r.value >= 3.0f && r.value <= 4.5f;
      halves += r.value != std::floor(r.value);
    }
  }
  const double n = static_cast<double>(values.size());
  CHECK(mean_of(values) > 3.3);
  CHECK(mean_of(values) < 3.7);
  CHECK(static_cast<double>(middle) / n > 0.55);  // mostly 3 to 4.5
  CHECK(static_cast<double>(halves) / n > 0.15);  // half stars are used, less than whole ones
  CHECK(static_cast<double>(halves) / n < 0.45);
}

TEST_CASE("ratings follow the true expected rating", "[synth][world]") {
  const SyntheticWorld world(small_options());
  std::vector<double> observed, expected;
  for (const auto& u : all_users(world)) {
    for (const auto& r : u.ratings) {
      observed.push_back(r.value);
      expected.push_back(expected_of(world, u, r));
    }
  }
  CHECK(pearson(observed, expected) > 0.6);
  CHECK(mean_of(expected) == Approx(mean_of(observed)).margin(0.02));
}

TEST_CASE("users rate more of what they like and of what is popular", "[synth][world]") {
  const auto options = small_options();
  const SyntheticWorld world(options);
  const auto users = all_users(world);
  std::vector<double> rated, offered;
  std::vector<double> rating_count(world.items().size(), 0.0);
  Rng rng(99);
  for (const auto& u : users) {
    for (const auto& r : u.ratings) {
      rated.push_back(expected_of(world, u, r));
      rating_count[static_cast<std::size_t>(r.item - 1)] += 1.0;
      // The same moment, an item picked at random.
      const SyntheticUser::Rating random{static_cast<ExternalId>(1 + rng.uniform_index(800)), 0.0f,
                                         r.timestamp};
      offered.push_back(expected_of(world, u, random));
    }
  }
  CHECK(mean_of(rated) > mean_of(offered) + 0.3);

  std::vector<double> log_popularity, log_count;
  for (std::size_t i = 0; i < world.items().size(); ++i) {
    log_popularity.push_back(world.items()[i].truth.log_popularity);
    log_count.push_back(std::log1p(rating_count[i]));
  }
  CHECK(pearson(log_popularity, log_count) > 0.6);

  // Without taste-driven choice, what is rated is no better than what is offered.
  auto blind = options;
  blind.taste_selectivity = 0.0;
  const SyntheticWorld blind_world(blind);
  std::vector<double> blind_rated;
  for (const auto& u : all_users(blind_world)) {
    for (const auto& r : u.ratings)
      blind_rated.push_back(expected_of(blind_world, u, r));
  }
  CHECK(mean_of(blind_rated) < mean_of(rated) - 0.3);
}

TEST_CASE("tastes drift, and late ratings follow the end tastes", "[synth][world]") {
  const SyntheticWorld world(small_options());
  const auto& o = world.options();
  std::vector<double> late, late_start, late_end, early, early_start, early_end;
  std::vector<double> start_taste, end_taste;
  for (const auto& u : all_users(world)) {
    const UserTruth t = u.truth();
    for (std::size_t g = 0; g < u.genre_start.size(); ++g) {
      start_taste.push_back(u.genre_start[g]);
      end_taste.push_back(u.genre_end[g]);
    }
    for (std::size_t i = 0; i < u.ratings.size(); ++i) {
      const auto& r = u.ratings[i];
      const ItemTruth& item = world.items()[static_cast<std::size_t>(r.item - 1)].truth;
      if (4 * i >= 3 * u.ratings.size()) {
        late.push_back(r.value);
        late_start.push_back(latent_rating(o, t, item, 0.0));
        late_end.push_back(latent_rating(o, t, item, 1.0));
      } else if (4 * i < u.ratings.size()) {
        early.push_back(r.value);
        early_start.push_back(latent_rating(o, t, item, 0.0));
        early_end.push_back(latent_rating(o, t, item, 1.0));
      }
    }
  }
  // Start and end tastes are related but clearly different (c = 0.82 for drift 0.7).
  const double c = pearson(start_taste, end_taste);
  CHECK(c > 0.65);
  CHECK(c < 0.92);
  CHECK(pearson(late, late_end) > pearson(late, late_start) + 0.03);
  CHECK(pearson(early, early_start) > pearson(early, early_end) + 0.03);

  auto frozen = small_options();
  frozen.drift_strength = 0.0;
  SyntheticUser u;
  SyntheticWorld(frozen).generate_user(5, u);
  CHECK(u.genre_start == u.genre_end);
  CHECK(u.keyword_start == u.keyword_end);
}

TEST_CASE("users have demographics, which shift their genre tastes slightly", "[synth][world]") {
  auto options = small_options();
  options.users = 4000;
  const SyntheticWorld world(options);
  std::unordered_set<std::string> occupations;
  for (const auto& o : synthetic_occupations())
    occupations.insert(std::string(o.name));
  std::vector<double> young_children, old_children, female_romance, male_romance;
  std::size_t female = 0;
  SyntheticUser u;
  for (ExternalId id = 1; id <= 4000; ++id) {
    world.generate_user(id, u);
    CHECK((u.gender == "M" || u.gender == "F"));
    CHECK(u.age >= 13);
    CHECK(u.age <= 80);
    CHECK(occupations.contains(std::string(u.occupation)));
    const double children = taste_value(u.genre_start[kGenreChildrens]);
    if (u.age < 18)
      young_children.push_back(children);
    if (u.age >= 45)
      old_children.push_back(children);
    const double romance = taste_value(u.genre_start[kGenreRomance]);
    (u.gender == "F" ? female_romance : male_romance).push_back(romance);
    female += u.gender == "F";
  }
  CHECK(female > 900);
  CHECK(female < 1500);
  REQUIRE(young_children.size() > 30);
  REQUIRE(old_children.size() > 100);
  CHECK(mean_of(young_children) > mean_of(old_children) + 0.2);
  CHECK(mean_of(female_romance) > mean_of(male_romance) + 0.15);

  options.demographic_effect = 0.0;
  const SyntheticWorld neutral(options);
  female_romance.clear();
  male_romance.clear();
  for (ExternalId id = 1; id <= 4000; ++id) {
    neutral.generate_user(id, u);
    (u.gender == "F" ? female_romance : male_romance)
        .push_back(taste_value(u.genre_start[kGenreRomance]));
  }
  CHECK(std::abs(mean_of(female_romance) - mean_of(male_romance)) < 0.1);
}

TEST_CASE("taggers tag rated items with the items' keywords", "[synth][world]") {
  const SyntheticWorld world(small_options());
  std::size_t tags = 0, ratings = 0, taggers = 0;
  for (const auto& u : all_users(world)) {
    ratings += u.ratings.size();
    tags += u.tags.size();
    taggers += !u.tags.empty();
    std::unordered_set<ExternalId> rated;
    for (const auto& r : u.ratings)
      rated.insert(r.item);
    for (const auto& t : u.tags) {
      REQUIRE(rated.contains(t.item));
      const auto& keywords = world.items()[static_cast<std::size_t>(t.item - 1)].truth.keywords;
      CHECK(std::find(keywords.begin(), keywords.end(), t.keyword) != keywords.end());
    }
  }
  CHECK(static_cast<double>(tags) / static_cast<double>(ratings) ==
        Approx(world.options().tag_rate).epsilon(0.2));
  CHECK(taggers < 1500 / 2);  // a minority of users tags, as on MovieLens
}
