#include <catch2/catch.hpp>

#include "engine/data/dataset.hpp"

using lusifer::IdIndex;

TEST_CASE("IdIndex numbers ids densely in insertion order, small or large", "[id-index]") {
  IdIndex index;
  CHECK(index.insert(5) == 0);
  CHECK(index.insert(IdIndex::kDirectLimit + 7) == 1);  // beyond the direct table
  CHECK(index.insert(-3) == 2);                         // negative ids are ids too
  CHECK(index.insert(0) == 3);
  CHECK(index.insert(5) == 0);                          // an existing id keeps its index
  CHECK(index.size() == 4);
  CHECK(index.find(5) == 0u);
  CHECK(index.find(IdIndex::kDirectLimit + 7) == 1u);
  CHECK(index.find(-3) == 2u);
  CHECK(index.find(0) == 3u);
  CHECK_FALSE(index.find(4).has_value());
  CHECK_FALSE(index.find(1'000'000).has_value());
  CHECK_FALSE(index.find(IdIndex::kDirectLimit).has_value());
}
