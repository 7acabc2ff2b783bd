#pragma once

// The user histories that profiles are built from, in time order.
//
// The method builds a profile from a user's last N training ratings (default
// 40) in batches (default 10): a create-profile call on the first batch, then
// one update call per later batch. The batches run OLDEST FIRST, so that the
// updates follow the user's taste forward in time. (The authors' released
// code sorted newest first and fed the newest batch to the create call, so
// its "evolution" ran backwards; this is the fix.) Note that MovieLens users
// rate in bursts, so consecutive batches often share one day.
//
// TrainingHistories is the per-user chronological view of a subset of the
// ratings (a split's train side): the Dataset's own histories hold every
// rating, test ratings included, which a profile must never see.
//
// Batches are balanced: n items in k = ceil(n / batch_size) batches whose
// sizes differ by at most one, larger batches first; 23 items with batch
// size 10 give 8, 8, 7, not 10, 10, 3, so the final, most recent update
// does not rest on a handful of ratings.
//
// Immutable after construction; const methods are thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/llm_task.hpp"

namespace lusifer {

class TrainingHistories {
 public:
  TrainingHistories() = default;
  // `ratings`: indices into dataset.ratings(), in any order, each at most
  // once. Throws std::out_of_range for an index past the table.
  //
  // When the subset is, for every user, the oldest part of their history
  // (a holdout split's train side always is), the histories are views of
  // the dataset's own, and `dataset` must outlive this object (moving the
  // Dataset is fine: its histories keep their storage). That saves 4 bytes
  // a rating: 80 MB at a million users with 20 training ratings each.
  TrainingHistories(const Dataset& dataset, std::span<const RatingIndex> ratings);

  // Oldest first; equal timestamps keep rating-index (file) order, as the
  // Dataset's own histories do. Empty for users without ratings in the subset.
  std::span<const RatingIndex> of(UserIndex user) const;
  // The last min(n, size) ratings of `user`, still oldest first.
  std::span<const RatingIndex> last(UserIndex user, std::size_t n) const;
  std::size_t user_count() const noexcept { return counts_.size(); }
  // Whether the histories are views of the dataset's (see the constructor).
  bool views_dataset() const noexcept { return dataset_order_ != nullptr; }

 private:
  // User u's ratings are [starts_[u], starts_[u] + counts_[u]) of order_ or,
  // when viewing the dataset's histories, of their flat order, which starts
  // at dataset_order_. Rating indices are 32-bit, so the positions are too.
  const RatingIndex* dataset_order_ = nullptr;
  std::vector<std::uint32_t> starts_;
  std::vector<std::uint32_t> counts_;
  std::vector<RatingIndex> order_;  // empty when viewing the dataset's
};

struct HistoryBatchOptions {
  std::size_t history_items = 40;  // the last N training ratings
  std::size_t batch_size = 10;
};

// The interactions of `ratings`, in the given order.
std::vector<Interaction> interactions_of(const Dataset& dataset,
                                         std::span<const RatingIndex> ratings);

// The user's last `history_items` ratings in batches, oldest batch first and
// oldest first within each. Empty when the user has no training ratings.
// Throws std::invalid_argument when history_items or batch_size is 0.
std::vector<std::vector<Interaction>> history_batches(const Dataset& dataset,
                                                      const TrainingHistories& histories,
                                                      UserIndex user,
                                                      const HistoryBatchOptions& options);

// The user's `n` most recent training ratings, oldest first: the context of
// rate tasks.
std::vector<Interaction> recent_interactions(const Dataset& dataset,
                                             const TrainingHistories& histories, UserIndex user,
                                             std::size_t n);

// The tasks that build a user's profile, in the order they must run: a
// create task on the first batch, then an update task per later batch. A user
// without training ratings gets one create task with no interactions (cold
// start: the prompt then rests on demographics alone). Update tasks leave
// `profile` empty: the caller fills in the previous task's answer before
// sending each. Priority is kBulk (profiles are built ahead of a run).
std::vector<LlmTask> profile_tasks(const Dataset& dataset, const TrainingHistories& histories,
                                   UserIndex user, const HistoryBatchOptions& options);

}  // namespace lusifer
