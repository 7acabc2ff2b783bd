#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/item_text_loader.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

Dataset load_mini() {
  InputDiagnostics strict;
  return load_dataset(testing::fixture("ml-100k-mini"), strict);
}

}  // namespace

TEST_CASE("item text joins by id, taking the first non-empty text column", "[item-text]") {
  Dataset d = load_mini();
  InputDiagnostics strict;
  const auto report = join_item_text(d, {testing::fixture("item-text/by_id.csv"), {}, {}, false}, strict);
  CHECK(report.key_column == "movie_id");
  CHECK_FALSE(report.by_title);
  CHECK(report.rows == 4);
  CHECK(report.joined == 2);
  CHECK(report.without_text == 1);
  CHECK(report.unmatched == 1);
  CHECK(report.unmatched_lines == std::vector<std::size_t>{6});  // the 2nd record spans lines 2-3
  const Catalog& c = d.catalog();
  CHECK(c.item(*c.find(1)).text == "Woody, a cowboy doll, is jealous of Buzz.\nThey learn to be friends.");
  CHECK(c.item(*c.find(2)).text == "A French film.");  // overview empty -> wiki_summary
  CHECK(c.item(*c.find(3)).text.empty());
}

TEST_CASE("item text joins by exact title, after converting latin-1 titles", "[item-text]") {
  Dataset d = load_mini();
  InputDiagnostics strict;
  const auto report = join_item_text(d, {testing::fixture("item-text/by_title.csv"), {}, {}, false}, strict);
  CHECK(report.by_title);
  CHECK(report.key_column == "movie_title");
  CHECK(report.joined == 2);
  CHECK(report.unmatched == 1);
  CHECK(d.catalog().item(*d.catalog().find(2)).text ==
        "Les Mis\xc3\xa9rables is a 1995 French film, directed by Claude Lelouch.");
}

TEST_CASE("an earlier text is kept unless overwrite is asked", "[item-text]") {
  Dataset d = load_mini();
  InputDiagnostics strict;
  join_item_text(d, {testing::fixture("item-text/by_id.csv"), {}, {}, false}, strict);
  auto report = join_item_text(d, {testing::fixture("item-text/by_title.csv"), {}, {}, false}, strict);
  CHECK(report.already_had_text == 1);
  CHECK(d.catalog().item(*d.catalog().find(2)).text == "A French film.");
  report = join_item_text(d, {testing::fixture("item-text/by_title.csv"), {}, {}, true}, strict);
  CHECK(d.catalog().item(*d.catalog().find(2)).text.starts_with("Les Mis"));
}

TEST_CASE("named columns are used and missing ones are errors", "[item-text]") {
  Dataset d = load_mini();
  InputDiagnostics strict;
  const auto report = join_item_text(
      d, {testing::fixture("item-text/by_id.csv"), "title", {"wiki_summary"}, false}, strict);
  CHECK(report.by_title);
  CHECK(d.catalog().item(*d.catalog().find(1)).text == "Toy Story is a 1995 film.");
  CHECK_THROWS_WITH(
      join_item_text(d, {testing::fixture("item-text/by_id.csv"), {}, {"synopsis"}, false}, strict),
      Catch::Contains("by_id.csv:1: expected a column named 'synopsis', found the columns movie_id, "
                      "title, overview, wiki_summary"));
}
