// The real MovieLens 100K, read from $LUSIFER_DATA_DIR/ml-100k (skipped
// where the variable is unset: the data may not be redistributed).

#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/dataset_summary.hpp"
#include "engine/data/item_text_loader.hpp"
#include "engine/data/split.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

TEST_CASE("MovieLens 100K has its published figures", "[real]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  InputDiagnostics strict;
  const Dataset d = load_dataset(dir, strict);
  const DatasetSummary s = summarize(d);
  CHECK(s.ratings == 100000);
  CHECK(s.users == 943);
  CHECK(s.items == 1682);
  REQUIRE(s.histogram.size() == 5);
  CHECK(s.histogram[0].second == 6110);
  CHECK(s.histogram[1].second == 11370);
  CHECK(s.histogram[2].second == 27145);
  CHECK(s.histogram[3].second == 34174);
  CHECK(s.histogram[4].second == 21201);
  CHECK(s.ratings_per_user.min == 20);
  CHECK(d.catalog().item(*d.catalog().find(543)).title == "Mis\xc3\xa9rables, Les (1995)");
}

TEST_CASE("MovieLens 100K's official splits have their published sizes", "[real]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  InputDiagnostics strict;
  const Dataset d = load_dataset(dir, strict);
  for (const char* name : {"u1", "u2", "u3", "u4", "u5"}) {
    const Split s = load_official_split(d, dir, name, strict);
    CHECK(s.train.size() == 80000);
    CHECK(s.test.size() == 20000);
  }
  for (const char* name : {"ua", "ub"}) {
    const Split s = load_official_split(d, dir, name, strict);
    CHECK(s.train.size() == 90570);
    CHECK(s.test.size() == 9430);
  }
}

TEST_CASE("the real TMDB overview table joins to MovieLens 100K", "[real]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  LUSIFER_REQUIRE_SHARED_DATA(overviews, "overviews/derived/ml100k_item_text.csv");
  LUSIFER_REQUIRE_SHARED_DATA(wiki, "overviews/wiki/movie_wiki.csv");
  InputDiagnostics strict;
  Dataset d = load_dataset(dir, strict);
  const auto by_id = join_item_text(d, {overviews, {}, {}, false}, strict);
  CHECK(by_id.rows == 1682);
  CHECK(by_id.unmatched == 0);
  CHECK(by_id.joined + by_id.without_text == 1682);
  CHECK(d.catalog().item(*d.catalog().find(1)).text.starts_with("Led by Woody"));
  const auto by_title = join_item_text(d, {wiki, {}, {}, false}, strict);
  CHECK(by_title.by_title);
  CHECK(by_title.rows == 1529);
  CHECK(by_title.unmatched == 0);
}
