#include "engine/core/json_writer.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/text_encoding.hpp"

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

namespace {

// The escaping rules byte by byte, as append_json_string applied them before
// its word-at-a-time fast path: the reference the fast path must match.
std::string reference_json_string(std::string_view text) {
  std::string out = "\"";
  while (!text.empty()) {
    const auto bad = lusifer::find_invalid_utf8(text);
    const std::size_t good = bad ? *bad : text.size();
    for (std::size_t i = 0; i < good; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\b') {
        out += "\\b";
      } else if (c == '\f') {
        out += "\\f";
      } else if (c < 0x20) {
        constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
    }
    if (!bad)
      break;
    out += "\xef\xbf\xbd";
    text.remove_prefix(good + 1);
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("JSON string escaping matches the byte-by-byte rules at every offset", "[json]") {
  // Special bytes (escapes, DEL, UTF-8 of every length, bad bytes, a sequence
  // cut by the end) at every position of plain runs longer than two 16-byte
  // blocks, so the SSE2 blocks, the 8-byte words and the byte tail all meet one.
  const std::vector<std::string> specials = {"\"",
                                             "\\",
                                             "\n",
                                             "\x01",
                                             "\x1f",
                                             "\x7f",
                                             "\xc3\xa9",
                                             "\xe2\x82\xac",
                                             "\xf0\x9f\x98\x80",
                                             "\xe9",
                                             "\x80",
                                             "\xff",
                                             "\xed\xa0\x80",
                                             "\xe2\x82",
                                             " ",
                                             "~"};
  std::size_t checked = 0;
  for (std::size_t length = 0; length <= 40; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      for (const auto& special : specials) {
        std::string text(length, 'a');
        text.insert(at, special);
        std::string out;
        lusifer::append_json_string(out, text);
        INFO("length " << length << " at " << at << " special " << special);
        REQUIRE(out == reference_json_string(text));
        ++checked;
      }
    }
  }
  // Two specials in one word, and a long all-special run.
  std::string mixed = "abc\"de\\fgh\xc3\xa9ijklmnop\x02qrs\xe9tuvwxyz";
  std::string out;
  lusifer::append_json_string(out, mixed + mixed + std::string(40, '"'));
  CHECK(out == reference_json_string(mixed + mixed + std::string(40, '"')));
  CHECK(checked > 3000);
}
