#include "engine/agents/slate_filling.hpp"

#include <algorithm>

namespace lusifer {

void select_best(std::span<ScoredItem> candidates, std::size_t m) {
  m = std::min(m, candidates.size());
  if (m == 0)
    return;
  if (m < candidates.size())
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(m - 1),
                     candidates.end(), ranks_before);
  std::sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(m), ranks_before);
}

std::size_t fill_from_ranking(std::span<const ItemIndex> ranking, ItemMask& excluded,
                              std::span<ItemIndex> slate, std::size_t filled) {
  for (std::size_t r = 0; r < ranking.size() && filled < slate.size(); ++r) {
    const ItemIndex item = ranking[r];
    if (!excluded.contains(item)) {
      excluded.insert(item);
      slate[filled++] = item;
    }
  }
  return filled;
}

bool draw_unexcluded(Rng& rng, ItemMask& excluded, ItemIndex& item) {
  const std::size_t items = excluded.item_count();
  if (items == 0)
    return false;
  // Rejection first: cheap while most items are free. A draw accepted by
  // rejection and the exact draw below are both uniform over the free items.
  constexpr int kTries = 8;
  for (int t = 0; t < kTries; ++t) {
    const auto candidate = static_cast<ItemIndex>(rng.uniform_index(items));
    if (!excluded.contains(candidate)) {
      excluded.insert(candidate);
      item = candidate;
      return true;
    }
  }
  const std::size_t used = excluded.size();
  if (used >= items)
    return false;
  item = excluded.nth_absent(rng.uniform_index(items - used));
  excluded.insert(item);
  return true;
}

void complete_with_any(std::span<const ItemIndex> ranking, ItemMask& scratch,
                       std::span<ItemIndex> slate, std::size_t filled) {
  if (filled >= slate.size())
    return;
  scratch.clear();
  for (std::size_t j = 0; j < filled; ++j)
    scratch.insert(slate[j]);
  fill_from_ranking(ranking, scratch, slate, filled);
}

void complete_with_random(Rng& rng, ItemMask& scratch, std::span<ItemIndex> slate,
                          std::size_t filled) {
  if (filled >= slate.size())
    return;
  scratch.clear();
  for (std::size_t j = 0; j < filled; ++j)
    scratch.insert(slate[j]);
  for (; filled < slate.size(); ++filled) {
    // Cannot fail: the slate is no larger than the catalogue (act checks).
    draw_unexcluded(rng, scratch, slate[filled]);
  }
}

}  // namespace lusifer
