#include "engine/config/closest_name.hpp"

#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

using namespace lusifer;

TEST_CASE("edit distance counts insertions, deletions, substitutions and swaps", "[config]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("model", "model") == 0);
  CHECK(edit_distance("modle", "model") == 1);  // one swap
  CHECK(edit_distance("mode", "model") == 1);
  CHECK(edit_distance("modela", "model") == 1);
  CHECK(edit_distance("madel", "model") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("closest_name suggests a likely typo and nothing else", "[config]") {
  const std::vector<std::string_view> keys = {"backend", "base_url", "model", "timeout"};
  CHECK(closest_name("modle", keys) == std::optional<std::string_view>("model"));
  CHECK(closest_name("backnd", keys) == std::optional<std::string_view>("backend"));
  CHECK(closest_name("timout", keys) == std::optional<std::string_view>("timeout"));
  CHECK_FALSE(closest_name("temperature", keys).has_value());
  CHECK_FALSE(closest_name("model", keys).has_value());  // not a typo
  const std::vector<std::string_view> short_names = {"a", "b"};
  CHECK_FALSE(closest_name("c", short_names).has_value());  // replacing everything is no typo
}
