#include "engine/data/movielens_1m_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "engine/data/csv_reader.hpp"
#include "engine/data/field_parsing.hpp"
#include "engine/data/loader_support.hpp"

namespace lusifer {
namespace {

using loader::fail;
using loader::RecordSource;

constexpr RatingScale kScale{1.0f, 5.0f, 1.0f};
constexpr std::string_view kSeparator = "::";

constexpr std::array<std::pair<int, std::string_view>, 7> kAgeGroups = {{{1, "Under 18"},
                                                                         {18, "18-24"},
                                                                         {25, "25-34"},
                                                                         {35, "35-44"},
                                                                         {45, "45-49"},
                                                                         {50, "50-55"},
                                                                         {56, "56+"}}};

constexpr std::array<std::string_view, 21> kOccupations = {
    "other",           "academic/educator", "artist",        "clerical/admin",
    "college/grad student", "customer service", "doctor/health care", "executive/managerial",
    "farmer",          "homemaker",         "K-12 student",  "lawyer",
    "programmer",      "retired",           "sales/marketing", "scientist",
    "self-employed",   "technician/engineer", "tradesman/craftsman", "unemployed",
    "writer"};

constexpr std::array<std::string_view, 18> kGenres = {
    "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir",  "Horror",  "Musical",
    "Mystery", "Romance", "Sci-Fi",  "Thriller",   "War",     "Western"};

// Calls on_record(fields, at) for each non-empty line; throws for an empty file.
template <class OnRecord>
void for_each_record(const std::filesystem::path& file, std::string_view what,
                     OnRecord&& on_record) {
  LineReader lines(file.string());
  std::vector<std::string_view> f;
  std::string_view line;
  std::size_t records = 0;
  while (lines.next(line)) {
    if (line.empty()) continue;
    ++records;
    split_on(line, kSeparator, f);
    on_record(f, RecordSource{lines.path(), lines.line_number(), line});
  }
  if (records == 0) throw InputError(lines.path(), 0, std::string(what), "an empty file");
}

void read_users(const std::filesystem::path& file, DatasetBuilder& builder,
                InputDiagnostics& diagnostics) {
  for_each_record(file, "user lines 'UserID::Gender::Age::Occupation::Zip-code'",
                  [&](std::span<const std::string_view> f, const RecordSource& at) {
    if (!loader::expect_field_count(diagnostics, at, f, 5,
                                    "5 '::'-separated fields (UserID, Gender, Age, Occupation, "
                                    "Zip-code)")) {
      return;
    }
    const auto id = loader::parse_id(diagnostics, at, f[0], "user id");
    if (!id) return;
    if (f[1] != "M" && f[1] != "F") {
      fail(diagnostics, at, "gender M or F", quote_excerpt(f[1]));
      return;
    }
    const auto age = parse_int64(f[2]);
    const auto* group = std::find_if(kAgeGroups.begin(), kAgeGroups.end(),
                                     [&](const auto& g) { return age && g.first == *age; });
    if (group == kAgeGroups.end()) {
      fail(diagnostics, at, "an age code 1, 18, 25, 35, 45, 50 or 56", quote_excerpt(f[2]));
      return;
    }
    const auto occupation = parse_int64(f[3]);
    if (!occupation || *occupation < 0 ||
        *occupation >= static_cast<std::int64_t>(kOccupations.size())) {
      fail(diagnostics, at, "an occupation code from 0 to 20", quote_excerpt(f[3]));
      return;
    }
    Demographics demo;
    demo.age = group->first;
    demo.age_group = group->second;
    demo.gender = f[1];
    demo.occupation = kOccupations[static_cast<std::size_t>(*occupation)];
    demo.zip_code = f[4];
    if (!builder.add_user(*id, demo)) {
      fail(diagnostics, at, "a user id not seen before", fmt::format("user {} again", *id));
    }
  });
}

void read_movies(const std::filesystem::path& file, DatasetBuilder& builder,
                 InputDiagnostics& diagnostics) {
  for (const auto genre : kGenres) builder.catalog().add_genre(genre);
  for_each_record(file, "movie lines 'MovieID::Title::Genres'",
                  [&](std::span<const std::string_view> f, const RecordSource& at) {
    if (!loader::expect_field_count(diagnostics, at, f, 3,
                                    "3 '::'-separated fields (MovieID, Title, Genres)")) {
      return;
    }
    const auto id = loader::parse_id(diagnostics, at, f[0], "movie id");
    if (!id) return;
    auto title = loader::decode_latin1(diagnostics, at, f[1]);
    if (!title) return;
    Item item;
    item.id = *id;
    item.title = std::move(*title);
    item.year = year_from_title(item.title);
    std::vector<std::string_view> names;
    split_on(f[2], "|", names);
    for (const auto name : names) {
      const auto bit = builder.catalog().genre_index(name);
      if (!bit) {
        fail(diagnostics, at, "genres from the MovieLens 1M list", quote_excerpt(name));
        return;
      }
      item.genres |= GenreMask{1} << *bit;
    }
    if (!builder.add_item(std::move(item))) {
      fail(diagnostics, at, "a movie id not seen before", fmt::format("movie {} again", *id));
    }
  });
}

void read_ratings(const std::filesystem::path& file, DatasetBuilder& builder,
                  InputDiagnostics& diagnostics) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(file, ec);
  if (!ec) builder.reserve_ratings(bytes / 20);
  for_each_record(file, "rating lines 'UserID::MovieID::Rating::Timestamp'",
                  [&](std::span<const std::string_view> f, const RecordSource& at) {
    if (!loader::expect_field_count(diagnostics, at, f, 4,
                                    "4 '::'-separated fields (UserID, MovieID, Rating, "
                                    "Timestamp)")) {
      return;
    }
    const auto user_id = loader::parse_id(diagnostics, at, f[0], "user id");
    if (!user_id) return;
    const auto item_id = loader::parse_id(diagnostics, at, f[1], "movie id");
    if (!item_id) return;
    const auto value = loader::parse_rating(diagnostics, at, f[2], kScale);
    if (!value) return;
    const auto ts = loader::parse_timestamp(diagnostics, at, f[3]);
    if (!ts) return;
    const auto user = builder.find_user(*user_id);
    if (!user) {
      fail(diagnostics, at, "a user id listed in users.dat", fmt::format("user {}", *user_id));
      return;
    }
    const auto item = builder.catalog().find(*item_id);
    if (!item) {
      fail(diagnostics, at, "a movie id listed in movies.dat", fmt::format("movie {}", *item_id));
      return;
    }
    builder.add_rating(*user, *item, *value, *ts);
  });
}

}  // namespace

Dataset load_movielens_1m(const std::filesystem::path& directory, InputDiagnostics& diagnostics) {
  DatasetBuilder builder(DatasetFormat::kMovieLens1M, directory.string(), kScale);
  read_users(directory / "users.dat", builder, diagnostics);
  read_movies(directory / "movies.dat", builder, diagnostics);
  read_ratings(directory / "ratings.dat", builder, diagnostics);
  return builder.finish();
}

}  // namespace lusifer
