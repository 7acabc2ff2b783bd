#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/csv_reader.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

std::vector<std::vector<std::string>> read_all(const std::string& content, char delimiter = ',',
                                               bool quoting = true) {
  testing::TempDir dir;
  const auto file = dir.write("f.csv", content);
  LineReader lines(file.string(), 16);  // a tiny block exercises the buffer refills
  CsvReader reader(lines, delimiter, quoting);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string_view> fields;
  while (reader.next(fields)) rows.emplace_back(fields.begin(), fields.end());
  return rows;
}

}  // namespace

TEST_CASE("CSV fields split on the delimiter, with LF or CRLF endings", "[csv]") {
  const auto lf = read_all("a,b,c\n1,2,3\n");
  const auto crlf = read_all("a,b,c\r\n1,2,3\r\n");
  CHECK(lf == crlf);
  REQUIRE(lf.size() == 2);
  CHECK(lf[1] == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("quoted fields hold commas, doubled quotes and line breaks", "[csv]") {
  const auto rows = read_all(
      "id,title\r\n"
      "11,\"American President, The (1995)\"\r\n"
      "12,\"Say \"\"Hi\"\"\"\r\n"
      "13,\"two\r\nlines\"\r\n"
      "14,\"\"\r\n");
  REQUIRE(rows.size() == 5);
  CHECK(rows[1][1] == "American President, The (1995)");
  CHECK(rows[2][1] == "Say \"Hi\"");
  CHECK(rows[3][1] == "two\nlines");
  CHECK(rows[4][1].empty());
}

TEST_CASE("empty fields and a trailing delimiter are kept", "[csv]") {
  const auto rows = read_all("a,,c,\n\"x\",\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::vector<std::string>{"a", "", "c", ""});
  CHECK(rows[1] == std::vector<std::string>{"x", ""});
}

TEST_CASE("the last line needs no terminator and a BOM is dropped", "[csv]") {
  const auto rows = read_all("\xef\xbb\xbfmovieId,title\n1,x");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "movieId");
  CHECK(rows[1][1] == "x");
}

TEST_CASE("a line longer than the read block is read whole", "[csv]") {
  const std::string long_field(1000, 'z');
  const auto rows = read_all("1," + long_field + "\n2,y\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][1] == long_field);
}

TEST_CASE("without quoting, quotes are ordinary characters", "[csv]") {
  const auto rows = read_all("1|\"Quoted\" title|x\n", '|', false);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][1] == "\"Quoted\" title");
}

TEST_CASE("an unterminated quote names the line where the field opened", "[csv]") {
  testing::TempDir dir;
  const auto file = dir.write("bad.csv", "a,b\n1,\"open\n2,x\n");
  LineReader lines(file.string());
  CsvReader reader(lines);
  std::vector<std::string_view> fields;
  REQUIRE(reader.next(fields));
  try {
    reader.next(fields);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()).find("closing quote") != std::string::npos);
  }
}

TEST_CASE("text after a closing quote is an error", "[csv]") {
  testing::TempDir dir;
  const auto file = dir.write("bad.csv", "1,\"abc\"def,3\n");
  LineReader lines(file.string());
  CsvReader reader(lines);
  std::vector<std::string_view> fields;
  CHECK_THROWS_WITH(reader.next(fields), Catch::Contains("bad.csv:1: expected ',' or the end of the line after a closing quote"));
}

TEST_CASE("a quote inside an unquoted field cannot stand in for a closing quote", "[csv]") {
  // Found by fuzz_movielens_loaders: the quote count is even, but "c never
  // closes. It used to loop forever.
  testing::TempDir dir;
  const auto file = dir.write("f.csv", "a,b\n,a\"b,\"c\n");
  LineReader lines(file.string(), 16);
  CsvReader reader(lines, ',', true);
  std::vector<std::string_view> fields;
  REQUIRE(reader.next(fields));
  try {
    reader.next(fields);
    FAIL("an unclosed quoted field was accepted");
  } catch (const InputError& e) {
    CHECK(e.line() == 2);
    CHECK_THAT(e.what(), Catch::Contains("closing quote"));
  }
}
