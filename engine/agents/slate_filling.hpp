#pragma once

// The pieces agents build slates from: a total order on scored items (so
// ties never depend on the sort algorithm), partial selection of the best,
// filling from a ranking past excluded items, uniform draws of items not
// excluded, and the last resort of repeating seen items when too few unseen
// ones are left.
//
// Every function here is deterministic and allocation-free; the masks are
// the caller's scratch (see ItemMask).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/agents/seen_items.hpp"
#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

struct ScoredItem {
  float score = 0.0f;
  ItemIndex item = 0;
};

// Higher score first, then lower item index: a strict total order as long
// as scores are not NaN. A function object, so that sorts inline it.
struct RanksBefore {
  bool operator()(const ScoredItem& a, const ScoredItem& b) const noexcept {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  }
};
inline constexpr RanksBefore ranks_before{};

// Moves the best min(m, size) candidates to the front, best first; the rest
// follow in no particular order.
void select_best(std::span<ScoredItem> candidates, std::size_t m);

// A scored item packed into 64 bits so that the larger key ranks first:
// higher score, then lower item index (scores compare as their IEEE order,
// with -0 below +0). Comparing keys is one instruction, which makes picking
// the best few of a few hundred candidates several times cheaper than
// comparing ScoredItems.
using RankKey = std::uint64_t;

inline RankKey rank_key(float score, ItemIndex item) noexcept {
  const auto bits = std::bit_cast<std::uint32_t>(score);
  // Negative floats order backwards as integers: flip all their bits; flip
  // only the sign bit of the others. One mask from the sign (all ones or
  // just the sign bit) does both without a branch or a select.
  const auto sign = static_cast<std::uint32_t>(std::bit_cast<std::int32_t>(bits) >> 31);
  const std::uint32_t ordered = bits ^ (sign | 0x80000000u);
  return (static_cast<RankKey>(ordered) << 32) | (0xffffffffu - item);
}
inline ItemIndex key_item(RankKey key) noexcept {
  return 0xffffffffu - static_cast<std::uint32_t>(key);
}
inline float key_score(RankKey key) noexcept {
  const auto ordered = static_cast<std::uint32_t>(key >> 32);
  return std::bit_cast<float>((ordered >> 31) != 0 ? ordered & 0x7fffffffu : ~ordered);
}

// Appends to slate[filled, ...) the items of `ranking`, in order, that are
// not in `excluded`, adding each to `excluded`; returns the new fill count.
std::size_t fill_from_ranking(std::span<const ItemIndex> ranking, ItemMask& excluded,
                              std::span<ItemIndex> slate, std::size_t filled);

// An item drawn uniformly from those not in `excluded`, which is then added
// to it; false when every item is excluded.
bool draw_unexcluded(Rng& rng, ItemMask& excluded, ItemIndex& item);

// Fills slate[filled, ...) with items not already in the slate, in the
// order of `ranking` (which must hold every item at least once), ignoring
// whether they were seen: the fallback when fewer unseen items than slots
// remain. `scratch` is overwritten.
void complete_with_any(std::span<const ItemIndex> ranking, ItemMask& scratch,
                       std::span<ItemIndex> slate, std::size_t filled);

// The same with uniformly drawn items instead of a ranking.
void complete_with_random(Rng& rng, ItemMask& scratch, std::span<ItemIndex> slate,
                          std::size_t filled);

}  // namespace lusifer
