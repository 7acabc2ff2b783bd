#include <catch2/catch.hpp>

#include "engine/cache/response_cache.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

const std::string kKeyA(64, 'a');
const std::string kKeyB = std::string(63, 'b') + "c";

CachedResponse response(const std::string& body) {
  return CachedResponse{body, "gpt-4o-mini", 120, 30, 64};
}

}  // namespace

TEST_CASE("a committed entry survives reopening", "[cache]") {
  testing::TempDir dir;
  const auto file = dir.path() / "cache.sqlite";
  {
    ResponseCache cache(file, CacheMode::kReadWrite);
    CHECK_FALSE(cache.may_contain(kKeyA));
    cache.put(kKeyA, "https://api.openai.com/v1", response("{\"a\":1}"));
    CHECK(cache.pending() == 1);
    CHECK(cache.find(kKeyA)->body == "{\"a\":1}");  // served before the commit too
    CHECK(cache.commit() == 1);
    CHECK(cache.pending() == 0);
  }
  ResponseCache reopened(file, CacheMode::kReadWrite);
  CHECK(reopened.size() == 1);
  REQUIRE(reopened.may_contain(kKeyA));
  const auto hit = reopened.find(kKeyA);
  REQUIRE(hit.has_value());
  CHECK(hit->body == "{\"a\":1}");
  CHECK(hit->model == "gpt-4o-mini");
  CHECK(hit->prompt_tokens == 120);
  CHECK(hit->completion_tokens == 30);
  CHECK(hit->cached_tokens == 64);
  CHECK_FALSE(reopened.find(kKeyB).has_value());
}

TEST_CASE("replay-only reads but never writes", "[cache]") {
  testing::TempDir dir;
  const auto file = dir.path() / "cache.sqlite";
  {
    ResponseCache cache(file, CacheMode::kReadWrite);
    cache.put(kKeyA, "e", response("x"));
    cache.commit();
  }
  ResponseCache replay(file, CacheMode::kReplayOnly);
  CHECK(replay.find(kKeyA)->body == "x");
  replay.put(kKeyB, "e", response("y"));
  CHECK(replay.pending() == 0);
  CHECK_FALSE(replay.find(kKeyB).has_value());
}

TEST_CASE("replay-only without a recorded cache is an error naming the file", "[cache]") {
  testing::TempDir dir;
  const auto file = dir.path() / "missing.sqlite";
  CHECK_THROWS_WITH(ResponseCache(file, CacheMode::kReplayOnly),
                    Catch::Contains(file.string()) && Catch::Contains("replay-only"));
}

TEST_CASE("mode off touches no file", "[cache]") {
  testing::TempDir dir;
  const auto file = dir.path() / "cache.sqlite";
  ResponseCache cache(file, CacheMode::kOff);
  cache.put(kKeyA, "e", response("x"));
  CHECK(cache.commit() == 0);
  CHECK_FALSE(cache.find(kKeyA).has_value());
  CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("cache modes parse by name", "[cache]") {
  CHECK(parse_cache_mode("replay-only") == CacheMode::kReplayOnly);
  CHECK(cache_mode_name(CacheMode::kReadWrite) == "read-write");
  CHECK_THROWS_WITH(parse_cache_mode("on"), Catch::Contains("expected off, read-write or replay-only"));
}

TEST_CASE("a file that is not a cache is refused", "[cache]") {
  testing::TempDir dir;
  const auto file = dir.write("not-a-cache.sqlite", "this is not a database");
  CHECK_THROWS_WITH(ResponseCache(file, CacheMode::kReadWrite), Catch::Contains("not-a-cache.sqlite"));
}
