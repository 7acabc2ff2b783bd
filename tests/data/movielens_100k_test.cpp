#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/movielens_100k_loader.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

Dataset load_mini() {
  InputDiagnostics strict;
  return load_dataset(testing::fixture("ml-100k-mini"), strict);
}

std::vector<ExternalId> item_ids(const Dataset& d, std::span<const RatingIndex> ratings) {
  std::vector<ExternalId> ids;
  for (const auto r : ratings) ids.push_back(d.catalog().item(d.ratings().item(r)).id);
  return ids;
}

}  // namespace

TEST_CASE("MovieLens 100K is detected and loaded whole", "[ml100k]") {
  const Dataset d = load_mini();
  CHECK(d.format() == DatasetFormat::kMovieLens100K);
  CHECK(d.user_count() == 4);
  CHECK(d.catalog().size() == 6);
  CHECK(d.ratings().size() == 20);
  CHECK(d.scale().min == 1.0f);
  CHECK(d.scale().max == 5.0f);
  CHECK(d.scale().step == 1.0f);
}

TEST_CASE("latin-1 titles become UTF-8", "[ml100k]") {
  const Dataset d = load_mini();
  CHECK(d.catalog().item(*d.catalog().find(2)).title == "Mis\xc3\xa9rables, Les (1995)");
  CHECK(d.catalog().item(*d.catalog().find(3)).title == "C\xc3\xa9r\xc3\xa9monie, La (1995)");
  CHECK(d.catalog().find_by_title("Mis\xc3\xa9rables, Les (1995)") == d.catalog().find(2));
}

TEST_CASE("genres, years and release dates come from u.item", "[ml100k]") {
  const Dataset d = load_mini();
  const Catalog& c = d.catalog();
  const Item& toy = c.item(*c.find(1));
  CHECK(c.genres_of(toy) == std::vector<std::string_view>{"Animation", "Children's", "Comedy"});
  CHECK(toy.year == 1995);
  CHECK(toy.release_date == "01-Jan-1995");
  // "unknown" is the absence of a genre, not a genre.
  const Item& unknown = c.item(*c.find(4));
  CHECK(unknown.genres == 0);
  CHECK_FALSE(unknown.year.has_value());
  CHECK_FALSE(c.genre_index("unknown").has_value());
  CHECK(c.genre_names().size() == 18);
}

TEST_CASE("demographics come from u.user", "[ml100k]") {
  const Dataset d = load_mini();
  // u.user, field by field: the 100K has ages in years and no age groups.
  REQUIRE(d.user_count() == 4);
  CHECK(d.demographics(*d.find_user(1)) == Demographics{24, "", "M", "engineer", "85711"});
  CHECK(d.demographics(*d.find_user(2)) == Demographics{53, "", "F", "writer", "94043"});
  CHECK(d.demographics(*d.find_user(3)) == Demographics{23, "", "M", "student", "32067"});
  CHECK(d.demographics(*d.find_user(4)) == Demographics{33, "", "F", "artist", "15213"});
  // "", "M" and "F" once each, however many users share them.
  CHECK(d.demographics_table().distinct_strings() == 3 + 4 + 4);
}

TEST_CASE("histories are chronological and equal timestamps keep file order", "[ml100k]") {
  const Dataset d = load_mini();
  const UserIndex u1 = *d.find_user(1);
  // Timestamps: item 6 at ...000, then items 5, 1, 2 all at ...949 (file order), then 3.
  CHECK(item_ids(d, d.histories().of(u1)) == std::vector<ExternalId>{6, 5, 1, 2, 3});
  CHECK(item_ids(d, d.histories().last(u1, 3)) == std::vector<ExternalId>{1, 2, 3});
  CHECK(item_ids(d, d.histories().last(u1, 99)).size() == 5);
  const UserIndex u2 = *d.find_user(2);
  CHECK(item_ids(d, d.histories().of(u2)) == std::vector<ExternalId>{2, 1, 5, 6, 4});
}

TEST_CASE("u.genre and u.occupation are optional", "[ml100k]") {
  testing::TempDir dir;
  for (const char* name : {"u.data", "u.item", "u.user"}) {
    std::filesystem::copy_file(testing::fixture(std::string("ml-100k-mini/") + name), dir.path() / name);
  }
  InputDiagnostics strict;
  const Dataset d = load_dataset(dir.path(), strict);
  CHECK(d.catalog().genre_names().size() == 18);
  CHECK(d.ratings().size() == 20);
}
