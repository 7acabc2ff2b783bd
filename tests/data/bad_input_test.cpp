// Every kind of bad input gets an error naming the file, the line, what was
// expected and what was found; lenient mode counts and skips instead.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/split.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;
namespace fs = std::filesystem;

namespace {

// A copy of a fixture directory that a test may damage.
struct DamagedCopy {
  testing::TempDir dir;
  explicit DamagedCopy(const char* fixture) {
    for (const auto& entry : fs::directory_iterator(testing::fixture(fixture))) {
      fs::copy_file(entry.path(), dir.path() / entry.path().filename());
    }
  }
  fs::path file(const char* name) const { return dir.path() / name; }
  void replace_line(const char* name, std::size_t line, const std::string& text) const {
    std::ifstream in(file(name), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    for (std::size_t l = 1; l < line; ++l) start = content.find('\n', start) + 1;
    const std::size_t end = content.find('\n', start);
    content.replace(start, end - start, text);
    dir.write(name, content);
  }
};

// Loads strictly and returns the error message; fails the test if none.
std::string load_error(const fs::path& dir) {
  InputDiagnostics strict;
  try {
    load_dataset(dir, strict);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return {};
}

}  // namespace

TEST_CASE("a line with the wrong number of fields names file, line and layout", "[bad-input]") {
  DamagedCopy copy("ml-100k-mini");
  copy.replace_line("u.data", 3, "1\t2\t3");
  CHECK(load_error(copy.dir.path()) ==
        copy.file("u.data").string() +
            ":3: expected 4 tab-separated fields (user id, item id, rating, timestamp), found 3 "
            "fields: \"1\\t2\\t3\"");
}

TEST_CASE("a rating off the scale is reported with the scale", "[bad-input]") {
  DamagedCopy copy("ml-latest-mini");
  copy.replace_line("ratings.csv", 4, "1,318,5.5,964982224\r");
  CHECK(load_error(copy.dir.path()) == copy.file("ratings.csv").string() +
                                           ":4: expected a rating from 0.5 to 5 in steps of 0.5, "
                                           "found \"5.5\"");
  copy.replace_line("ratings.csv", 4, "1,318,four,964982224\r");
  CHECK_THAT(load_error(copy.dir.path()), Catch::Contains("ratings.csv:4: expected a rating"));
}

TEST_CASE("a non-numeric id or timestamp is reported", "[bad-input]") {
  DamagedCopy copy("ml-1m-mini");
  copy.replace_line("ratings.dat", 2, "1::x3::3::978302109");
  CHECK(load_error(copy.dir.path()) ==
        copy.file("ratings.dat").string() + ":2: expected an integer movie id, found \"x3\"");
  copy.replace_line("ratings.dat", 2, "1::3::3::yesterday");
  CHECK_THAT(load_error(copy.dir.path()),
             Catch::Contains("ratings.dat:2: expected an integer timestamp (seconds since 1970), "
                             "found \"yesterday\""));
}

TEST_CASE("invalid UTF-8 in a UTF-8 file is a bad encoding", "[bad-input]") {
  DamagedCopy copy("ml-latest-mini");
  copy.replace_line("movies.csv", 2, "1,Toy Story \xe9 (1995),Adventure\r");
  CHECK_THAT(load_error(copy.dir.path()),
             Catch::Contains(copy.file("movies.csv").string() +
                             ":2: expected UTF-8 text, found the invalid byte 0xe9 at byte 11"));
}

TEST_CASE("control bytes in a latin-1 file are a bad encoding", "[bad-input]") {
  DamagedCopy copy("ml-100k-mini");
  copy.replace_line("u.item", 5,
                    "5|Heat\x01 (1995)|01-Jan-1995||http://x|0|1|0|0|0|0|1|0|0|0|0|0|0|0|0|0|1|0|0");
  CHECK_THAT(load_error(copy.dir.path()),
             Catch::Contains(copy.file("u.item").string() +
                             ":5: expected latin-1 text, found the control byte 0x01 at byte 5"));
}

TEST_CASE("a rating of an unknown item or user is reported", "[bad-input]") {
  DamagedCopy latest("ml-latest-mini");
  latest.replace_line("ratings.csv", 3, "1,99999,4.5,964981247\r");
  CHECK(load_error(latest.dir.path()) == latest.file("ratings.csv").string() +
                                             ":3: expected a movieId listed in movies.csv, found "
                                             "movie 99999");
  DamagedCopy ml100k("ml-100k-mini");
  ml100k.replace_line("u.data", 7, "77\t1\t3\t891717742");
  CHECK(load_error(ml100k.dir.path()) ==
        ml100k.file("u.data").string() + ":7: expected a user id listed in u.user, found user 77");
}

TEST_CASE("an unknown id in a split file names the split file and line", "[bad-input]") {
  InputDiagnostics strict;
  const Dataset d = load_dataset(testing::fixture("ml-100k-mini"), strict);
  DamagedCopy copy("ml-100k-mini");
  copy.replace_line("u1.test", 2, "99\t1\t3\t891717742");
  CHECK_THROWS_WITH(load_official_split(d, copy.dir.path(), "u1", strict),
                    copy.file("u1.test").string() +
                        ":2: expected a user id of the dataset, found user 99");
  copy.replace_line("u1.test", 2, "2\t1\t5\t891717742");
  CHECK_THROWS_WITH(load_official_split(d, copy.dir.path(), "u1", strict),
                    Catch::Contains("u1.test:2: expected a rating present in the dataset, found "
                                    "user 2 item 1 rating 5"));
}

TEST_CASE("a missing required file is named", "[bad-input]") {
  DamagedCopy copy("ml-100k-mini");
  fs::remove(copy.file("u.user"));
  CHECK(load_error(copy.dir.path()) ==
        copy.file("u.user").string() + ": expected a readable file, found No such file or directory");
}

TEST_CASE("an empty file is named with what it should hold", "[bad-input]") {
  DamagedCopy latest("ml-latest-mini");
  latest.dir.write("ratings.csv", "");
  CHECK(load_error(latest.dir.path()) ==
        latest.file("ratings.csv").string() +
            ": expected a header row 'userId,movieId,rating,timestamp', found an empty file");
  DamagedCopy ml100k("ml-100k-mini");
  ml100k.dir.write("u.data", "");
  CHECK_THAT(load_error(ml100k.dir.path()),
             Catch::Contains("u.data: expected rating lines") && Catch::Contains("found an empty file"));
  latest.dir.write("ratings.csv", "userId,movieId,rating,timestamp\n");
  CHECK(load_error(latest.dir.path()) == latest.file("ratings.csv").string() +
                                             ": expected at least one rating row, found only the "
                                             "header");
}

TEST_CASE("a wrong header is reported", "[bad-input]") {
  DamagedCopy copy("ml-latest-mini");
  copy.replace_line("movies.csv", 1, "id,title,genres\r");
  CHECK(load_error(copy.dir.path()) == copy.file("movies.csv").string() +
                                           ":1: expected the header 'movieId,title,genres', found "
                                           "\"id,title,genres\"");
}

TEST_CASE("a directory without a dataset is reported", "[bad-input]") {
  testing::TempDir empty;
  CHECK_THAT(load_error(empty.path()), Catch::Contains("expected a MovieLens dataset"));
  CHECK_THAT(load_error(empty.path() / "nope"),
             Catch::Contains("expected a dataset directory, found nothing (no such directory)"));
}

TEST_CASE("duplicate ids are reported", "[bad-input]") {
  DamagedCopy copy("ml-1m-mini");
  copy.replace_line("movies.dat", 3, "1::Toy Story again (1995)::Comedy");
  CHECK(load_error(copy.dir.path()) ==
        copy.file("movies.dat").string() + ":3: expected a movie id not seen before, found movie 1 again");
}

TEST_CASE("lenient mode skips bad lines, counts them per file and goes on", "[bad-input]") {
  DamagedCopy copy("ml-latest-mini");
  copy.replace_line("ratings.csv", 3, "1,99999,4.5,964981247\r");
  copy.replace_line("ratings.csv", 5, "garbage\r");
  copy.replace_line("tags.csv", 2, "2,318\r");
  InputDiagnostics lenient(true);
  const Dataset d = load_dataset(copy.dir.path(), lenient);
  CHECK(d.ratings().size() == 8);
  CHECK(lenient.skipped_lines() == 3);
  REQUIRE(lenient.skipped_by_file().size() == 2);
  CHECK(lenient.skipped_by_file()[0].file == copy.file("ratings.csv").string());
  CHECK(lenient.skipped_by_file()[0].skipped_lines == 2);
  CHECK(lenient.skipped_by_file()[1].skipped_lines == 1);
  REQUIRE(lenient.samples().size() == 3);
  CHECK_THAT(lenient.samples()[1], Catch::Contains("ratings.csv:5: expected 4 comma-separated fields"));
}

TEST_CASE("lenient mode still fails on a missing or empty required file", "[bad-input]") {
  DamagedCopy copy("ml-latest-mini");
  copy.dir.write("movies.csv", "");
  InputDiagnostics lenient(true);
  CHECK_THROWS_AS(load_dataset(copy.dir.path(), lenient), InputError);
}
