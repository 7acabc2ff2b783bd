#pragma once

// The ground truth of a synthetic world: every user's and item's hidden
// parameters, the rating model that turns them into ratings, and the files
// that hold them (DIR/truth/world.json, users.csv, items.csv).
//
// The model (docs/synthetic-world.md has the full story):
//
//   fraction f(t) = (t - first_timestamp) / (last_timestamp - first_timestamp),
//                   clamped to [0, 1] (0 when the user rated in one second)
//   taste(f)      = (1 - f) * start + f * end          (genre and keyword tastes)
//   appeal        = quality + genre_weight * mean of taste over the item's genres
//                           + keyword_weight * mean of taste over its keywords
//   latent        = global_mean + bias + appeal
//   observed      = latent + N(0, noise^2), rounded to the nearest half star
//                   with probability half_star_share (clamped to 0.5..5.0),
//                   else to the nearest whole star (clamped to 1..5)
//
// `expected_rating` is the exact expectation of `observed` (rounding and
// clamping included), so it is what a perfect recommender would predict.
//
// Every parameter is rounded to 1/1000 when drawn, which is the precision of
// the truth files: the loaded truth is bit for bit what generated the data,
// and the generator and the loader compute appeal with the same code.
//
// A loaded WorldTruth is immutable and safe to share between threads. It
// holds 4 x (genres + keywords) 16-bit tastes per user: about 600 MB for a
// million users. Loading errors are InputErrors naming file and line.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/synthetic_options.hpp"

namespace lusifer {

// A short list of vocabulary indices, stored inline so that items stay small
// and contiguous: the generator reads them in its innermost loop.
template <std::size_t Capacity>
class IndexList {
 public:
  // Throws std::length_error when the list is full.
  void push_back(std::uint8_t index) {
    if (size_ == Capacity)
      throw std::length_error("IndexList is full");
    values_[size_++] = index;
  }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::uint8_t operator[](std::size_t i) const noexcept { return values_[i]; }
  const std::uint8_t* begin() const noexcept { return values_.data(); }
  const std::uint8_t* end() const noexcept { return values_.data() + size_; }
  operator std::span<const std::uint8_t>() const noexcept { return {values_.data(), size_}; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }

 private:
  std::array<std::uint8_t, Capacity> values_{};
  std::uint8_t size_ = 0;
};

struct ItemTruth {
  ExternalId id = 0;
  double quality = 0.0;
  // Items are proposed for rating with probability proportional to exp(this).
  double log_popularity = 0.0;
  IndexList<4> genres;    // indices into the genre vocabulary, main genre first
  IndexList<6> keywords;  // indices into the keyword vocabulary
};

// A user's parameters; the taste vectors are views of storage owned elsewhere
// (a WorldTruth or a SyntheticUser), in thousandths (1000 = a taste of 1.0),
// indexed like the genre and keyword vocabularies.
struct UserTruth {
  ExternalId id = 0;
  double bias = 0.0;
  double noise = 0.0;            // sd of the rating noise
  double half_star_share = 0.0;  // probability that a rating uses half stars
  double drift = 0.0;            // scale of the start -> end change, for reference
  std::int64_t first_timestamp = 0;
  std::int64_t last_timestamp = 0;
  std::span<const std::int16_t> genre_start;
  std::span<const std::int16_t> genre_end;
  std::span<const std::int16_t> keyword_start;
  std::span<const std::int16_t> keyword_end;
};

// Rounds a parameter to the precision of the truth files.
double quantize_parameter(double value) noexcept;
// A taste in thousandths, clamped to +-30.000 (far beyond any drawn taste).
std::int16_t quantize_taste(double value) noexcept;
inline double taste_value(std::int16_t thousandths) noexcept {
  return thousandths / 1000.0;
}

double taste_fraction(const UserTruth& user, std::int64_t timestamp) noexcept;
double item_appeal(const SyntheticWorldOptions& options, const UserTruth& user,
                   const ItemTruth& item, double fraction) noexcept;
double latent_rating(const SyntheticWorldOptions& options, const UserTruth& user,
                     const ItemTruth& item, double fraction) noexcept;
// Draws the observed rating for `latent` (one normal, then one uniform).
float observe_rating(double latent, const UserTruth& user, Rng& rng) noexcept;
// The exact expectation of observe_rating(latent, user, ...).
double expected_observed_rating(double latent, double noise, double half_star_share) noexcept;

class WorldTruth {
 public:
  const SyntheticWorldOptions& options() const noexcept { return options_; }
  int version() const noexcept { return version_; }
  const std::vector<std::string>& genres() const noexcept { return genres_; }
  const std::vector<std::string>& keywords() const noexcept { return keywords_; }
  std::size_t user_count() const noexcept { return users_.size(); }
  std::size_t item_count() const noexcept { return items_.size(); }

  // Users and items are numbered 1..count; other ids throw std::out_of_range.
  UserTruth user(ExternalId id) const;
  const ItemTruth& item(ExternalId id) const;

  // The expected observed rating of `item` by `user` at `timestamp` (before
  // the user's first rating: start tastes; after the last: end tastes).
  double expected_rating(ExternalId user, ExternalId item, std::int64_t timestamp) const;
  // The same at a point of the user's drift: 0 = start tastes, 1 = end tastes.
  double expected_rating_at(ExternalId user, ExternalId item, double fraction) const;

 private:
  friend WorldTruth load_world_truth(const std::filesystem::path& directory);

  struct UserRecord {
    ExternalId id;
    double bias, noise, half_star_share, drift;
    std::int64_t first_timestamp, last_timestamp;
  };

  SyntheticWorldOptions options_;
  int version_ = 0;
  std::vector<std::string> genres_;
  std::vector<std::string> keywords_;
  std::vector<UserRecord> users_;
  std::vector<std::int16_t>
      tastes_;  // per user: genre start, genre end, keyword start, keyword end
  std::vector<ItemTruth> items_;
};

// Reads DIR/truth/world.json, users.csv and items.csv (DIR may also be the
// truth directory itself). Refuses a world of another generator version.
WorldTruth load_world_truth(const std::filesystem::path& directory);

// --- Writing the truth files (used by the generator) ---

struct SyntheticWorldCounts {
  std::uint64_t users = 0;
  std::uint64_t items = 0;
  std::uint64_t ratings = 0;
  std::uint64_t tag_applications = 0;
  // Ratings per half-star level, 0.5 first.
  std::vector<std::uint64_t> rating_histogram = std::vector<std::uint64_t>(10, 0);
};

inline constexpr std::string_view kUserTruthHeader =
    "userId,bias,noise,half_star_share,drift,first_timestamp,last_timestamp,genre_start,"
    "genre_end,keyword_start,keyword_end";
inline constexpr std::string_view kItemTruthHeader =
    "movieId,quality,log_popularity,genres,keywords";

// One row of truth/users.csv, LF included; taste vectors are space-separated
// in vocabulary order.
void append_user_truth_row(std::string& out, const UserTruth& user);
// One row of truth/items.csv, LF included; genres and keywords by name, '|'-separated.
void append_item_truth_row(std::string& out, const ItemTruth& item);
// The contents of truth/world.json: options, vocabularies, model, counts.
std::string synthetic_world_json(const SyntheticWorldOptions& options,
                                 const SyntheticWorldCounts& counts);

}  // namespace lusifer
