#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/core/json_writer.hpp"

using lusifer::JsonWriter;

TEST_CASE("JsonWriter places commas and nests containers", "[json]") {
  std::string out;
  JsonWriter json(out);
  json.begin_object()
      .field("a", 1)
      .field("b", "x")
      .key("c")
      .begin_array()
      .value(true)
      .null()
      .value(2.5)
      .begin_object()
      .end_object()
      .end_array()
      .field("d", std::uint64_t{18446744073709551615ULL})
      .end_object();
  CHECK(out == R"({"a":1,"b":"x","c":[true,null,2.5,{}],"d":18446744073709551615})");
}

TEST_CASE("JSON strings are escaped per RFC 8259", "[json]") {
  std::string out;
  lusifer::append_json_string(out, "q\"b\\n\n\t\x01 é");
  CHECK(out == "\"q\\\"b\\\\n\\n\\t\\u0001 é\"");
}

TEST_CASE("invalid UTF-8 is replaced so the output stays valid JSON", "[json]") {
  std::string out;
  lusifer::append_json_string(out, "a\xe9z");
  CHECK(out == "\"a\xef\xbf\xbdz\"");
}

TEST_CASE("non-finite numbers are written as null", "[json]") {
  std::string out;
  JsonWriter json(out);
  json.begin_array().value(std::numeric_limits<double>::quiet_NaN()).value(INFINITY).end_array();
  CHECK(out == "[null,null]");
}
