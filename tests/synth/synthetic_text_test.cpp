#include "engine/data/synthetic_text.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_set>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/core/text_encoding.hpp"
#include "engine/data/synthetic_vocabulary.hpp"

using namespace lusifer;

TEST_CASE("the vocabularies have the promised sizes and no duplicates", "[synth][text]") {
  CHECK(synthetic_genres().size() == 18);
  CHECK(synthetic_keywords().size() >= 40);
  CHECK(synthetic_keywords().size() <= 80);
  std::unordered_set<std::string> names;
  for (const auto& g : synthetic_genres())
    CHECK(names.insert(std::string(g.name)).second);
  for (const auto& k : synthetic_keywords()) {
    CHECK(names.insert(std::string(k.tag)).second);
    CHECK(k.genres != 0u);  // every keyword goes with some genre
  }
  for (const auto& shift : synthetic_demographic_shifts()) {
    CHECK(std::abs(shift.shift) < 0.6);  // a hint, never more than the spread of tastes
  }
}

TEST_CASE("titles are unique, MovieLens-like and exercise quoting", "[synth][text]") {
  SyntheticTitleMaker maker;
  Rng rng(3);
  std::unordered_set<std::string> seen;
  int with_comma = 0, with_quote = 0, moved_article = 0, non_ascii = 0, sequels = 0;
  // Far more titles than distinct drafts, so sequel numbering must kick in.
  for (int i = 0; i < 60000; ++i) {
    const std::string title = maker.make(rng);
    REQUIRE(seen.insert(title).second);
    REQUIRE_FALSE(title.empty());
    REQUIRE_FALSE(find_invalid_utf8(title).has_value());
    with_comma += title.find(',') != std::string::npos;
    with_quote += title.find('"') != std::string::npos;
    moved_article += title.ends_with(", The") || title.ends_with(", A");
    non_ascii += std::any_of(title.begin(), title.end(),
                             [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    sequels += title.find(" II") != std::string::npos || title.find(" Part ") != std::string::npos;
  }
  CHECK(with_comma > 3000);
  CHECK(with_quote > 1000);
  CHECK(moved_article > 3000);
  CHECK(non_ascii > 100);
  CHECK(sequels > 100);
}

TEST_CASE("the same seed makes the same titles", "[synth][text]") {
  SyntheticTitleMaker a, b;
  Rng ra(9), rb(9);
  for (int i = 0; i < 200; ++i)
    CHECK(a.make(ra) == b.make(rb));
}

TEST_CASE("overviews are sentences built from the genres and keywords", "[synth][text]") {
  Rng rng(1);
  const auto genres = synthetic_genres();
  const auto keywords = synthetic_keywords();
  for (int i = 0; i < 500; ++i) {
    const std::vector<std::uint8_t> g{static_cast<std::uint8_t>(rng.uniform_index(genres.size())),
                                      static_cast<std::uint8_t>(rng.uniform_index(genres.size()))};
    std::vector<std::uint8_t> k;
    for (int j = 0; j < 3; ++j) {
      k.push_back(static_cast<std::uint8_t>((i + 7 * j) % keywords.size()));
    }
    const std::size_t genre_count = 1 + (i % 2);
    const std::size_t keyword_count = 1 + (i % 3);
    const std::string text = make_synthetic_overview(std::span(g).first(genre_count),
                                                     std::span(k).first(keyword_count), rng);
    INFO(text);
    CHECK(std::isupper(static_cast<unsigned char>(text.front())));
    CHECK(text.back() == '.');
    CHECK(text.find(genres[g[0]].noun) != std::string::npos);
    if (genre_count == 2)
      CHECK(text.find(genres[g[1]].adjective) != std::string::npos);
    // The first two keywords always appear, by their phrases.
    CHECK(text.find(keywords[k[0]].phrase) != std::string::npos);
    if (keyword_count >= 2)
      CHECK(text.find(keywords[k[1]].phrase) != std::string::npos);
    CHECK(text.find("  ") == std::string::npos);
  }
  const std::vector<std::uint8_t> none;
  CHECK_THROWS_AS(make_synthetic_overview(none, none, rng), std::invalid_argument);
}
