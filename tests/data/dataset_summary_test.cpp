#include <catch2/catch.hpp>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/dataset_summary.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

TEST_CASE("the summary counts, histograms and spans the dataset", "[summary]") {
  InputDiagnostics strict;
  const Dataset d = load_dataset(testing::fixture("ml-latest-mini"), strict);
  const DatasetSummary s = summarize(d);
  CHECK(s.users == 3);
  CHECK(s.items == 7);
  CHECK(s.items_with_ratings == 7);
  CHECK(s.ratings == 10);
  CHECK(s.sparsity == Approx(1.0 - 10.0 / 21.0));
  REQUIRE(s.histogram.size() == 10);
  CHECK(s.histogram[0] == std::pair<float, std::size_t>{0.5f, 1});
  CHECK(s.histogram[9] == std::pair<float, std::size_t>{5.0f, 2});
  CHECK(s.ratings_per_user.min == 3);
  CHECK(s.ratings_per_user.max == 4);
  CHECK(s.ratings_per_user.p50 == 3);
  CHECK(s.first_timestamp == 964981247);
  CHECK(s.last_timestamp == 1445715000);
  CHECK(s.tag_applications == 5);
  const std::string json = render_summary_json(s);
  CHECK_THAT(json, Catch::Contains("\"ratings\":10"));
  CHECK_THAT(render_summary_text(s), Catch::Contains("1995-") || Catch::Contains("2000-"));
}
