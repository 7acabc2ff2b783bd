// The offline model with its users' SVD factors in half precision
// (OfflineModelOptions::factor_precision): what it saves, what it changes
// (the taste-match term only, by the rounding of the factors), and how the
// [llm.offline] section chooses it.

#include <cmath>
#include <cstddef>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/config/config_error.hpp"
#include "engine/sim/offline_model_settings.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "tests/offline/offline_world.hpp"

using namespace lusifer;

namespace {

const testing::TasteWorld& world() {
  static const testing::TasteWorld w = testing::make_taste_world();
  return w;
}

// The default weights (too few ratings to learn them), so that the factors'
// precision can change nothing but the taste-match term.
OfflineModelOptions options(FloatPrecision precision) {
  OfflineModelOptions o;
  o.min_validation_ratings = 1'000'000;
  o.factor_precision = precision;
  return o;
}

}  // namespace

TEST_CASE("half-precision factors change the taste-match term only, by their rounding",
          "[offline][half]") {
  const Dataset& d = world().dataset;
  const OfflineUserModel single(d, world().all, options(FloatPrecision::kSingle));
  const OfflineUserModel half(d, world().all, options(FloatPrecision::kHalf));
  REQUIRE_FALSE(half.weights().learned);

  std::size_t moved = 0, pairs = 0;
  double largest = 0;
  for (UserIndex u = 0; u <= d.user_count(); ++u) {
    for (ItemIndex i = 0; i < d.catalog().size(); ++i) {
      INFO("user " << u << ", item " << i);
      const OfflineScore x = single.score(u, i), y = half.score(u, i);
      const OfflineDrivers &a = x.drivers, &b = y.drivers;
      REQUIRE(a.base == b.base);
      REQUIRE(a.user_offset == b.user_offset);
      REQUIRE(a.item_offset == b.item_offset);
      REQUIRE(a.genre == b.genre);
      REQUIRE(a.theme == b.theme);
      REQUIRE(a.similar == b.similar);
      REQUIRE(a.content_weight == b.content_weight);
      // Each factor moves by at most 2^-11 of itself; |p . q| over a small
      // world's factors stays far below 1, so the term moves by far less
      // than a rating step.
      const double change = std::abs(double{a.taste_match} - double{b.taste_match});
      REQUIRE(change <= 1e-3);
      REQUIRE(std::abs(x.raw - y.raw) <= change + 1e-6);
      largest = std::max(largest, change);
      moved += change > 0 ? 1 : 0;
      ++pairs;
    }
  }
  // A slate converts the row once; each score converts it again: the same
  // floats either way.
  std::vector<ItemIndex> slate(d.catalog().size());
  for (ItemIndex i = 0; i < slate.size(); ++i)
    slate[i] = i;
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    OfflineUserState state = half.new_state(u);
    std::vector<OfflineRating> rated;
    half.rate(state, slate, rated, false);
    for (std::size_t k = 0; k < slate.size(); ++k)
      REQUIRE(rated[k].raw == half.score(u, slate[k], state).raw);
  }
  // The halves are in use: some terms moved.
  CHECK(moved > 0);
  INFO("pairs " << pairs << ", moved " << moved << ", largest change " << largest);
  CHECK(moved < pairs);
}

TEST_CASE("half-precision factors take 2 bytes a factor of a known user instead of 4",
          "[offline][half]") {
  const Dataset& d = world().dataset;
  const OfflineUserModel single(d, world().all, options(FloatPrecision::kSingle));
  const OfflineUserModel half(d, world().all, options(FloatPrecision::kHalf));
  // Unknown users keep a row of zeros too, so that rows are found by index.
  const std::size_t factors = static_cast<std::size_t>(single.options().svd.n_factors);
  CHECK(single.fitted_bytes() - half.fitted_bytes() == d.user_count() * factors * 2);
}

TEST_CASE("half-precision factors refuse more than 1,024 factors", "[offline][half]") {
  OfflineModelOptions o = options(FloatPrecision::kHalf);
  o.svd.n_factors = 1025;
  CHECK_THROWS_AS(OfflineUserModel(world().dataset, world().all, o), std::invalid_argument);
  o.factor_precision = FloatPrecision::kSingle;
  o.svd.n_factors = 4;
  CHECK_NOTHROW(OfflineUserModel(world().dataset, world().all, o));
}

TEST_CASE("[llm.offline] factor_precision picks the factors' storage", "[offline][settings]") {
  ConfigFile none = ConfigFile::parse("[llm]\nbackend = \"offline\"\n", "c.toml");
  CHECK(read_offline_model_options(none).factor_precision == FloatPrecision::kSingle);

  ConfigFile half = ConfigFile::parse("[llm.offline]\nfactor_precision = \"half\"\n", "c.toml");
  CHECK(read_offline_model_options(half).factor_precision == FloatPrecision::kHalf);
  CHECK_NOTHROW(half.check_all_consumed());

  ConfigFile wrong = ConfigFile::parse("[llm.offline]\nfactor_precision = \"quarter\"\n", "c.toml");
  CHECK_THROWS_WITH(read_offline_model_options(wrong), Catch::Contains("c.toml:2"));
  ConfigFile typo = ConfigFile::parse("[llm.offline]\nfactor_precison = \"half\"\n", "c.toml");
  read_offline_model_options(typo);
  CHECK_THROWS_AS(typo.check_all_consumed(), ConfigError);
}
