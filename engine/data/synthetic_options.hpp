#pragma once

// The knobs of the synthetic world (see synthetic_world.hpp for the model they
// drive, and docs/synthetic-world.md).
//
// A plain struct: command lines and configs fill it, `validate` checks it.
// Every field except `threads` and `chunk_users` is recorded in
// truth/world.json, because every other field changes what is generated; those
// two only change how fast, never the bytes written.

#include <cstddef>
#include <cstdint>

namespace lusifer {

// Bumped whenever the same options and seed would generate different data or
// the truth files change meaning; load_world_truth refuses other versions.
inline constexpr int kSyntheticWorldVersion = 1;

struct SyntheticWorldOptions {
  // Size and seed. Users get ids 1..users, items 1..items.
  std::uint64_t users = 2000;
  std::uint64_t items = 1000;
  std::uint64_t seed = 42;

  // Ratings per user: min + a log-normal tail (log-sd `rating_count_sigma`)
  // whose mean makes the average `mean_ratings_per_user`, before the cap of
  // min(max_ratings_per_user, items / 2).
  double mean_ratings_per_user = 50.0;
  std::uint32_t min_ratings_per_user = 20;
  std::uint32_t max_ratings_per_user = 2000;
  double rating_count_sigma = 1.0;

  // The rating model: global_mean + user bias + item quality + taste + noise.
  // Calibrated so that the default world's ratings average 3.5 with sd 1.0
  // and a histogram close to ml-latest-small's (taste-driven choice lifts the
  // mean rating about 0.75 above global_mean).
  double global_mean = 2.75;
  double user_bias_sd = 0.45;
  double item_quality_sd = 0.6;
  double genre_affinity_sd = 0.6;
  double keyword_affinity_sd = 0.3;
  // Share of (user, keyword) pairs that are a strong like or dislike.
  double keyword_passion_rate = 0.15;
  double genre_weight = 1.0;
  double keyword_weight = 1.0;
  // Typical sd of a user's rating noise (each user's own is near it).
  double rating_noise = 0.55;
  // Scales the demographic shifts of genre tastes (0 turns them off).
  double demographic_effect = 1.0;
  // Typical distance between start and end tastes, in units of the taste sd.
  double drift_strength = 0.7;

  // Which items get rated: popularity (log-normal, log-sd `popularity_sigma`)
  // proposes `candidates_per_rating` items, taste picks among them with
  // weights exp(taste_selectivity * appeal).
  double popularity_sigma = 1.2;
  double taste_selectivity = 1.0;
  std::uint32_t candidates_per_rating = 8;
  // Tag applications per rating, on average (tags come from item keywords).
  double tag_rate = 0.05;

  // Users start rating between start_time and start_time + time span.
  std::int64_t start_time = 883612800;  // 1998-01-01T00:00:00Z
  std::uint32_t time_span_days = 3650;

  // Execution only; the output does not depend on these.
  unsigned threads = 0;  // 0: one per hardware thread
  std::size_t chunk_users = 1024;
};

// Throws std::invalid_argument naming the first field out of range.
void validate(const SyntheticWorldOptions& options);

// The largest number of ratings one user can get: the cap of the tail.
std::uint32_t effective_max_ratings(const SyntheticWorldOptions& options) noexcept;

}  // namespace lusifer
