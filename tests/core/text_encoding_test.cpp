#include <catch2/catch.hpp>

#include "engine/core/text_encoding.hpp"

using namespace lusifer;

TEST_CASE("find_invalid_utf8 accepts valid text and finds the first bad byte", "[encoding]") {
  CHECK_FALSE(find_invalid_utf8("plain ascii").has_value());
  CHECK_FALSE(find_invalid_utf8("Mis\xc3\xa9rables \xe2\x82\xac \xf0\x9f\x8e\xac").has_value());
  CHECK(find_invalid_utf8("Mis\xe9rables") == 3u);           // latin-1 é
  CHECK(find_invalid_utf8("\xc0\xaf") == 0u);                  // overlong '/'
  CHECK(find_invalid_utf8("ab\xed\xa0\x80") == 2u);            // a surrogate
  CHECK(find_invalid_utf8("\xf4\x90\x80\x80") == 0u);          // above U+10FFFF
  CHECK(find_invalid_utf8("ok\xe2\x82") == 2u);                // truncated at the end
}

TEST_CASE("latin-1 converts to UTF-8", "[encoding]") {
  std::string out;
  append_latin1_as_utf8("Mis\xe9rables, Les (1995) \xc1", out);
  CHECK(out == "Mis\xc3\xa9rables, Les (1995) \xc3\x81");
}

TEST_CASE("control bytes are not latin-1 text", "[encoding]") {
  CHECK_FALSE(find_non_latin1_text("Caf\xe9 au Lait\tx").has_value());
  CHECK(find_non_latin1_text("ab\x01") == 2u);
  CHECK(find_non_latin1_text("ab\x85") == 2u);  // C1 control (Windows-1252's ellipsis)
}

TEST_CASE("multi-byte UTF-8 is recognised in a file declared latin-1", "[encoding]") {
  CHECK(looks_like_multibyte_utf8("Mis\xc3\xa9rables"));
  CHECK_FALSE(looks_like_multibyte_utf8("Mis\xe9rables"));
  CHECK_FALSE(looks_like_multibyte_utf8("ascii only"));
}
