#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/data/synthetic_options.hpp"
#include "engine/data/synthetic_truth.hpp"
#include "tests/synth/synth_test_helpers.hpp"

using namespace lusifer;

namespace {

// A user with two genres and three keywords, tastes given in thousandths.
struct SmallUser {
  std::vector<std::int16_t> genre_start{1000, -500};
  std::vector<std::int16_t> genre_end{-1000, 500};
  std::vector<std::int16_t> keyword_start{200, 400, -600};
  std::vector<std::int16_t> keyword_end{200, -400, 600};

  UserTruth truth(double noise = 0.5, double half_star_share = 0.5) const {
    return UserTruth{7,    0.25,        noise,     half_star_share, 1.0,        1000,
                     2000, genre_start, genre_end, keyword_start,   keyword_end};
  }
};

ItemTruth small_item() {
  ItemTruth item;
  item.id = 3;
  item.quality = 0.5;
  item.genres.push_back(0);
  item.keywords.push_back(1);
  item.keywords.push_back(2);
  return item;
}

std::string message_of(const SyntheticWorldOptions& options) {
  try {
    validate(options);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("default options are valid and suit a quick RL demo", "[synth][options]") {
  const SyntheticWorldOptions options;
  CHECK_NOTHROW(validate(options));
  CHECK(options.users == 2000);
  CHECK(options.items == 1000);
  CHECK(effective_max_ratings(options) == 500);  // half the catalogue
}

TEST_CASE("invalid options are rejected, naming the field", "[synth][options]") {
  SyntheticWorldOptions o;
  o.users = 0;
  CHECK_THAT(message_of(o), Catch::Contains("users"));
  o = {};
  o.items = 30;  // fewer than 2 x min ratings per user
  CHECK_THAT(message_of(o), Catch::Contains("items"));
  o = {};
  o.mean_ratings_per_user = 10;  // below the minimum of 20
  CHECK_THAT(message_of(o), Catch::Contains("mean_ratings_per_user"));
  o = {};
  o.mean_ratings_per_user = 600;  // above items / 2
  CHECK_THAT(message_of(o), Catch::Contains("mean_ratings_per_user"));
  o = {};
  o.rating_noise = 0.0;
  CHECK_THAT(message_of(o), Catch::Contains("rating_noise"));
  o = {};
  o.tag_rate = 1.5;
  CHECK_THAT(message_of(o), Catch::Contains("tag_rate"));
  o = {};
  o.drift_strength = std::nan("");
  CHECK_THAT(message_of(o), Catch::Contains("drift_strength"));
  o = {};
  o.candidates_per_rating = 0;
  CHECK_THAT(message_of(o), Catch::Contains("candidates_per_rating"));
  o = {};
  o.chunk_users = 0;
  CHECK_THAT(message_of(o), Catch::Contains("chunk_users"));
}

TEST_CASE("parameters are rounded to the precision of the truth files", "[synth][model]") {
  CHECK(quantize_parameter(0.12345) == 0.123);
  CHECK(quantize_parameter(-1.0006) == -1.001);
  CHECK(quantize_taste(0.1234) == 123);
  CHECK(quantize_taste(-2.5) == -2500);
  CHECK(quantize_taste(1e9) == 30000);  // clamped, never wrapped
  CHECK(taste_value(-1234) == -1.234);
}

TEST_CASE("the taste fraction runs from the first to the last rating, clamped", "[synth][model]") {
  const SmallUser u;
  const UserTruth t = u.truth();
  CHECK(taste_fraction(t, 1000) == 0.0);
  CHECK(taste_fraction(t, 1500) == 0.5);
  CHECK(taste_fraction(t, 2000) == 1.0);
  CHECK(taste_fraction(t, 0) == 0.0);
  CHECK(taste_fraction(t, 99999) == 1.0);
  UserTruth one_sitting = t;
  one_sitting.last_timestamp = one_sitting.first_timestamp;
  CHECK(taste_fraction(one_sitting, 1000) == 0.0);
  CHECK(taste_fraction(one_sitting, 1001) == 1.0);
}

TEST_CASE("appeal is quality plus mean tastes, moving linearly from start to end",
          "[synth][model]") {
  const SmallUser u;
  const ItemTruth item = small_item();
  SyntheticWorldOptions o;
  o.genre_weight = 1.0;
  o.keyword_weight = 2.0;
  // start: genre 0 = 1.0; keywords 1, 2 = 0.4, -0.6 -> mean -0.1
  CHECK(item_appeal(o, u.truth(), item, 0.0) == Approx(0.5 + 1.0 + 2.0 * -0.1));
  // end: genre 0 = -1.0; keywords = -0.4, 0.6 -> mean 0.1
  CHECK(item_appeal(o, u.truth(), item, 1.0) == Approx(0.5 - 1.0 + 2.0 * 0.1));
  CHECK(item_appeal(o, u.truth(), item, 0.25) ==
        Approx(0.75 * item_appeal(o, u.truth(), item, 0.0) +
               0.25 * item_appeal(o, u.truth(), item, 1.0)));
  o.global_mean = 3.0;
  CHECK(latent_rating(o, u.truth(), item, 0.0) ==
        Approx(3.0 + 0.25 + item_appeal(o, u.truth(), item, 0.0)));
}

TEST_CASE("observed ratings sit on the user's grid", "[synth][model]") {
  const SmallUser u;
  Rng rng(5);
  int halves = 0;
  for (int i = 0; i < 4000; ++i) {
    const double latent = -1.0 + 7.0 * rng.uniform01();
    const float whole = observe_rating(latent, u.truth(0.7, 0.0), rng);
    REQUIRE(whole >= 1.0f);
    REQUIRE(whole <= 5.0f);
    REQUIRE(whole == std::floor(whole));
    const float half = observe_rating(latent, u.truth(0.7, 1.0), rng);
    REQUIRE(half >= 0.5f);
    REQUIRE(half <= 5.0f);
    REQUIRE(half * 2 == std::floor(half * 2));
    if (half != std::floor(half))
      ++halves;
  }
  CHECK(halves > 1000);  // a half-star user really uses half stars
}

TEST_CASE("the expected rating is the mean of observed ratings", "[synth][model]") {
  const SmallUser u;
  Rng rng(11);
  for (const double latent : {-0.5, 1.2, 2.74, 3.5, 4.2, 6.0}) {
    for (const double share : {0.0, 0.6, 1.0}) {
      for (const double noise : {0.2, 0.8}) {
        const UserTruth t = u.truth(noise, share);
        double sum = 0.0;
        const int n = 100000;
        for (int i = 0; i < n; ++i)
          sum += observe_rating(latent, t, rng);
        INFO("latent " << latent << " share " << share << " noise " << noise);
        CHECK(expected_observed_rating(latent, noise, share) == Approx(sum / n).margin(0.012));
      }
    }
  }
}

TEST_CASE("the expected rating rises with the latent score and stays on the scale",
          "[synth][model]") {
  double previous = 0.0;
  for (double latent = -3.0; latent <= 8.0; latent += 0.05) {
    const double e = expected_observed_rating(latent, 0.5, 0.7);
    CHECK(e > previous);
    CHECK(e >= 0.5);
    CHECK(e <= 5.0);
    previous = e;
  }
  CHECK(expected_observed_rating(20.0, 0.5, 0.7) == Approx(5.0));
  CHECK(expected_observed_rating(-20.0, 0.5, 0.0) == Approx(1.0));
  CHECK(expected_observed_rating(-20.0, 0.5, 1.0) == Approx(0.5));
  // With little noise it is the rounded latent score.
  CHECK(expected_observed_rating(3.2, 0.01, 0.0) == Approx(3.0));
  CHECK(expected_observed_rating(3.4, 0.01, 1.0) == Approx(3.5));
}
