#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"

using namespace lusifer;

TEST_CASE("InputError names file, line, expectation and finding", "[errors]") {
  const InputError e("data/u.data", 17, "4 fields", "3 fields");
  CHECK(std::string(e.what()) == "data/u.data:17: expected 4 fields, found 3 fields");
  CHECK(e.file() == "data/u.data");
  CHECK(e.line() == 17);
  const InputError whole("data/u.item", 0, "a readable file", "No such file or directory");
  CHECK(std::string(whole.what()) == "data/u.item: expected a readable file, found No such file or directory");
}

TEST_CASE("quote_excerpt escapes control bytes and cuts long text", "[errors]") {
  CHECK(quote_excerpt("a\tb\"c") == "\"a\\tb\\\"c\"");
  CHECK(quote_excerpt("\x01") == "\"\\x01\"");
  CHECK(quote_excerpt(std::string(100, 'x'), 5) == "\"xxxxx\"...");
}

TEST_CASE("strict diagnostics throw the first problem", "[errors]") {
  InputDiagnostics strict;
  CHECK_THROWS_AS(strict.report(InputError("f", 1, "x", "y")), InputError);
}

TEST_CASE("lenient diagnostics count per file and keep samples", "[errors]") {
  InputDiagnostics lenient(true);
  lenient.report(InputError("a.csv", 2, "x", "y"));
  lenient.report(InputError("b.csv", 3, "x", "y"));
  lenient.report(InputError("a.csv", 9, "x", "y"));
  CHECK(lenient.skipped_lines() == 3);
  REQUIRE(lenient.skipped_by_file().size() == 2);
  CHECK(lenient.skipped_by_file()[0].file == "a.csv");
  CHECK(lenient.skipped_by_file()[0].skipped_lines == 2);
  CHECK(lenient.skipped_by_file()[1].skipped_lines == 1);
  REQUIRE(lenient.samples().size() == 3);
  CHECK(lenient.samples()[2] == "a.csv:9: expected x, found y");
}
