#pragma once

// The in-memory dataset: users, the item catalog, every rating, and each
// user's chronological history.
//
// Users and items are addressed by dense indices (0..n-1), assigned in
// ascending order of their external ids, so that models can use plain arrays.
// Ratings are stored column by column, each as narrow as its values allow:
// 11 bytes a rating for MovieLens-like data (see RatingTable).
//
// A Dataset is built by a loader through DatasetBuilder and is immutable
// afterwards, except for item texts, which `join_item_text` adds later.
// It is move-only: copies of millions of ratings are never what was meant.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/core/bit_count.hpp"
#include "engine/data/demographics_table.hpp"

namespace lusifer {

using UserIndex = std::uint32_t;
using ItemIndex = std::uint32_t;
using RatingIndex = std::uint32_t;
using ExternalId = std::int64_t;

enum class DatasetFormat {
  kMovieLens100K,   // u.data, u.item, u.user, ...
  kMovieLens1M,     // ratings.dat, movies.dat, users.dat ("::"-separated)
  kMovieLensLatest  // ratings.csv, movies.csv, tags.csv, links.csv (also ml-25m)
};

std::string_view format_name(DatasetFormat format) noexcept;

// The values a rating can take: min, min + step, ..., max.
struct RatingScale {
  float min = 1.0f;
  float max = 5.0f;
  float step = 1.0f;

  bool contains(double value) const noexcept;
  int level_count() const noexcept;
  // The level of `value` (0 for min), or -1 when it is not on the scale.
  int level_of(double value) const noexcept;
  float level_value(int level) const noexcept { return min + static_cast<float>(level) * step; }
};

// A user's record. Their demographics are kept apart, each distinct value
// once (Dataset::demographics): a user costs 12 bytes (the id and a 4-byte
// index), where optional strings in the record cost 152.
struct User {
  ExternalId id = 0;
};

struct TagCount {
  std::string tag;
  std::uint32_t count = 0;
};

// Bit i is set when the item has the genre named Catalog::genre_names()[i].
using GenreMask = std::uint64_t;

struct Item {
  ExternalId id = 0;
  std::string title;  // UTF-8, as the source gives it, year included: "Toy Story (1995)"
  std::optional<int> year;
  GenreMask genres = 0;
  std::string release_date;    // as the source spells it, where it has one
  std::string text;            // overview or description, from an item-text file
  std::vector<TagCount> tags;  // aggregated tag applications, most frequent first
  std::optional<ExternalId> imdb_id;
  std::optional<ExternalId> tmdb_id;
};

// External id -> dense index.
//
// Loading looks up an id for every rating (25 million for ml-25m), so small
// non-negative ids, which is what every MovieLens release uses, live in a
// direct table; other ids fall back to a hash map.
class IdIndex {
 public:
  std::optional<std::uint32_t> find(ExternalId id) const;
  // The index of `id`, which is added with the next free index if new.
  std::uint32_t insert(ExternalId id);
  std::size_t size() const noexcept { return size_; }
  void reserve(std::size_t n);

  // Ids below this go to the direct table (at most 16 MiB of it).
  static constexpr ExternalId kDirectLimit = ExternalId{1} << 22;

 private:
  static constexpr std::uint32_t kAbsent = ~std::uint32_t{0};

  std::vector<std::uint32_t> direct_;  // id -> index, kAbsent when unused
  std::unordered_map<ExternalId, std::uint32_t> map_;
  std::size_t size_ = 0;
};

class Catalog {
 public:
  std::size_t size() const noexcept { return items_.size(); }
  const Item& item(ItemIndex index) const { return items_.at(index); }
  std::span<const Item> items() const noexcept { return items_; }
  std::optional<ItemIndex> find(ExternalId id) const { return ids_.find(id); }
  // Exact, case-sensitive title match; the first item with that title.
  std::optional<ItemIndex> find_by_title(std::string_view title) const;

  // Genre vocabulary, in the order the dataset defines it. At most 64.
  std::span<const std::string> genre_names() const noexcept { return genre_names_; }
  std::optional<int> genre_index(std::string_view name) const;
  // Adds `name` if new and returns its bit; throws std::length_error past 64.
  int add_genre(std::string_view name);
  std::vector<std::string_view> genres_of(const Item& item) const;

  // Item text is the one field added after loading (see join_item_text).
  void set_text(ItemIndex index, std::string text) { items_.at(index).text = std::move(text); }

 private:
  friend class DatasetBuilder;

