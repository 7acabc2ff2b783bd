#pragma once

// The catalogue in the order of a score shared by all users, stored feature
// by feature in chunks, so that each user's candidates are the first unseen
// items of the shared ranking and are scored with vectorised passes.
//
// Agents rank items by a cheap shared score (an item's mean reward or bias)
// after each `learn` call and rebuild the pool. In `act`, a user's
// candidates are the items of the first chunks of the ranking (64 items a
// chunk, whole chunks) until at least `wanted` of them are not excluded:
// the pool is "the first `wanted` items this user has not seen", so it
// follows the user down the ranking as they consume the top instead of
// running dry. Each candidate j is scored as in pool_scoring.hpp:
//   base_j + weights . x_j.
//
// Memory: features + 3 words per item (base score, item, rank).
// Immutable between rebuilds; const members are thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/agents/seen_items.hpp"
#include "engine/agents/slate_filling.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

class RankedPool {
 public:
  static constexpr std::size_t kChunk = 64;

  // `ranking` holds every item once; base[i] is item i's base score (by item
  // index); features(i) gives item i's `dimension` features.
  void rebuild(std::span<const ItemIndex> ranking, std::span<const float> base,
               std::size_t dimension,
               const std::function<std::span<const float>(ItemIndex)>& features);

  std::span<const ItemIndex> ranking() const noexcept { return ranking_; }
  std::size_t dimension() const noexcept { return dimension_; }
  std::size_t memory_bytes() const noexcept;

  // Scratch for `score_unexcluded`, one per thread; make_scratch sizes it.
  struct Scratch {
    std::vector<float> scores;
    std::vector<RankKey> keys;
    std::vector<std::uint8_t> excluded_ranks;  // a byte per rank (mark: excluded)
    std::uint8_t mark = 0;                     // this call's; 0 marks nothing
  };
  Scratch make_scratch() const;

  // The best `keep` (as RankKeys, in no particular order) of the scored
  // items of the leading chunks that are not in `excluded`, the chunks
  // taken until at least `wanted` such items were seen (0: every item); a
  // view of `scratch`, valid until its next use. `weights` has dimension()
  // entries. Fewer than `keep` only when fewer items are eligible. Items
  // scoring below the keep-th best so far are dropped as they come, so most
  // cost one comparison instead of a key and a place in the final selection.
  std::span<RankKey> best_unexcluded(const ItemMask& excluded, std::size_t wanted, std::size_t keep,
                                     std::span<const float> weights, Scratch& scratch) const;

 private:
  std::vector<ItemIndex> ranking_;
  std::vector<std::uint32_t> rank_of_;  // by item, stride_ entries
  std::size_t dimension_ = 0;
  std::size_t stride_ = 0;   // items rounded up to a whole chunk
  std::vector<float> base_;  // stride_, by rank; padding 0
  std::vector<float> x_;     // dimension_ x stride_, by rank
};

}  // namespace lusifer
