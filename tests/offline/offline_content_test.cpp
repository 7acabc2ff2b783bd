// The content model: words, TF-IDF terms, keywords and item similarity.

#include "engine/sim/offline_content.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/sim/offline_similarity_table.hpp"
#include "engine/sim/offline_words.hpp"
#include "tests/offline/offline_world.hpp"

using namespace lusifer;

TEST_CASE("words are lowercased, stripped of possessives, stop words and numbers",
          "[offline][content]") {
  std::vector<std::string> words;
  append_offline_words("Andy's toys DON'T like the 1995 film; Woody, a cowboy doll, is jealous.",
                       words);
  CHECK(words ==
        std::vector<std::string>{"andy", "toys", "dont", "woody", "cowboy", "doll", "jealous"});
  words.clear();
  append_offline_words("Amélie découvre Paris", words);
  CHECK(words == std::vector<std::string>{"amélie", "découvre", "paris"});
  CHECK(is_offline_stop_word("the"));
  CHECK(is_offline_stop_word("story"));
  CHECK_FALSE(is_offline_stop_word("prison"));
  CHECK(normalize_offline_tag("  Buddy   Cop\t") == "buddy cop");
  CHECK(normalize_offline_tag("   ").empty());
}

TEST_CASE("identical items have similarity 1 and unrelated ones much less", "[offline][content]") {
  const auto world = testing::make_taste_world();
  const OfflineContent content(world.dataset.catalog());
  const ItemIndex crime = world.crime_items[0];
  CHECK(content.similarity(crime, world.crime_clone) == Approx(1.0).margin(1e-6));
  CHECK(content.similarity(crime, crime) == Approx(1.0).margin(1e-6));
  const double same_kind = content.similarity(crime, world.crime_items[1]);
  const double other_kind = content.similarity(crime, world.horror_items[1]);
  CHECK(same_kind > 0.6);
  CHECK(other_kind < 0.1);
  CHECK(content.similarity(crime, static_cast<ItemIndex>(world.dataset.catalog().size())) == 0.0);
}

TEST_CASE("similarity grows with shared genres, nearby decades and shared themes",
          "[offline][content]") {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "blocks", RatingScale{});
  const GenreMask a = GenreMask{1} << builder.catalog().add_genre("A");
  const GenreMask b = GenreMask{1} << builder.catalog().add_genre("B");
  const auto add = [&](ExternalId id, int year, GenreMask genres, std::string text) {
    Item item;
    item.id = id;
    item.title = "t";
    item.year = year;
    item.genres = genres;
    item.text = std::move(text);
    builder.add_item(std::move(item));
  };
  add(1, 1994, a, "submarine captain mutiny");
  add(2, 1994, a | b, "desert caravan");
  add(3, 1994, b, "desert caravan");
  add(4, 2004, a, "orchard harvest");
  add(5, 1954, a, "orchard harvest");
  add(6, 1994, a, "submarine captain mutiny");
  const Dataset d = builder.finish();
  const OfflineContent content(d.catalog());
  // Genres: a shared genre counts, a disjoint one does not.
  CHECK(content.similarity(0, 1) > content.similarity(0, 2));
  // Eras: one decade apart is nearer than four.
  CHECK(content.similarity(0, 3) > content.similarity(0, 4));
  // Themes: the same synopsis words make items alike.
  CHECK(content.similarity(1, 2) > content.similarity(0, 2));
  CHECK(content.similarity(0, 5) == Approx(1.0).margin(1e-6));
  CHECK(content.has_terms(0));
  REQUIRE(content.find_term("submarine"));
  CHECK(content.term(*content.find_term("submarine")) == "submarine");
}