  std::vector<Item> items_;
  IdIndex ids_;
  std::vector<std::string> genre_names_;
  std::unordered_map<std::string, ItemIndex> title_index_;  // built by DatasetBuilder::finish
};

// Ratings, column by column, in file order.
//
// Columns are stored as narrow as the loaded data allows, and read back
// exactly: items as 16-bit indices when the catalog has at most 65,536
// items; values as a byte code into the table of distinct values when there
// are at most 256 of them (every MovieLens scale has 5 or 10); timestamps as
// 32-bit offsets from the earliest when they all lie within 2^32 seconds of
// it. Otherwise a column stays at full width. At a million users with 30
// ratings each that is 11 bytes a rating instead of 20, 270 MB less (7.2
// with users as runs, below).
//
// Users are not a column where the files list each user's ratings together
// (MovieLens 1M's and latest's and the synthetic world's do; 100K's u.data
// does not): then the table keeps each run's user, a bit a rating marking
// where runs start, and the number of runs before each 64 ratings: 4 bytes
// a user and 0.19 a rating instead of 4 a rating (120 at 30 ratings).
// `user` counts the marks before the rating in its 64, without a search or a
// branch: setup passes look up the user of each of millions of ratings (a
// binary search over the runs made the offline model's fit 60% slower, when
// its sort still looked users up at every comparison). Where a user's
// ratings are apart, or runs would not be smaller, the users stay a column.
class RatingTable {
 public:
  std::size_t size() const noexcept { return size_; }
  UserIndex user(RatingIndex i) const {
    if (!users_.empty())
      return users_[i];
    // The runs started in i's 64 ratings up to i, i's own bit kept highest;
    // none when i's run started before them.
    const std::size_t block = i / 64;
    const std::uint64_t started = run_starts_[block] << (63 - i % 64);
    return run_users_[runs_before_[block] + count_bits(started) - 1];
  }
  ItemIndex item(RatingIndex i) const {
    return narrow_items_.empty() ? wide_items_[i] : ItemIndex{narrow_items_[i]};
  }
  float value(RatingIndex i) const {
    return value_codes_.empty() ? wide_values_[i] : value_of_code_[value_codes_[i]];
  }
  std::int64_t timestamp(RatingIndex i) const {
    return time_offsets_.empty() ? wide_times_[i] : time_origin_ + time_offsets_[i];
  }

  // Calls f(user, first, last) for each stretch [first, last) of
  // consecutive ratings by one user, in file order, covering every rating: a
  // pass over all ratings with their users that looks up no rating's run.
  template <class F>
  void for_each_user_run(F&& f) const;
  // Whether users are stored as runs rather than as a column.
  bool users_as_runs() const noexcept { return users_.empty() && size_ > 0; }
  // The bytes the columns (and runs) hold.
  std::size_t memory_bytes() const noexcept;

 private:
  friend class DatasetBuilder;

  // Takes the full-width columns (of equal length) and keeps each as narrow
  // as its values allow.
  void assign(std::vector<UserIndex> users, std::span<const ItemIndex> items,
              std::span<const float> values, std::span<const std::int64_t> timestamps);

  std::size_t size_ = 0;
  // Users either as runs or as the column users_ (all empty when there are
  // no ratings). Bit i % 64 of run_starts_[i / 64] is set when rating i
  // starts a run (rating 0 does); runs_before_[b] is the number of runs
  // started before rating 64 b.
  std::vector<UserIndex> run_users_;
  std::vector<std::uint64_t> run_starts_;
  std::vector<std::uint32_t> runs_before_;
  std::vector<UserIndex> users_;
  // Exactly one of each pair is in use (both empty when there are no ratings).
  std::vector<std::uint16_t> narrow_items_;
  std::vector<ItemIndex> wide_items_;
  std::vector<std::uint8_t> value_codes_;
  std::vector<float> value_of_code_;  // the distinct values, first seen first
  std::vector<float> wide_values_;
  std::vector<std::uint32_t> time_offsets_;
  std::int64_t time_origin_ = 0;
  std::vector<std::int64_t> wide_times_;
};

template <class F>
void RatingTable::for_each_user_run(F&& f) const {
  if (users_.empty()) {
    std::size_t run = 0;
    std::size_t first = 0;
    for (std::size_t block = 0; block < run_starts_.size(); ++block) {
      // Rating 0's mark starts the first run, which ends at the next mark.
      for (std::uint64_t bits =
               run_starts_[block] & (block == 0 ? ~std::uint64_t{1} : ~std::uint64_t{0});
           bits != 0; bits &= bits - 1) {
        const std::size_t start = block * 64 + static_cast<std::size_t>(std::countr_zero(bits));
        f(run_users_[run++], static_cast<RatingIndex>(first), static_cast<RatingIndex>(start));
        first = start;
      }
    }
    if (size_ > 0)
      f(run_users_[run], static_cast<RatingIndex>(first), static_cast<RatingIndex>(size_));
    return;
  }
  std::size_t first = 0;
  for (std::size_t i = 1; i <= size_; ++i) {
    if (i == size_ || users_[i] != users_[first]) {
      f(users_[first], static_cast<RatingIndex>(first), static_cast<RatingIndex>(i));
      first = i;
    }
  }
}

// For each user, the indices of their ratings from oldest to newest; equal
// timestamps keep file order, so the order is fully determined by the files.
class UserHistories {
 public:
  UserHistories() = default;
  UserHistories(const RatingTable& ratings, std::size_t user_count);

