#include "engine/agents/synthetic_environment.hpp"

#include <cmath>

#include <catch2/catch.hpp>

#include "engine/data/synthetic_truth.hpp"
#include "engine/data/synthetic_vocabulary.hpp"

using namespace lusifer;

namespace {

SyntheticWorldOptions small_world() {
  SyntheticWorldOptions o;
  o.users = 40;
  o.items = 120;
  o.seed = 9;
  return o;
}

}  // namespace

TEST_CASE("The synthetic environment's dataset is the world's", "[agents][environment]") {
  const SyntheticEnvironment env(small_world(), 2);
  const Dataset& data = env.dataset();
  REQUIRE(data.user_count() == 40);
  REQUIRE(data.catalog().size() == 120);
  CHECK(data.scale().min == 0.5f);
  CHECK(data.catalog().genre_names().size() == synthetic_genres().size());
  CHECK(env.history().size() == data.ratings().size());

  // Users and items are numbered like the world, and each user's history
  // is what the world generates for them.
  SyntheticUser user;
  env.world().generate_user(7, user);
  const auto history = data.histories().of(6);
  REQUIRE(history.size() == user.ratings.size());
  CHECK(data.user(6).id == 7);
  for (const auto& r : user.ratings) {
    bool found = false;
    for (const RatingIndex h : history) {
      found |= data.ratings().item(h) == static_cast<ItemIndex>(r.item - 1) &&
               data.ratings().value(h) == r.value && data.ratings().timestamp(h) == r.timestamp;
    }
    CHECK(found);
  }
  for (ItemIndex i = 0; i < 120; ++i) {
    const Item& item = data.catalog().item(i);
    const SyntheticItem& truth = env.world().items()[i];
    CHECK(item.id == truth.truth.id);
    CHECK(item.text == truth.overview);
    CHECK(std::popcount(item.genres) == static_cast<int>(truth.truth.genres.size()));
  }
}

TEST_CASE("Users are made the same whatever the thread count", "[agents][environment]") {
  const SyntheticEnvironment one(small_world(), 1);
  const SyntheticEnvironment two(small_world(), 2);
  REQUIRE(one.dataset().ratings().size() == two.dataset().ratings().size());
  for (RatingIndex r = 0; r < one.dataset().ratings().size(); ++r) {
    REQUIRE(one.dataset().ratings().item(r) == two.dataset().ratings().item(r));
    REQUIRE(one.dataset().ratings().value(r) == two.dataset().ratings().value(r));
  }
  CHECK(one.expected_rating(3, 5) == two.expected_rating(3, 5));
}

TEST_CASE("Expected ratings are the truth at the end of the users' drift",
          "[agents][environment]") {
  const SyntheticEnvironment env(small_world());
  SyntheticUser user;
  env.world().generate_user(12, user);
  for (ItemIndex i = 0; i < 120; i += 7) {
    const double latent =
        latent_rating(env.world().options(), user.truth(), env.world().items()[i].truth, 1.0);
    CHECK(env.expected_rating(11, i) ==
          expected_observed_rating(latent, user.noise, user.half_star_share));
  }
}

TEST_CASE("Drawn ratings average to the expected rating", "[agents][environment]") {
  const SyntheticEnvironment env(small_world());
  Rng rng(4);
  for (const ItemIndex item : {0u, 50u, 119u}) {
    double sum = 0;
    const int n = 20000;
    for (int k = 0; k < n; ++k) {
      const float r = env.rate(2, item, rng);
      REQUIRE(env.dataset().scale().contains(r));
      sum += r;
    }
    CHECK(sum / n == Approx(env.expected_rating(2, item)).margin(0.02));
  }
}
