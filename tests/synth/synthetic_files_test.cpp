#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/data/item_text_loader.hpp"
#include "engine/data/synthetic_world.hpp"
#include "tests/support/test_support.hpp"
#include "tests/synth/synth_test_helpers.hpp"

using namespace lusifer;
using lusifer::testing::pearson;
using lusifer::testing::TempDir;

namespace {

const std::vector<std::string> kFiles = {"ratings.csv",     "movies.csv",      "tags.csv",
                                         "users.csv",       "overviews.csv",   "truth/users.csv",
                                         "truth/items.csv", "truth/world.json"};

SyntheticWorldOptions small_options() {
  SyntheticWorldOptions o;
  o.users = 400;
  o.items = 300;
  o.mean_ratings_per_user = 40;
  o.seed = 2024;
  o.chunk_users = 64;  // several chunks, so the ordering of chunks is exercised
  return o;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

void replace_in_file(const std::filesystem::path& path, const std::string& from,
                     const std::string& to) {
  std::string text = read_file(path);
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("the same seed writes byte-identical files, whatever the threads and chunks",
          "[synth][files]") {
  TempDir dir;
  auto options = small_options();
  options.threads = 1;
  const auto report = generate_synthetic_world(options, dir.path() / "a");
  CHECK(report.threads == 1);
  options.threads = 3;
  options.chunk_users = 7;
  generate_synthetic_world(options, dir.path() / "b");
  options.threads = 2;
  options.chunk_users = 100000;  // one chunk
  generate_synthetic_world(options, dir.path() / "c");
  for (const auto& name : kFiles) {
    INFO(name);
    const std::string a = read_file(dir.path() / "a" / name);
    CHECK(a.size() > 100);
    CHECK(a == read_file(dir.path() / "b" / name));
    CHECK(a == read_file(dir.path() / "c" / name));
  }

  options.seed += 1;
  generate_synthetic_world(options, dir.path() / "d");
  for (const auto& name : {"ratings.csv", "movies.csv", "users.csv", "truth/users.csv"}) {
    INFO(name);
    CHECK(read_file(dir.path() / "a" / name) != read_file(dir.path() / "d" / name));
  }
}

TEST_CASE("the written world loads as a MovieLens latest dataset with the promised content",
          "[synth][files]") {
  TempDir dir;
  const auto options = small_options();
  const SyntheticWorld world(options);
  const SyntheticWorldReport report = world.write(dir.path());
  InputDiagnostics diagnostics;
  Dataset data = load_dataset(dir.path(), diagnostics);

  CHECK(data.format() == DatasetFormat::kMovieLensLatest);
  REQUIRE(data.user_count() == 400);
  REQUIRE(data.catalog().size() == 300);
  CHECK(data.ratings().size() == report.counts.ratings);
  CHECK(data.tag_applications() == report.counts.tag_applications);
  CHECK(report.counts.tag_applications > 0);
  CHECK(report.files.size() == kFiles.size());
  for (const auto& file : report.files) {
    CHECK(std::filesystem::file_size(dir.path() / file.name) == file.bytes);
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    CHECK(entry.path().extension() != ".partial");
  }

  // Ratings: on the half-star scale, at least the minimum per user, the
  // histogram and mean the report gives.
  double sum = 0.0;
  for (RatingIndex r = 0; r < data.ratings().size(); ++r) {
    const float v = data.ratings().value(r);
    REQUIRE(data.scale().contains(v));
    sum += v;
  }
  CHECK(sum / static_cast<double>(data.ratings().size()) == Approx(report.mean_rating));
  for (UserIndex u = 0; u < data.user_count(); ++u) {
    CHECK(data.histories().of(u).size() >= options.min_ratings_per_user);
  }

  // Users carry the generator's demographics.
  SyntheticUser user;
  for (UserIndex u = 0; u < data.user_count(); ++u) {
    world.generate_user(data.user(u).id, user);
    const auto loaded = data.demographics(u);
    REQUIRE(loaded.has_value());
    CHECK(loaded->gender == user.gender);
    CHECK(loaded->age == user.age);
    CHECK(loaded->age_group.empty());
    CHECK(loaded->occupation == user.occupation);
    CHECK(loaded->zip_code.empty());
    CHECK(data.histories().of(u).size() == user.ratings.size());
  }

  // Titles: unique, and exactly the generator's, commas, quotes and UTF-8 included.
  std::unordered_set<std::string> titles;
  std::size_t quoted = 0, with_comma = 0;
  for (ItemIndex i = 0; i < data.catalog().size(); ++i) {
    const Item& item = data.catalog().item(i);
    const SyntheticItem& made = world.items()[static_cast<std::size_t>(item.id - 1)];
    CHECK(titles.insert(item.title).second);
    CHECK(item.title == made.title);
    CHECK(item.year == made.year);
    CHECK(data.catalog().genres_of(item).size() == made.truth.genres.size());
    quoted += item.title.find('"') != std::string::npos;
    with_comma += item.title.find(',') != std::string::npos;
  }
  CHECK(quoted > 0);
  CHECK(with_comma > 0);
  CHECK(data.catalog().genre_names().size() == 18);

  // Tags aggregate: some items were tagged with the same keyword by several users.
  std::size_t repeated = 0;
  for (const Item& item : data.catalog().items()) {
    for (const auto& tag : item.tags)
      repeated += tag.count > 1;
  }
  CHECK(repeated > 0);

  // Overviews join by movieId, one per item.
  const ItemTextReport joined = join_item_text(
      data, ItemTextSource{dir.path() / "overviews.csv", {}, {}, false}, diagnostics);
  CHECK(joined.joined == 300);
  CHECK(joined.unmatched == 0);
  for (ItemIndex i = 0; i < data.catalog().size(); ++i) {
    const Item& item = data.catalog().item(i);
    CHECK(item.text == world.items()[static_cast<std::size_t>(item.id - 1)].overview);
  }
}

TEST_CASE("ratings.csv is ordered by user, then movie, as MovieLens orders it", "[synth][files]") {
  TempDir dir;
  generate_synthetic_world(small_options(), dir.path());
  std::istringstream lines(read_file(dir.path() / "ratings.csv"));
  std::string line;
  std::getline(lines, line);
  CHECK(line == "userId,movieId,rating,timestamp");
  long long last_user = 0, last_movie = 0;
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    long long user = 0, movie = 0;
    REQUIRE(std::sscanf(line.c_str(), "%lld,%lld,", &user, &movie) == 2);
    REQUIRE((user > last_user || (user == last_user && movie > last_movie)));
    last_user = user;
    last_movie = movie;
    ++rows;
  }
  CHECK(rows > 400 * 20);
}

TEST_CASE("the ground truth loads back and explains the ratings", "[synth][files]") {
  TempDir dir;
  const auto options = small_options();
  const SyntheticWorld world(options);
  world.write(dir.path());
  const WorldTruth truth = load_world_truth(dir.path());
  CHECK(truth.version() == kSyntheticWorldVersion);
  CHECK(truth.options().seed == options.seed);
  CHECK(truth.options().global_mean == options.global_mean);
  CHECK(truth.options().drift_strength == options.drift_strength);
  REQUIRE(truth.user_count() == 400);
  REQUIRE(truth.item_count() == 300);
  REQUIRE(truth.genres().size() == 18);
  CHECK(truth.genres()[0] == "Action");
  CHECK(load_world_truth(dir.path() / "truth").user_count() == 400);

  // Bit for bit the parameters that generated the data.
  SyntheticUser user;
  for (ExternalId id = 1; id <= 400; ++id) {
    world.generate_user(id, user);
    const UserTruth loaded = truth.user(id);
    REQUIRE(loaded.bias == user.bias);
    REQUIRE(loaded.noise == user.noise);
    REQUIRE(loaded.half_star_share == user.half_star_share);
    REQUIRE(loaded.first_timestamp == user.first_timestamp);
    REQUIRE(loaded.last_timestamp == user.last_timestamp);
    REQUIRE(std::equal(loaded.genre_end.begin(), loaded.genre_end.end(), user.genre_end.begin(),
                       user.genre_end.end()));
    REQUIRE(std::equal(loaded.keyword_start.begin(), loaded.keyword_start.end(),
                       user.keyword_start.begin(), user.keyword_start.end()));
  }
  for (const SyntheticItem& made : world.items()) {
    const ItemTruth& loaded = truth.item(made.truth.id);
    REQUIRE(loaded.quality == made.truth.quality);
    REQUIRE(loaded.log_popularity == made.truth.log_popularity);
    REQUIRE(std::equal(loaded.genres.begin(), loaded.genres.end(), made.truth.genres.begin(),
                       made.truth.genres.end()));
    REQUIRE(std::equal(loaded.keywords.begin(), loaded.keywords.end(), made.truth.keywords.begin(),
                       made.truth.keywords.end()));
  }
  CHECK_THROWS_AS(truth.user(401), std::out_of_range);
  CHECK_THROWS_AS(truth.item(0), std::out_of_range);

  // The expected ratings of the loaded dataset's ratings track them closely,
  // and late ratings follow the end tastes better than the start tastes.
  InputDiagnostics diagnostics;
  const Dataset data = load_dataset(dir.path(), diagnostics);
  std::vector<double> observed, expected, late, late_start, late_end;
  for (UserIndex u = 0; u < data.user_count(); ++u) {
    const ExternalId user_id = data.user(u).id;
    const auto history = data.histories().of(u);
    for (std::size_t k = 0; k < history.size(); ++k) {
      const RatingIndex r = history[k];
      const ExternalId item_id = data.catalog().item(data.ratings().item(r)).id;
      observed.push_back(data.ratings().value(r));
      expected.push_back(truth.expected_rating(user_id, item_id, data.ratings().timestamp(r)));
      if (4 * k >= 3 * history.size()) {
        late.push_back(data.ratings().value(r));
        late_start.push_back(truth.expected_rating_at(user_id, item_id, 0.0));
        late_end.push_back(truth.expected_rating_at(user_id, item_id, 1.0));
      }
    }
  }
  CHECK(pearson(observed, expected) > 0.6);
  CHECK(pearson(late, late_end) > pearson(late, late_start));
}

TEST_CASE("a non-empty directory is kept unless overwriting is asked for", "[synth][files]") {
  TempDir dir;
  auto options = small_options();
  options.users = 50;
  dir.write("notes.txt", "mine");
  CHECK_THROWS_WITH(generate_synthetic_world(options, dir.path()), Catch::Contains("not empty"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "ratings.csv"));

  generate_synthetic_world(options, dir.path(), /*overwrite=*/true);
  options.seed = 5;
  generate_synthetic_world(options, dir.path(), /*overwrite=*/true);
  CHECK(read_file(dir.path() / "notes.txt") == "mine");
  CHECK(load_world_truth(dir.path()).options().seed == 5);

  const auto file = dir.write("a-file", "x");
  CHECK_THROWS(generate_synthetic_world(options, file, true));
}

TEST_CASE("damaged truth files are reported with file and line", "[synth][files]") {
  TempDir dir;
  auto options = small_options();
  options.users = 30;
  generate_synthetic_world(options, dir.path());
  const auto truth_dir = dir.path() / "truth";

  SECTION("a taste vector too short") {
    std::string users = read_file(truth_dir / "users.csv");
    const auto row = users.find("\n3,");
    REQUIRE(row != std::string::npos);
    // Drops the last keyword taste of user 3.
    const auto end = users.find('\n', row + 1);
    const auto last_space = users.rfind(' ', end);
    users.erase(last_space, end - last_space);
    std::ofstream(truth_dir / "users.csv", std::ios::binary) << users;
    try {
      load_world_truth(dir.path());
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.file().ends_with("users.csv"));
      CHECK(e.line() == 4);
      CHECK_THAT(e.expected(), Catch::Contains("keyword_end"));
    }
  }
  SECTION("a taste out of range") {
    std::string users = read_file(truth_dir / "users.csv");
    std::size_t at = users.find("\n2,");
    REQUIRE(at != std::string::npos);
    for (int comma = 0; comma < 7; ++comma)
      at = users.find(',', at + 1);
    const auto first_taste_end = users.find(' ', at);
    users.replace(at + 1, first_taste_end - at - 1, "31.000");
    std::ofstream(truth_dir / "users.csv", std::ios::binary) << users;
    try {
      load_world_truth(dir.path());
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.line() == 3);
      CHECK(e.found() == "\"31.000\"");
    }
  }
  SECTION("an unknown keyword") {
    replace_in_file(truth_dir / "items.csv", "\n2,", "\n2,0.000,0.000,Drama,no such theme\n99,");
    CHECK_THROWS_AS(load_world_truth(dir.path()), InputError);
  }
  SECTION("another generator version") {
    replace_in_file(truth_dir / "world.json", "\"version\": 1", "\"version\": 99");
    try {
      load_world_truth(dir.path());
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.file().ends_with("world.json"));
      CHECK(e.found() == "99");
    }
  }
  SECTION("a missing option") {
    replace_in_file(truth_dir / "world.json", "\"drift_strength\"", "\"drift_strenth\"");
    CHECK_THROWS_WITH(load_world_truth(dir.path()), Catch::Contains("drift_strength"));
  }
  SECTION("missing users") {
    std::string users = read_file(truth_dir / "users.csv");
    users.erase(users.rfind('\n', users.size() - 2) + 1);
    std::ofstream(truth_dir / "users.csv", std::ios::binary) << users;
    CHECK_THROWS_WITH(load_world_truth(dir.path()), Catch::Contains("30 users"));
  }
  SECTION("no world at all") {
    CHECK_THROWS_AS(load_world_truth(dir.path() / "nowhere"), InputError);
  }
}