  std::span<const RatingIndex> of(UserIndex user) const;
  // The last min(n, size) ratings of `user`, still oldest first.
  std::span<const RatingIndex> last(UserIndex user, std::size_t n) const;
  std::size_t user_count() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }

 private:
  // User u's ratings are order_[offsets_[u], offsets_[u+1]); rating indices
  // are 32-bit, so the offsets are too.
  std::vector<std::uint32_t> offsets_;
  std::vector<RatingIndex> order_;
};

class Dataset {
 public:
  Dataset() = default;
  Dataset(Dataset&&) noexcept = default;
  Dataset& operator=(Dataset&&) noexcept = default;
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  DatasetFormat format() const noexcept { return format_; }
  // The directory (or file) the dataset came from.
  const std::string& source() const noexcept { return source_; }
  const RatingScale& scale() const noexcept { return scale_; }

  std::size_t user_count() const noexcept { return users_.size(); }
  const User& user(UserIndex index) const { return users_.at(index); }
  std::span<const User> users() const noexcept { return users_; }
  std::optional<UserIndex> find_user(ExternalId id) const { return user_ids_.find(id); }
  // The user's demographics, nullopt when they have none. The views stay
  // valid as long as the Dataset, also when it is moved.
  std::optional<Demographics> demographics(UserIndex index) const {
    return demographics_.of(index);
  }
  const DemographicsTable& demographics_table() const noexcept { return demographics_; }

  const Catalog& catalog() const noexcept { return catalog_; }
  Catalog& mutable_catalog() noexcept { return catalog_; }
  const RatingTable& ratings() const noexcept { return ratings_; }
  const UserHistories& histories() const noexcept { return histories_; }
  // Tag applications read (tags.csv rows); 0 for formats without tags.
  std::size_t tag_applications() const noexcept { return tag_applications_; }

 private:
  friend class DatasetBuilder;

  DatasetFormat format_ = DatasetFormat::kMovieLensLatest;
  std::string source_;
  RatingScale scale_;
  std::vector<User> users_;
  DemographicsTable demographics_;  // indexed like users_
  IdIndex user_ids_;
  Catalog catalog_;
  RatingTable ratings_;
  UserHistories histories_;
  std::size_t tag_applications_ = 0;
};

// Collects what a loader reads and turns it into a Dataset.
class DatasetBuilder {
 public:
  DatasetBuilder(DatasetFormat format, std::string source, RatingScale scale);

  const RatingScale& scale() const noexcept { return dataset_.scale_; }
  Catalog& catalog() noexcept { return dataset_.catalog_; }

  // Adds a user, copying their demographics; returns false (and changes
  // nothing) when the id exists.
  bool add_user(ExternalId id, const std::optional<Demographics>& demographics = std::nullopt);
  std::optional<UserIndex> find_user(ExternalId id) const { return dataset_.find_user(id); }
  // The user with `id`, added without demographics if new.
  UserIndex user_for_id(ExternalId id);

  // Adds an item; returns false (and changes nothing) when the id exists.
  bool add_item(Item item);

  void set_external_ids(ItemIndex item, std::optional<ExternalId> imdb_id,
                        std::optional<ExternalId> tmdb_id);

  void reserve_ratings(std::size_t n);
  void add_rating(UserIndex user, ItemIndex item, float value, std::int64_t timestamp);
  void add_tag_application(ItemIndex item, std::string_view tag);

  // Renumbers users and items by ascending external id, aggregates tags and
  // builds the histories. The builder is empty afterwards.
  Dataset finish();

 private:
  Dataset dataset_;
  // The ratings at full width while loading; finish() narrows them.
  std::vector<UserIndex> rating_users_;
  std::vector<ItemIndex> rating_items_;
  std::vector<float> rating_values_;
  std::vector<std::int64_t> rating_times_;
  // Per item: tag -> applications, aggregated into Item::tags by finish().
  std::vector<std::unordered_map<std::string, std::uint32_t>> tags_;
};

}  // namespace lusifer
