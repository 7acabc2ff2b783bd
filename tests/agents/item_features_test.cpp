#include "engine/agents/item_features.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/agents/agent_test_support.hpp"

using namespace lusifer;

namespace {

Dataset catalog_dataset() {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "features", RatingScale{});
  const int drama = builder.catalog().add_genre("Drama");
  const int comedy = builder.catalog().add_genre("Comedy");
  builder.catalog().add_genre("Horror");
  auto add = [&](ExternalId id, GenreMask genres, std::string text) {
    Item item;
    item.id = id;
    item.title = fmt::format("t{}", id);
    item.genres = genres;
    item.text = std::move(text);
    builder.add_item(std::move(item));
  };
  add(1, GenreMask{1} << drama, "A heist in the desert, with a daring crew.");
  add(2, (GenreMask{1} << drama) | (GenreMask{1} << comedy), "");
  add(3, 0, "the and of a it is");  // only stop words and short words
  add(4, GenreMask{1} << comedy, "A heist in the desert, with a daring crew.");
  builder.user_for_id(1);
  builder.add_rating(0, 0, 4.0f, 1);
  builder.add_tag_application(1, "time travel");
  builder.add_tag_application(1, "time travel");
  return builder.finish();
}

}  // namespace

TEST_CASE("Item features are bias, genre shares and hashed words", "[agents][features]") {
  const Dataset data = catalog_dataset();
  const ItemFeatures features(data.catalog(), ItemFeatureOptions{4});
  REQUIRE(features.dimension() == 1 + 3 + 4);
  CHECK(features.genre_count() == 3);
  CHECK(features.text_dimensions() == 4);
  CHECK(features.text_offset() == 4);

  const auto one_genre = features.of(0);
  CHECK(one_genre[0] == 1.0f);
  CHECK(one_genre[1] == 1.0f);  // Drama
  CHECK(one_genre[2] == 0.0f);
  CHECK(one_genre[3] == 0.0f);

  const auto two_genres = features.of(1);
  CHECK(two_genres[1] == 0.5f);
  CHECK(two_genres[2] == 0.5f);
  CHECK(two_genres[3] == 0.0f);

  // Text blocks have unit length, or are zero without usable words.
  auto text_norm = [&](ItemIndex i) {
    double n = 0;
    for (std::size_t f = features.text_offset(); f < features.dimension(); ++f)
      n += features.of(i)[f] * features.of(i)[f];
    return std::sqrt(n);
  };
  CHECK(text_norm(0) == Approx(1.0));
  CHECK(text_norm(1) == Approx(1.0));  // from its tag alone
  CHECK(text_norm(2) == 0.0);
  const auto no_genre = features.of(2);
  for (std::size_t f = 1; f < features.dimension(); ++f)
    CHECK(no_genre[f] == 0.0f);

  // The same text gives the same text block, whatever the genres.
  for (std::size_t f = features.text_offset(); f < features.dimension(); ++f)
    CHECK(features.of(0)[f] == features.of(3)[f]);
}

TEST_CASE("Nonzero lists match the dense features", "[agents][features]") {
  const Dataset data = catalog_dataset();
  const ItemFeatures features(data.catalog());
  for (ItemIndex i = 0; i < features.item_count(); ++i) {
    std::vector<float> rebuilt(features.dimension(), 0.0f);
    const auto indices = features.nonzero_indices(i);
    const auto values = features.nonzero_values(i);
    REQUIRE(indices.size() == values.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
      CHECK(values[k] != 0.0f);
      if (k > 0)
        CHECK(indices[k] > indices[k - 1]);
      rebuilt[indices[k]] = values[k];
    }
    const auto dense = features.of(i);
    CHECK(std::vector<float>(dense.begin(), dense.end()) == rebuilt);
  }
}

TEST_CASE("Hashed words ignore case, punctuation and stop words", "[agents][features]") {
  std::vector<float> a(8, 0.0f), b(8, 0.0f), c(8, 0.0f);
  add_hashed_words("Heist, DESERT!", a);
  add_hashed_words("the heist in a desert", b);
  add_hashed_words("of it is an", c);
  CHECK(a == b);
  CHECK(c == std::vector<float>(8, 0.0f));
  float total = 0;
  for (const float v : a)
    total += std::fabs(v);
  CHECK(total > 0.0f);
}

TEST_CASE("The fingerprint follows the features", "[agents][features]") {
  const Dataset data = catalog_dataset();
  const ItemFeatures a(data.catalog());
  const ItemFeatures b(data.catalog());
  CHECK(a.fingerprint() == b.fingerprint());
  const ItemFeatures c(data.catalog(), ItemFeatureOptions{6});
  CHECK(a.fingerprint() != c.fingerprint());
  CHECK_THROWS_AS(ItemFeatures(data.catalog(), ItemFeatureOptions{129}), std::invalid_argument);
}
