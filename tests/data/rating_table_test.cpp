#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/data/dataset.hpp"

using namespace lusifer;

namespace {

struct Row {
  ItemIndex item;
  float value;
  std::int64_t timestamp;
};

// One user rating `rows` in order, over a catalog of `items` items.
Dataset dataset_of(std::size_t items, const std::vector<Row>& rows) {
  DatasetBuilder b(DatasetFormat::kMovieLensLatest, "test", RatingScale{0.5f, 5.0f, 0.5f});
  b.add_user(1);
  for (std::size_t i = 0; i < items; ++i) {
    Item item;
    item.id = static_cast<ExternalId>(i);
    b.add_item(std::move(item));
  }
  for (const Row& r : rows)
    b.add_rating(0, r.item, r.value, r.timestamp);
  return b.finish();
}

void check_reads_back(const Dataset& d, const std::vector<Row>& rows) {
  const RatingTable& t = d.ratings();
  REQUIRE(t.size() == rows.size());
  for (RatingIndex i = 0; i < rows.size(); ++i) {
    CHECK(t.user(i) == 0);
    CHECK(t.item(i) == rows[i].item);
    CHECK(std::bit_cast<std::uint32_t>(t.value(i)) == std::bit_cast<std::uint32_t>(rows[i].value));
    CHECK(t.timestamp(i) == rows[i].timestamp);
  }
}

}  // namespace

TEST_CASE("narrow columns read back exactly", "[rating-table]") {
  const std::vector<Row> rows = {{3, 4.5f, 978'300'760},
                                 {0, 1.0f, 978'300'000},
                                 {2, 4.5f, 1'600'000'000},
                                 {1, 0.5f, 978'300'760}};
  const Dataset d = dataset_of(4, rows);
  check_reads_back(d, rows);
  // 4 (user) + 2 (item) + 1 (value code) + 4 (time offset) bytes a rating,
  // and the table of three distinct values.
  CHECK(d.ratings().memory_bytes() == rows.size() * 11 + 3 * sizeof(float));
}

TEST_CASE("columns whose values do not fit stay wide and read back exactly", "[rating-table]") {
  std::vector<Row> rows;
  // 70,000 items: past 16-bit indices.
  // 300 distinct values: past a byte's codes; -0 and 0 are distinct values.
  // Times from before 1970 to far past 2106: more than 2^32 seconds apart.
  constexpr std::size_t kItems = 70'000;
  for (std::size_t i = 0; i < 300; ++i)
    rows.push_back({static_cast<ItemIndex>(i * 233 % kItems), static_cast<float>(i) / 7.0f,
                    static_cast<std::int64_t>(i) * 40'000'000 - 1'000'000'000});
  rows.push_back({kItems - 1, -0.0f, std::numeric_limits<std::int64_t>::max()});
  rows.push_back({0, 0.0f, std::numeric_limits<std::int64_t>::min()});
  const Dataset d = dataset_of(kItems, rows);
  check_reads_back(d, rows);
  CHECK(d.ratings().memory_bytes() == rows.size() * 20);
}

TEST_CASE("each column is narrowed on its own", "[rating-table]") {
  // Items and values fit; the times span the whole int64 range.
  const std::vector<Row> rows = {{1, -0.0f, std::numeric_limits<std::int64_t>::min()},
                                 {0, 0.0f, std::numeric_limits<std::int64_t>::max()},
                                 {1, 3.0f, 0}};
  const Dataset d = dataset_of(2, rows);
  check_reads_back(d, rows);
  CHECK(d.ratings().memory_bytes() == rows.size() * (4 + 2 + 1 + 8) + 3 * sizeof(float));
}

TEST_CASE("histories order a user's ratings by time from the narrow column", "[rating-table]") {
  const std::vector<Row> rows = {{0, 3.0f, 200}, {1, 4.0f, 100}, {2, 5.0f, 200}, {3, 2.0f, 50}};
  const Dataset d = dataset_of(4, rows);
  const auto history = d.histories().of(0);
  // By time; equal times keep file order.
  CHECK(std::vector<RatingIndex>(history.begin(), history.end()) ==
        std::vector<RatingIndex>{3, 1, 0, 2});
}
