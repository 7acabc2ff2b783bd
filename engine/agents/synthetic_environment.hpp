#pragma once

// An in-memory recommendation environment over a synthetic world
// (synthetic_world.hpp): users with a known ground truth, without files or
// an LLM, for agent tests, benchmarks and RL demos.
//
// dataset() holds every item of the world (title, year, genres, the overview
// as item text, and the keyword tags the world's tagging users applied),
// every user with demographics, and each user's generated history as
// ratings. Indices follow ids: user id u is index u - 1, item id i is index
// i - 1. history() lists every rating: the natural training data.
//
// The episode happens after the users' histories, so the truth uses each
// user's end tastes (fraction 1 of their drift): expected_rating is the
// exact expectation of the rating a user gives an item now
// (expected_observed_rating), and rate draws one (observe_rating), on the
// world's 0.5..5 half-star scale.
//
// Determinism: everything follows from the world options (seed included);
// `threads` only changes how fast users are generated.
//
// Immutable after construction and safe to share between threads. Memory:
// the dataset (20 bytes a rating) plus 2 * (genres + keywords) bytes of
// tastes and 24 bytes a user. Construction throws what SyntheticWorld
// throws for invalid options.

#include <cstdint>
#include <span>
#include <vector>

#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/synthetic_world.hpp"

namespace lusifer {

class SyntheticEnvironment {
 public:
  explicit SyntheticEnvironment(const SyntheticWorldOptions& options, unsigned threads = 0);

  const SyntheticWorld& world() const noexcept { return world_; }
  const Dataset& dataset() const noexcept { return dataset_; }
  Dataset& mutable_dataset() noexcept { return dataset_; }
  std::span<const RatingIndex> history() const noexcept { return history_; }

  // Indices must be within the dataset (unchecked: this is an inner loop).
  double expected_rating(UserIndex user, ItemIndex item) const noexcept;
  float rate(UserIndex user, ItemIndex item, Rng& rng) const noexcept;

 private:
  struct UserRecord {
    double bias = 0.0;
    double noise = 0.0;
    double half_star_share = 0.0;
  };
  UserTruth truth_of(UserIndex user) const noexcept;

  SyntheticWorld world_;
  Dataset dataset_;
  std::vector<RatingIndex> history_;
  std::size_t taste_stride_ = 0;  // genres + keywords
  std::size_t genre_count_ = 0;
  std::vector<UserRecord> users_;
  std::vector<std::int16_t> tastes_;  // per user: end genre tastes, then end keyword tastes
};

}  // namespace lusifer
