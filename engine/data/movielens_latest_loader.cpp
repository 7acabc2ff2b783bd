#include "engine/data/movielens_latest_loader.hpp"

#include <fmt/format.h>

#include <limits>
#include <string>
#include <system_error>

#include "engine/data/csv_reader.hpp"
#include "engine/data/field_parsing.hpp"
#include "engine/data/loader_support.hpp"

namespace lusifer {
namespace {

using loader::fail;
using loader::RecordSource;

constexpr std::string_view kNoGenres = "(no genres listed)";

// Calls on_record(fields, at) for each non-empty record after the header.
template <class OnRecord>
void for_each_csv_record(const std::filesystem::path& file, std::string_view header,
                         OnRecord&& on_record) {
  LineReader lines(file.string());
  CsvReader reader(lines);
  loader::expect_csv_header(reader, header);
  std::vector<std::string_view> f;
  while (reader.next(f)) {
    if (f.size() == 1 && f[0].empty()) continue;
    on_record(f, RecordSource{lines.path(), reader.record_line(), reader.record_text()});
  }
}

void read_movies(const std::filesystem::path& file, DatasetBuilder& builder,
                 InputDiagnostics& diagnostics) {
  std::size_t records = 0;
  for_each_csv_record(file, "movieId,title,genres",
                      [&](std::span<const std::string_view> f, const RecordSource& at) {
    ++records;
    if (!loader::expect_field_count(diagnostics, at, f, 3,
                                    "3 comma-separated fields (movieId, title, genres)")) {
      return;
    }
    const auto id = loader::parse_id(diagnostics, at, f[0], "movieId");
    if (!id || !loader::check_utf8(diagnostics, at, f[1])) return;
    Item item;
    item.id = *id;
    item.title = std::string(f[1]);
    item.year = year_from_title(item.title);
    if (f[2] != kNoGenres) {
      std::vector<std::string_view> names;
      split_on(f[2], "|", names);
      for (const auto name : names) {
        if (name.empty() || name == kNoGenres) {
          fail(diagnostics, at, "'|'-separated genre names", quote_excerpt(f[2]));
          return;
        }
        item.genres |= GenreMask{1} << builder.catalog().add_genre(name);
      }
    }
    if (!builder.add_item(std::move(item))) {
      fail(diagnostics, at, "a movieId not seen before", fmt::format("movie {} again", *id));
    }
  });
  if (records == 0) throw InputError(file.string(), 0, "at least one movie row", "only the header");
}

void read_users(const std::filesystem::path& file, DatasetBuilder& builder,
                InputDiagnostics& diagnostics) {
  for_each_csv_record(file, "userId,gender,age,occupation",
                      [&](std::span<const std::string_view> f, const RecordSource& at) {
    if (!loader::expect_field_count(diagnostics, at, f, 4,
                                    "4 comma-separated fields (userId, gender, age, occupation)")) {
      return;
    }
    const auto id = loader::parse_id(diagnostics, at, f[0], "userId");
    if (!id || !loader::check_utf8(diagnostics, at, f[3])) return;
    Demographics demo;
    demo.gender = f[1];
    if (!f[2].empty()) {
      const auto age = parse_int64(f[2]);
      if (!age || *age < 0 || *age > 150) {
        fail(diagnostics, at, "an age in years or an empty field", quote_excerpt(f[2]));
        return;
      }
      demo.age = static_cast<int>(*age);
    }
    demo.occupation = f[3];
    if (!builder.add_user(*id, demo)) {
      fail(diagnostics, at, "a userId not seen before", fmt::format("user {} again", *id));
    }
  });
}

void read_ratings(const std::filesystem::path& file, DatasetBuilder& builder,
                  InputDiagnostics& diagnostics) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(file, ec);
  if (!ec) builder.reserve_ratings(bytes / 24);
  // ratings.csv is grouped by user, so remembering the last user saves most lookups.
  ExternalId last_user_id = std::numeric_limits<ExternalId>::min();
  UserIndex last_user = 0;
  std::size_t records = 0;
  for_each_csv_record(file, "userId,movieId,rating,timestamp",
                      [&](std::span<const std::string_view> f, const RecordSource& at) {
    ++records;
    if (!loader::expect_field_count(diagnostics, at, f, 4,
                                    "4 comma-separated fields (userId, movieId, rating, "
                                    "timestamp)")) {
      return;
    }
    const auto user_id = loader::parse_id(diagnostics, at, f[0], "userId");
    if (!user_id) return;
    const auto item_id = loader::parse_id(diagnostics, at, f[1], "movieId");
    if (!item_id) return;
    const auto value = loader::parse_rating(diagnostics, at, f[2], builder.scale());
    if (!value) return;
    const auto ts = loader::parse_timestamp(diagnostics, at, f[3]);
    if (!ts) return;
    const auto item = builder.catalog().find(*item_id);
    if (!item) {
      fail(diagnostics, at, "a movieId listed in movies.csv", fmt::format("movie {}", *item_id));
      return;
    }
    if (*user_id != last_user_id) {
      last_user = builder.user_for_id(*user_id);
      last_user_id = *user_id;
    }
    builder.add_rating(last_user, *item, *value, *ts);
  });
  if (records == 0) throw InputError(file.string(), 0, "at least one rating row", "only the header");
}

void read_tags(const std::filesystem::path& file, DatasetBuilder& builder,
               InputDiagnostics& diagnostics) {
  for_each_csv_record(file, "userId,movieId,tag,timestamp",
                      [&](std::span<const std::string_view> f, const RecordSource& at) {
    if (!loader::expect_field_count(diagnostics, at, f, 4,
                                    "4 comma-separated fields (userId, movieId, tag, timestamp)")) {
      return;
    }
    if (!loader::parse_id(diagnostics, at, f[0], "userId")) return;
    const auto item_id = loader::parse_id(diagnostics, at, f[1], "movieId");
    if (!item_id || !loader::check_utf8(diagnostics, at, f[2])) return;
    if (!loader::parse_timestamp(diagnostics, at, f[3])) return;
    const auto item = builder.catalog().find(*item_id);
    if (!item) {
      fail(diagnostics, at, "a movieId listed in movies.csv", fmt::format("movie {}", *item_id));
      return;
    }
    builder.add_tag_application(*item, f[2]);
  });
}

void read_links(const std::filesystem::path& file, DatasetBuilder& builder,
                InputDiagnostics& diagnostics) {
  for_each_csv_record(file, "movieId,imdbId,tmdbId",
                      [&](std::span<const std::string_view> f, const RecordSource& at) {
    if (!loader::expect_field_count(diagnostics, at, f, 3,
                                    "3 comma-separated fields (movieId, imdbId, tmdbId)")) {
      return;
    }
    const auto item_id = loader::parse_id(diagnostics, at, f[0], "movieId");
    if (!item_id) return;
    const auto item = builder.catalog().find(*item_id);
    if (!item) {
      fail(diagnostics, at, "a movieId listed in movies.csv", fmt::format("movie {}", *item_id));
      return;
    }
    std::optional<ExternalId> imdb;
    std::optional<ExternalId> tmdb;
    if (!f[1].empty() && !(imdb = loader::parse_id(diagnostics, at, f[1], "imdbId"))) return;
    if (!f[2].empty() && !(tmdb = loader::parse_id(diagnostics, at, f[2], "tmdbId"))) return;
    builder.set_external_ids(*item, imdb, tmdb);
  });
}

}  // namespace

Dataset load_movielens_latest(const std::filesystem::path& directory,
                              InputDiagnostics& diagnostics) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, directory.string(), kHalfStarScale);
  if (std::filesystem::exists(directory / "users.csv")) {
    read_users(directory / "users.csv", builder, diagnostics);
  }
  read_movies(directory / "movies.csv", builder, diagnostics);
  read_ratings(directory / "ratings.csv", builder, diagnostics);
  if (std::filesystem::exists(directory / "tags.csv")) {
    read_tags(directory / "tags.csv", builder, diagnostics);
  }
  if (std::filesystem::exists(directory / "links.csv")) {
    read_links(directory / "links.csv", builder, diagnostics);
  }
  return builder.finish();
}

}  // namespace lusifer
