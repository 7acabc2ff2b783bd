#include "engine/agents/seen_items.hpp"

#include <catch2/catch.hpp>

using lusifer::ItemMask;
using lusifer::SeenItems;

TEST_CASE("SeenItems keeps one bitset row per user", "[agents][seen]") {
  SeenItems seen(3, 130);
  CHECK(seen.words_per_user() == 3);
  CHECK(seen.memory_bytes() == 3 * 3 * 8);
  seen.insert(1, 0);
  seen.insert(1, 63);
  seen.insert(1, 64);
  seen.insert(1, 129);
  CHECK(seen.contains(1, 0));
  CHECK(seen.contains(1, 63));
  CHECK(seen.contains(1, 64));
  CHECK(seen.contains(1, 129));
  CHECK_FALSE(seen.contains(1, 1));
  CHECK_FALSE(seen.contains(1, 128));
  // Neighbouring rows are untouched.
  for (lusifer::ItemIndex i = 0; i < 130; ++i) {
    CHECK_FALSE(seen.contains(0, i));
    CHECK_FALSE(seen.contains(2, i));
  }
  CHECK(seen.count(1) == 4);
  seen.insert(1, 64);  // again
  CHECK(seen.count(1) == 4);
  CHECK(seen.count(0) == 0);
}

TEST_CASE("ItemMask copies a row, grows, counts and finds absent items", "[agents][seen]") {
  SeenItems seen(2, 70);
  seen.insert(0, 3);
  seen.insert(0, 69);
  ItemMask mask(70);
  mask.assign(seen.row(0));
  CHECK(mask.contains(3));
  CHECK(mask.contains(69));
  CHECK(mask.size() == 2);
  mask.insert(0);
  CHECK(mask.size() == 3);
  // Absent items in ascending order: 1, 2, 4, 5, ..., 68.
  CHECK(mask.nth_absent(0) == 1);
  CHECK(mask.nth_absent(1) == 2);
  CHECK(mask.nth_absent(2) == 4);
  CHECK(mask.nth_absent(66) == 68);
  mask.clear();
  CHECK(mask.size() == 0);
  CHECK(mask.nth_absent(69) == 69);
  // The shared row was not changed through the mask.
  CHECK_FALSE(seen.contains(0, 0));
}

TEST_CASE("ItemMask ignores the padding bits past the last item", "[agents][seen]") {
  ItemMask mask(65);
  for (lusifer::ItemIndex i = 0; i < 64; ++i)
    mask.insert(i);
  CHECK(mask.size() == 64);
  CHECK(mask.nth_absent(0) == 64);
}
