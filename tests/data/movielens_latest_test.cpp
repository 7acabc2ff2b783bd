#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

Dataset load_mini() {
  InputDiagnostics strict;
  return load_dataset(testing::fixture("ml-latest-mini"), strict);
}

}  // namespace

TEST_CASE("the latest CSV format loads with CRLF endings and quoted titles", "[latest]") {
  const Dataset d = load_mini();
  CHECK(d.format() == DatasetFormat::kMovieLensLatest);
  CHECK(d.user_count() == 3);
  CHECK(d.catalog().size() == 7);
  CHECK(d.ratings().size() == 10);
  CHECK(d.scale().min == 0.5f);
  CHECK(d.scale().step == 0.5f);
  const Catalog& c = d.catalog();
  CHECK(c.item(*c.find(11)).title == "American President, The (1995)");
  CHECK(c.item(*c.find(2000)).title == "Lethal Weapon \"Director's Cut\" (1987)");
  CHECK(c.item(*c.find(29)).title == "City of Lost Children, The (Cit\xc3\xa9 des enfants perdus, La) (1995)");
}

TEST_CASE("years come from titles, including series ranges", "[latest]") {
  const Dataset d = load_mini();
  const Catalog& c = d.catalog();
  CHECK(c.item(*c.find(318)).year == 1994);
  CHECK(c.item(*c.find(200000)).year == 2016);
  CHECK_FALSE(c.item(*c.find(176601)).year.has_value());
}

TEST_CASE("(no genres listed) is the empty genre set", "[latest]") {
  const Dataset d = load_mini();
  const Catalog& c = d.catalog();
  CHECK(c.item(*c.find(176601)).genres == 0);
  CHECK_FALSE(c.genre_index("(no genres listed)").has_value());
  CHECK(c.genres_of(c.item(*c.find(318))) == std::vector<std::string_view>{"Drama", "Crime"});  // vocabulary order: as first seen
}

TEST_CASE("half-star ratings are kept exactly", "[latest]") {
  const Dataset d = load_mini();
  const auto history = d.histories().of(*d.find_user(1));
  std::vector<float> values;
  for (const auto r : history) values.push_back(d.ratings().value(r));
  // 11 at 964981247, 318 at 964982224, then 1 and 29 tied at 964982703 (file order).
  CHECK(values == std::vector<float>{4.5f, 0.5f, 4.0f, 5.0f});
}

TEST_CASE("tags are aggregated per item, most frequent first", "[latest]") {
  const Dataset d = load_mini();
  CHECK(d.tag_applications() == 5);
  const Item& shawshank = d.catalog().item(*d.catalog().find(318));
  REQUIRE(shawshank.tags.size() == 2);
  CHECK(shawshank.tags[0].tag == "prison");
  CHECK(shawshank.tags[0].count == 2);
  CHECK(shawshank.tags[1].tag == "hope, friendship");
}

TEST_CASE("links give IMDb and TMDB ids; an empty tmdbId stays absent", "[latest]") {
  const Dataset d = load_mini();
  const Catalog& c = d.catalog();
  CHECK(c.item(*c.find(1)).imdb_id == 114709);
  CHECK(c.item(*c.find(1)).tmdb_id == 862);
  CHECK(c.item(*c.find(176601)).imdb_id == 2085059);
  CHECK_FALSE(c.item(*c.find(176601)).tmdb_id.has_value());
}

TEST_CASE("users without a users.csv have no demographics", "[latest]") {
  const Dataset d = load_mini();
  for (UserIndex u = 0; u < d.user_count(); ++u)
    CHECK_FALSE(d.demographics(u).has_value());
}

TEST_CASE("the users.csv extension adds demographics", "[latest]") {
  testing::TempDir dir;
  for (const char* name : {"movies.csv", "ratings.csv"}) {
    std::filesystem::copy_file(testing::fixture(std::string("ml-latest-mini/") + name), dir.path() / name);
  }
  dir.write("users.csv", "userId,gender,age,occupation\n1,F,31,\"engineer, civil\"\n2,M,,student\n3,,45,\n");
  InputDiagnostics strict;
  const Dataset d = load_dataset(dir.path(), strict);
  // users.csv has no age groups or zip codes; an empty field is empty.
  CHECK(d.demographics(*d.find_user(1)) == Demographics{31, "", "F", "engineer, civil", ""});
  CHECK(d.demographics(*d.find_user(2)) == Demographics{std::nullopt, "", "M", "student", ""});
  CHECK(d.demographics(*d.find_user(3)) == Demographics{45, "", "", "", ""});
}