TEST_CASE("keywords are an item's strongest terms, tags included", "[offline][content]") {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "tags", RatingScale{});
  for (int k = 0; k < 4; ++k) {
    Item item;
    item.id = k + 1;
    item.title = "Film " + std::to_string(k);
    item.text = k < 2 ? "lighthouse keeper storm" : "orchard harvest storm";
    builder.add_item(std::move(item));
  }
  builder.add_tag_application(0, "Based on a Book");
  builder.add_tag_application(0, "Based on a Book");
  builder.add_tag_application(2, "based on a book");
  const Dataset d = builder.finish();
  const OfflineContent content(d.catalog());
  const auto keywords = content.keywords(0);
  REQUIRE_FALSE(keywords.empty());
  // The tag phrase, boosted and applied twice, leads.
  CHECK(content.term(keywords[0]) == "based on a book");
  std::vector<std::string> names;
  for (const auto k : keywords)
    names.push_back(content.term(k));
  CHECK(std::find(names.begin(), names.end(), "lighthouse") != names.end());
  // "storm" is in every item: it says nothing and is not a term.
  CHECK_FALSE(content.find_term("storm"));
}

TEST_CASE("an indexed set of items gives the same similarities as pairs", "[offline][content]") {
  const auto world = testing::make_taste_world();
  const OfflineContent content(world.dataset.catalog());
  std::vector<ItemIndex> members;
  for (ItemIndex i = 0; i < world.dataset.catalog().size(); i += 3)
    members.push_back(i);
  const OfflineContentSet set(content, members);
  REQUIRE(set.size() == members.size());
  std::vector<float> out(set.size());
  for (ItemIndex item = 0; item < world.dataset.catalog().size(); ++item) {
    set.similarities(content, item, out);
    for (std::size_t k = 0; k < members.size(); ++k)
      CHECK(out[k] == Approx(content.similarity(item, members[k])).margin(1e-6));
  }
  CHECK_THROWS_AS(OfflineContentSet(content, std::vector<ItemIndex>(256, 0)),
                  std::invalid_argument);
}

TEST_CASE("the content model is deterministic and rejects bad weights", "[offline][content]") {
  const auto world = testing::make_taste_world();
  const OfflineContent a(world.dataset.catalog()), b(world.dataset.catalog());
  REQUIRE(a.term_count() == b.term_count());
  for (std::uint32_t t = 0; t < a.term_count(); ++t)
    CHECK(a.term(t) == b.term(t));
  for (ItemIndex i = 0; i < world.dataset.catalog().size(); ++i)
    for (ItemIndex j = 0; j < world.dataset.catalog().size(); ++j)
      CHECK(a.similarity(i, j) == b.similarity(i, j));
  OfflineContentOptions bad;
  bad.genre_weight = -1;
  CHECK_THROWS_AS(OfflineContent(world.dataset.catalog(), bad), std::invalid_argument);
  OfflineContentOptions zero;
  zero.genre_weight = zero.era_weight = zero.term_weight = 0;
  CHECK_THROWS_AS(OfflineContent(world.dataset.catalog(), zero), std::invalid_argument);
}

TEST_CASE("the similarity table gives the indexed set's similarities bit for bit",
          "[offline][content]") {
  const auto world = testing::make_taste_world();
  const OfflineContent content(world.dataset.catalog());
  const OfflineSimilarityTable table(content);
  REQUIRE(table.item_count() == world.dataset.catalog().size());
  std::vector<ItemIndex> members;
  for (ItemIndex i = 0; i < world.dataset.catalog().size(); i += 2)
    members.push_back(i);
  const OfflineContentSet set(content, members);
  // The members as 16-bit indices, as the offline model keeps them.
  const std::vector<std::uint16_t> narrow(members.begin(), members.end());
  std::vector<float> from_set(members.size()), from_table(members.size()),
      from_narrow(members.size());
  for (ItemIndex item = 0; item < world.dataset.catalog().size(); ++item) {
    set.similarities(content, item, from_set);
    table.similarities(item, members, from_table);
    table.similarities(item, narrow, from_narrow);
    CHECK(from_table == from_set);
    CHECK(from_narrow == from_set);
  }
  const auto outside = static_cast<ItemIndex>(world.dataset.catalog().size());
  CHECK_THROWS_AS(table.similarities(outside, members, from_table), std::out_of_range);
  CHECK_THROWS_AS(table.similarities(0, std::vector<ItemIndex>{outside}, from_table),
                  std::out_of_range);
  CHECK_THROWS_AS(
      table.similarities(0, std::vector<std::uint16_t>{std::uint16_t(outside)}, from_narrow),
      std::out_of_range);
}
