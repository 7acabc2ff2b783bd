#pragma once

// The synthetic world: a dataset in the MovieLens "latest" CSV format whose
// ground truth is known, for RL demos (where agents recommend and simulated
// users rate) and for scale tests (a million users).
//
// What is generated (docs/synthetic-world.md describes it in full):
//
// Items (ids 1..items) have 1-3 genres from MovieLens's 18, drawn by genre
// frequency; 2-4 keyword themes from a vocabulary of 56, favouring those
// that go with the item's genres; a quality ~ N(0, item_quality_sd^2); a
// log-popularity, log-normal with log-sd popularity_sigma and correlated 0.6
// with quality; a release year before the world's first rating, mostly
// recent; a unique title and a one- or two-sentence overview built from the
// genres and keywords (synthetic_text.hpp).
//
// Users (ids 1..users) have demographics (gender, age, occupation) and:
//   bias ~ N(0, user_bias_sd^2); noise near rating_noise; half_star_share
//   (0 for a quarter of users, else uniform in [0.6, 1]);
//   start genre tastes ~ demographic shift + N(0, genre_affinity_sd^2);
//   start keyword tastes ~ N(0, keyword_affinity_sd^2), plus, with probability
//   keyword_passion_rate, a strong like or dislike of size U(0.6, 1.4);
//   end tastes = shift + c * (start - shift) + s * fresh draw, with
//   s / c = the user's drift (near drift_strength), c^2 + s^2 = 1, so the
//   spread of tastes is kept and start and end correlate c = 1/sqrt(1+drift^2).
// Tastes move linearly from start to end over the user's rating period
// (synthetic_truth.hpp has the exact rating formula).
//
// Each user gives min_ratings_per_user plus a log-normal number of ratings
// (mean mean_ratings_per_user, capped), in sessions: bursts of ratings a few
// seconds to minutes apart (some in the same second), spread over a period
// that is a single sitting for some users and months or years for others.
// For each rating, popularity proposes candidates_per_rating unrated items
// and the user picks one with weight exp(taste_selectivity * appeal), so
// users rate more of what they like, as in real logs; the rating then
// follows the model with noise. A quarter of users tag: they tag a rated
// item with one of its keywords at a rate that makes tag_rate per rating.
//
// Files written to DIR: ratings.csv, movies.csv, tags.csv (MovieLens
// "latest" layout, rows ordered by user then movie), users.csv
// (userId,gender,age,occupation, read by the latest loader), overviews.csv
// (movieId,title,overview, joinable with --item-text), and the ground truth
// in DIR/truth: world.json, users.csv, items.csv (synthetic_truth.hpp).
// Files are written as NAME.partial and renamed when all are complete.
//
// Determinism: items draw from derive_seed(derive_seed(seed, kItemStream), id)
// and user u from derive_seed(seed, u), so the bytes written depend only on
// the options recorded in world.json, never on thread count or chunk size.
//
// Scale: users are generated in chunks of chunk_users on `threads` threads
// into per-chunk buffers, which one thread writes in user order; at most two
// chunks per thread are in memory at once, so memory is bounded by the chunk
// size, not by the number of users.
//
// Errors: invalid options throw std::invalid_argument; a non-empty output
// directory without `overwrite`, or a failed write, throws std::runtime_error
// (partial files are removed).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/data/synthetic_options.hpp"
#include "engine/data/synthetic_truth.hpp"

namespace lusifer {

struct SyntheticItem {
  ItemTruth truth;
  int year = 0;
  std::string title;  // year included: "Silent Harbor, The (1994)"
  std::string overview;
};

struct SyntheticUser {
  ExternalId id = 0;
  std::string_view gender;  // "M" or "F"
  int age = 0;
  std::string_view occupation;

  double bias = 0.0;
  double noise = 0.0;
  double half_star_share = 0.0;
  double drift = 0.0;
  std::int64_t first_timestamp = 0;
  std::int64_t last_timestamp = 0;
  // In thousandths, indexed like synthetic_genres() and synthetic_keywords().
  std::vector<std::int16_t> genre_start, genre_end, keyword_start, keyword_end;

  struct Rating {
    ExternalId item = 0;
    float value = 0.0f;
    std::int64_t timestamp = 0;
  };
  std::vector<Rating> ratings;  // oldest first

  struct Tag {
    ExternalId item = 0;
    std::uint8_t keyword = 0;  // index into synthetic_keywords()
    std::int64_t timestamp = 0;
  };
  std::vector<Tag> tags;  // oldest first

  // A view of the parameters; valid while this object is unchanged.
  UserTruth truth() const noexcept;
};

struct SyntheticWorldReport {
  std::filesystem::path directory;
  SyntheticWorldCounts counts;
  double mean_rating = 0.0;
  unsigned threads = 0;
  double seconds = 0.0;
  struct File {
    std::string name;  // relative to the directory: "truth/users.csv"
    std::uintmax_t bytes = 0;
  };
  std::vector<File> files;
};

// The world's catalogue and its users. Construction validates the options
// and makes every item; users are made on demand, so a world of any size
// costs only its catalogue until written.
class SyntheticWorld {
 public:
  explicit SyntheticWorld(SyntheticWorldOptions options);

  const SyntheticWorldOptions& options() const noexcept { return options_; }
  std::span<const SyntheticItem> items() const noexcept { return items_; }

  // Makes user `id` (1..users) into `user`, reusing its buffers. Const and
  // thread-safe; the result depends only on the options and the id.
  void generate_user(ExternalId id, SyntheticUser& user) const;

  // Writes the dataset and its truth to `directory` (created if missing).
  // Refuses a non-empty directory unless `overwrite`; then the generator's
  // files are replaced and other files are left alone.
  SyntheticWorldReport write(const std::filesystem::path& directory, bool overwrite = false) const;

 private:
  std::uint32_t draw_popular_item(Rng& rng) const noexcept;

  SyntheticWorldOptions options_;
  std::vector<SyntheticItem> items_;
  // The items' truth again, contiguous, for the innermost loop of generation.
  std::vector<ItemTruth> item_truths_;
  // Vose's alias table over exp(log_popularity), for O(1) draws.
  std::vector<double> alias_probability_;
  std::vector<std::uint32_t> alias_;
};

// SyntheticWorld(options).write(directory, overwrite).
SyntheticWorldReport generate_synthetic_world(const SyntheticWorldOptions& options,
                                              const std::filesystem::path& directory,
                                              bool overwrite = false);

}  // namespace lusifer
