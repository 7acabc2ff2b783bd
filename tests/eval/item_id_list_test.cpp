#include "engine/eval/item_id_list.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"
#include "tests/eval/eval_test_support.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

TEST_CASE("item ids are read from the id column of a CSV file", "[eval][items]") {
  const testing::TempDir dir;
  // TMDB's own "id" column comes first and must not be taken for the item id;
  // a quoted field spans two lines.
  const auto file = dir.write("movies.csv",
                              "id,movie_id,overview\n"
                              "862,1,\"Toys, alive\"\n"
                              "710,2,\"A spy.\nTwo lines.\"\n"
                              "862,1,again\n"
                              "5,40,x\n");
  const ItemIdList list = read_item_id_list(file);
  CHECK(list.column == "movie_id");
  CHECK(list.rows == 4);
  CHECK(list.ids == std::vector<ExternalId>{1, 2, 40});

  const ItemIdList by_name = read_item_id_list(file, "id");
  CHECK(by_name.ids == std::vector<ExternalId>{5, 710, 862});

  const Dataset d = testing::timed_dataset(1, 3, {{0, 0, 3, 1}});
  CHECK(unknown_item_ids(list, d) == 1);  // 40
}

TEST_CASE("bad item id files are input errors naming the line", "[eval][items]") {
  const testing::TempDir dir;
  SECTION("no id column") {
    const auto file = dir.write("a.csv", "title,overview\nx,y\n");
    try {
      read_item_id_list(file);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.line() == 1);
      CHECK(e.found() == "the columns title, overview");
    }
  }
  SECTION("a named column that is absent") {
    const auto file = dir.write("b.csv", "movie_id\n1\n");
    CHECK_THROWS_AS(read_item_id_list(file, "itemId"), InputError);
  }
  SECTION("an id that is not a number") {
    const auto file = dir.write("c.csv", "movie_id,title\n1,a\nseven,b\n");
    try {
      read_item_id_list(file);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.line() == 3);
      CHECK(e.found() == "\"seven\"");
    }
  }
  SECTION("a short row") {
    const auto file = dir.write("d.csv", "title,movie_id\na,1\nb\n");
    try {
      read_item_id_list(file);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.line() == 3);
    }
  }
  SECTION("an empty file or none") {
    CHECK_THROWS_AS(read_item_id_list(dir.write("e.csv", "")), InputError);
    CHECK_THROWS_AS(read_item_id_list(dir.path() / "absent.csv"), InputError);
  }
}
