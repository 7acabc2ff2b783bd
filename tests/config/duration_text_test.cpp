#include "engine/config/duration_text.hpp"

#include <chrono>

#include <catch2/catch.hpp>

using namespace lusifer;
using namespace std::chrono_literals;

TEST_CASE("durations are read with their unit", "[config]") {
  CHECK(parse_duration("250ms") == std::optional<std::chrono::nanoseconds>(250ms));
  CHECK(parse_duration("2s") == std::optional<std::chrono::nanoseconds>(2s));
  CHECK(parse_duration("1m") == std::optional<std::chrono::nanoseconds>(1min));
  CHECK(parse_duration("2h") == std::optional<std::chrono::nanoseconds>(2h));
  CHECK(parse_duration("1m30s") == std::optional<std::chrono::nanoseconds>(90s));
  CHECK(parse_duration("1.5s") == std::optional<std::chrono::nanoseconds>(1500ms));
  CHECK(parse_duration("0.1s") == std::optional<std::chrono::nanoseconds>(100ms));
  CHECK(parse_duration("750us") == std::optional<std::chrono::nanoseconds>(750us));
  CHECK(parse_duration("12ns") == std::optional<std::chrono::nanoseconds>(12ns));
  CHECK(parse_duration("0s") == std::optional<std::chrono::nanoseconds>(0ns));
}

TEST_CASE("text that is not a duration is rejected", "[config]") {
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("250"));       // no unit
  CHECK_FALSE(parse_duration("ms"));        // no number
  CHECK_FALSE(parse_duration("-1s"));       // negative
  CHECK_FALSE(parse_duration("1 s"));       // space
  CHECK_FALSE(parse_duration("1.s"));       // empty fraction
  CHECK_FALSE(parse_duration(".5s"));       // no whole part
  CHECK_FALSE(parse_duration("5days"));     // unknown unit
  CHECK_FALSE(parse_duration("5S"));        // units are lower case
  CHECK_FALSE(parse_duration("1s2"));       // trailing number without unit
  CHECK_FALSE(parse_duration("3000000h"));  // beyond 292 years
  CHECK_FALSE(parse_duration("99999999999999999999ns"));
}

TEST_CASE("format_duration writes text that reads back exactly", "[config]") {
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(1500ms) == "1s500ms");
  CHECK(format_duration(0ns) == "0s");
  for (const std::chrono::nanoseconds d :
       {std::chrono::nanoseconds(3723004005006), std::chrono::nanoseconds(1),
        std::chrono::nanoseconds(3600000000000)}) {
    CHECK(parse_duration(format_duration(d)) == std::optional<std::chrono::nanoseconds>(d));
  }
}
