#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

TEST_CASE("MovieLens 1M loads with decoded demographics and latin-1 titles", "[ml1m]") {
  InputDiagnostics strict;
  const Dataset d = load_dataset(testing::fixture("ml-1m-mini"), strict);
  CHECK(d.format() == DatasetFormat::kMovieLens1M);
  CHECK(d.user_count() == 3);
  CHECK(d.catalog().size() == 3);
  CHECK(d.ratings().size() == 7);

  // users.dat, with the age and occupation codes decoded.
  CHECK(d.demographics(*d.find_user(1)) ==
        Demographics{1, "Under 18", "F", "K-12 student", "48067"});
  CHECK(d.demographics(*d.find_user(2)) == Demographics{56, "56+", "M", "self-employed", "70072"});
  CHECK(d.demographics(*d.find_user(3)) == Demographics{25, "25-34", "M", "scientist", "55117"});

  const Catalog& c = d.catalog();
  CHECK(c.item(*c.find(3)).title == "Mis\xc3\xa9rables, Les (1995)");
  CHECK(c.genres_of(c.item(*c.find(2))) ==
        std::vector<std::string_view>{"Adventure", "Children's", "Fantasy"});
}

TEST_CASE("MovieLens 1M histories break timestamp ties by file order", "[ml1m]") {
  InputDiagnostics strict;
  const Dataset d = load_dataset(testing::fixture("ml-1m-mini"), strict);
  const auto history = d.histories().of(*d.find_user(1));
  REQUIRE(history.size() == 3);
  // Items 1 and 2 share 978300760; item 1 comes first in the file.
  CHECK(d.catalog().item(d.ratings().item(history[0])).id == 1);
  CHECK(d.catalog().item(d.ratings().item(history[1])).id == 2);
  CHECK(d.catalog().item(d.ratings().item(history[2])).id == 3);
}
