#include "engine/data/movielens_100k_loader.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>
#include <unordered_set>

#include "engine/data/csv_reader.hpp"
#include "engine/data/field_parsing.hpp"
#include "engine/data/loader_support.hpp"

namespace lusifer {
namespace {

using loader::fail;
using loader::RecordSource;

constexpr RatingScale kScale{1.0f, 5.0f, 1.0f};

// The genres of the official README, in u.genre's order.
constexpr std::array<std::string_view, 19> kReadmeGenres = {
    "unknown", "Action",  "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",  "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western"};

// u.genre: "name|index". Returns the names by index.
std::vector<std::string> read_genres(const std::filesystem::path& file,
                                     InputDiagnostics& diagnostics) {
  if (!std::filesystem::exists(file)) {
    return std::vector<std::string>(kReadmeGenres.begin(), kReadmeGenres.end());
  }
  LineReader lines(file.string());
  CsvReader reader(lines, '|', false);
  std::vector<std::string> names;
  std::vector<std::string_view> f;
  while (reader.next(f)) {
    const RecordSource at{lines.path(), reader.record_line(), reader.record_text()};
    if (f.size() == 1 && f[0].empty()) continue;
    if (!loader::expect_field_count(diagnostics, at, f, 2, "2 '|'-separated fields (genre, index)")) {
      continue;
    }
    const auto index = parse_int64(f[1]);
    if (!index || *index != static_cast<std::int64_t>(names.size())) {
      fail(diagnostics, at, fmt::format("the next genre index {}", names.size()),
           quote_excerpt(f[1]));
      continue;
    }
    names.emplace_back(f[0]);
  }
  if (names.empty()) throw InputError(lines.path(), 0, "genre lines 'name|index'", "an empty file");
  return names;
}

// u.occupation: one name per line.
std::optional<std::unordered_set<std::string>> read_occupations(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  LineReader lines(file.string());
  std::unordered_set<std::string> names;
  std::string_view line;
  while (lines.next(line)) {
    if (!line.empty()) names.emplace(line);
  }
  if (names.empty()) throw InputError(lines.path(), 0, "one occupation per line", "an empty file");
  return names;
}

void read_users(const std::filesystem::path& file,
                const std::optional<std::unordered_set<std::string>>& occupations,
                DatasetBuilder& builder, InputDiagnostics& diagnostics) {
  LineReader lines(file.string());
  CsvReader reader(lines, '|', false);
  std::vector<std::string_view> f;
  std::size_t records = 0;
  while (reader.next(f)) {
    const RecordSource at{lines.path(), reader.record_line(), reader.record_text()};
    if (f.size() == 1 && f[0].empty()) continue;
    ++records;
    if (!loader::expect_field_count(diagnostics, at, f, 5,
                                    "5 '|'-separated fields (user id, age, gender, occupation, "
                                    "zip code)")) {
      continue;
    }
    const auto id = loader::parse_id(diagnostics, at, f[0], "user id");
    if (!id) continue;
    const auto age = parse_int64(f[1]);
    if (!age || *age < 0 || *age > 150) {
      fail(diagnostics, at, "an age in years", quote_excerpt(f[1]));
      continue;
    }
    if (f[2] != "M" && f[2] != "F") {
      fail(diagnostics, at, "gender M or F", quote_excerpt(f[2]));
      continue;
    }
    if (occupations && !occupations->contains(std::string(f[3]))) {
      fail(diagnostics, at, "an occupation listed in u.occupation", quote_excerpt(f[3]));
      continue;
    }
    Demographics demo;
    demo.age = static_cast<int>(*age);
    demo.gender = f[2];
    demo.occupation = f[3];
    demo.zip_code = f[4];
    if (!builder.add_user(*id, demo)) {
      fail(diagnostics, at, "a user id not seen before", fmt::format("user {} again", *id));
    }
  }
  if (records == 0) throw InputError(lines.path(), 0, "user lines", "an empty file");
}

void read_items(const std::filesystem::path& file, const std::vector<std::string>& genres,
                DatasetBuilder& builder, InputDiagnostics& diagnostics) {
  // Column k of the flags is genre k of u.genre; "unknown" maps to no bit.
  std::vector<int> bit_of_column;
  for (const auto& name : genres) {
    bit_of_column.push_back(name == "unknown" ? -1 : builder.catalog().add_genre(name));
  }
  const std::size_t field_count = 5 + genres.size();
  const std::string layout =
      fmt::format("{} '|'-separated fields (movie id, title, release date, video release date, "
                  "IMDb URL, {} genre flags)",
                  field_count, genres.size());

  LineReader lines(file.string());
  CsvReader reader(lines, '|', false);
  std::vector<std::string_view> f;
  std::size_t records = 0;
  while (reader.next(f)) {
    const RecordSource at{lines.path(), reader.record_line(), reader.record_text()};
    if (f.size() == 1 && f[0].empty()) continue;
    ++records;
    if (!loader::expect_field_count(diagnostics, at, f, field_count, layout)) continue;
    const auto id = loader::parse_id(diagnostics, at, f[0], "movie id");
    if (!id) continue;
    auto title = loader::decode_latin1(diagnostics, at, f[1]);
    if (!title) continue;
    Item item;
    item.id = *id;
    item.title = std::move(*title);
    item.release_date = std::string(f[2]);
    item.year = year_from_title(item.title);
    if (!item.year && item.release_date.size() >= 4) {
      // "01-Jan-1995": the year is the last four characters.
      if (const auto y = parse_int64(std::string_view(item.release_date).substr(item.release_date.size() - 4))) {
        item.year = static_cast<int>(*y);
      }
    }
    bool flags_ok = true;
    for (std::size_t k = 0; k < genres.size(); ++k) {
      const std::string_view flag = f[5 + k];
      if (flag != "0" && flag != "1") {
        flags_ok = fail(diagnostics, at, fmt::format("genre flag {} ({}) to be 0 or 1", k, genres[k]),
                        quote_excerpt(flag));
        break;
      }
      if (flag == "1" && bit_of_column[k] >= 0) item.genres |= GenreMask{1} << bit_of_column[k];
    }
    if (!flags_ok) continue;
    if (!builder.add_item(std::move(item))) {
      fail(diagnostics, at, "a movie id not seen before", fmt::format("movie {} again", *id));
    }
  }
  if (records == 0) throw InputError(lines.path(), 0, "movie lines", "an empty file");
}

}  // namespace

std::vector<TabSeparatedRating> read_tab_separated_ratings(const std::filesystem::path& file,
                                                           const RatingScale& scale,
                                                           InputDiagnostics& diagnostics) {
  LineReader lines(file.string());
  CsvReader reader(lines, '\t', false);
  std::vector<TabSeparatedRating> rows;
  rows.reserve(lines.file_size() / 16);
  std::vector<std::string_view> f;
  std::size_t records = 0;
  while (reader.next(f)) {
    const RecordSource at{lines.path(), reader.record_line(), reader.record_text()};
    if (f.size() == 1 && f[0].empty()) continue;
    ++records;
    if (!loader::expect_field_count(diagnostics, at, f, 4,
                                    "4 tab-separated fields (user id, item id, rating, "
                                    "timestamp)")) {
      continue;
    }
    const auto user = loader::parse_id(diagnostics, at, f[0], "user id");
    if (!user) continue;
    const auto item = loader::parse_id(diagnostics, at, f[1], "item id");
    if (!item) continue;
    const auto value = loader::parse_rating(diagnostics, at, f[2], scale);
    if (!value) continue;
    const auto ts = loader::parse_timestamp(diagnostics, at, f[3]);
    if (!ts) continue;
    rows.push_back(TabSeparatedRating{*user, *item, *value, *ts, at.line});
  }
  if (records == 0) {
    throw InputError(lines.path(), 0, "rating lines 'user id<TAB>item id<TAB>rating<TAB>timestamp'",
                     "an empty file");
  }
  return rows;
}

Dataset load_movielens_100k(const std::filesystem::path& directory,
                            InputDiagnostics& diagnostics) {
  DatasetBuilder builder(DatasetFormat::kMovieLens100K, directory.string(), kScale);
  const auto genres = read_genres(directory / "u.genre", diagnostics);
  const auto occupations = read_occupations(directory / "u.occupation");
  read_users(directory / "u.user", occupations, builder, diagnostics);
  read_items(directory / "u.item", genres, builder, diagnostics);

  const auto data_file = (directory / "u.data").string();
  const auto rows = read_tab_separated_ratings(data_file, kScale, diagnostics);
  builder.reserve_ratings(rows.size());
  for (const auto& row : rows) {
    const auto user = builder.find_user(row.user_id);
    const auto item = builder.catalog().find(row.item_id);
    if (!user || !item) {
      fail(diagnostics, RecordSource{data_file, row.line, {}},
           user ? "an item id listed in u.item" : "a user id listed in u.user",
           fmt::format("{} {}", user ? "item" : "user", user ? row.item_id : row.user_id));
      continue;
    }
    builder.add_rating(*user, *item, row.value, row.timestamp);
  }
  return builder.finish();
}

}  // namespace lusifer
