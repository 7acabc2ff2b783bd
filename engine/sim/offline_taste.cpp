#include "engine/sim/offline_taste.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <iterator>
#include <vector>

namespace lusifer {
namespace {

constexpr double kNotableChange = 0.05;
constexpr double kNotableLeaning = 0.05;

struct KindRules {
  LeaningKind kind;
  std::size_t keep_per_side;
  std::uint32_t min_count;
};
constexpr KindRules kKinds[] = {
    {LeaningKind::kGenre, 3, 1},
    {LeaningKind::kTheme, 3, 2},
    {LeaningKind::kEra, 2, 1},
};

struct BatchSum {
  double deviation = 0;
  double rating = 0;
  std::uint32_t count = 0;
};

struct BatchEntry {
  std::uint32_t key = 0;
  BatchSum sum;
};

template <class Visit>
void for_each_key(LeaningKind kind, const TasteEvidence& evidence, Visit&& visit) {
  switch (kind) {
    case LeaningKind::kGenre:
      for (GenreMask m = evidence.genres; m != 0; m &= m - 1)
        visit(static_cast<std::uint32_t>(std::countr_zero(m)));
      break;
    case LeaningKind::kTheme:
      for (const std::uint32_t term : evidence.themes)
        visit(term);
      break;
    case LeaningKind::kEra:
      if (evidence.decade)
        visit(static_cast<std::uint32_t>(*evidence.decade));
      break;
  }
}

// Keys below this (every genre bit, decade and term id of the content
// model's vocabulary, at most 20,000) are summed through a dense slot index;
// larger ones (only a hand-written profile's) through a sort.
constexpr std::uint32_t kDenseKeys = 1u << 16;
constexpr std::uint32_t kNoSlot = 0xffffffffu;

struct Scratch {
  std::array<std::vector<BatchEntry>, 3> batch_sums;
  std::array<std::vector<OfflineLeaning>, 3> merged;
  std::array<std::vector<OfflineLeaning>, 3> before;
  // key -> index in the kind's batch_sums while a batch is summed; reset to
  // kNoSlot for the keys touched before the next batch.
  std::vector<std::uint32_t> slot_of;
  std::vector<std::uint64_t> sparse;  // (key << 32 | visit order) of keys >= kDenseKeys
  std::vector<float> sparse_rating;   // by visit order
  std::vector<OfflineLeaning> merged_new;
  std::vector<std::uint32_t> keys;
  std::vector<BatchEntry> unsorted;
  std::vector<OfflineLeaning> liked, disliked;
};

// Sums the batch's ratings per key of `kind` into `sums`, ascending key,
// each key's terms added in batch order: a key's sums are those of a map
// filled in the batch's order, to the bit, at O(visits) instead of a sort
// of every visit. Dense keys are listed only when seen min_count times or
// in `before` (the taste's leanings of this kind).
void sum_batch(LeaningKind kind, std::span<const TasteEvidence> batch, double new_mean,
               std::uint32_t min_count, std::span<const OfflineLeaning> before, Scratch& scratch,
               std::vector<BatchEntry>& sums) {
  sums.clear();
  if (scratch.slot_of.size() < kDenseKeys)
    scratch.slot_of.assign(kDenseKeys, kNoSlot);
  std::vector<std::uint32_t>& slot_of = scratch.slot_of;
  scratch.sparse.clear();
  scratch.sparse_rating.clear();
  for (const TasteEvidence& e : batch)
    for_each_key(kind, e, [&](std::uint32_t key) {
      if (key >= kDenseKeys) {
        scratch.sparse.push_back(std::uint64_t{key} << 32 | scratch.sparse_rating.size());
        scratch.sparse_rating.push_back(e.rating);
        return;
      }
      std::uint32_t& slot = slot_of[key];
      if (slot == kNoSlot) {
        slot = static_cast<std::uint32_t>(sums.size());
        sums.push_back({key, {}});
      }
      BatchSum& sum = sums[slot].sum;
      sum.deviation += e.rating - new_mean;
      sum.rating += e.rating;
      ++sum.count;
    });
  // Ascending key: sorting the bare keys moves a quarter of the bytes that
  // sorting the entries would.
  // Keys seen fewer than min_count times and not in the taste before can
  // neither be kept nor be a change (see merge_taste): they are dropped
  // before the sort, which is most of a batch's themes.
  std::vector<std::uint32_t>& keys = scratch.keys;
  keys.clear();
  for (const BatchEntry& entry : sums) {
    const bool known = std::any_of(before.begin(), before.end(),
                                   [&](const OfflineLeaning& l) { return l.key == entry.key; });
    if (entry.sum.count >= min_count || known)
      keys.push_back(entry.key);
    else
      slot_of[entry.key] = kNoSlot;
  }
  std::sort(keys.begin(), keys.end());
  std::vector<BatchEntry>& unsorted = scratch.unsorted;
  unsorted.swap(sums);
  sums.clear();
  for (const std::uint32_t key : keys) {
    sums.push_back(unsorted[slot_of[key]]);
    slot_of[key] = kNoSlot;
  }
  if (scratch.sparse.empty())
    return;
  // Keys and visit orders are packed in one integer: sorting it orders by
  // key, then batch order. These keys all follow the dense ones.
  std::sort(scratch.sparse.begin(), scratch.sparse.end());
  for (const std::uint64_t v : scratch.sparse) {
    const auto key = static_cast<std::uint32_t>(v >> 32);
    const float rating = scratch.sparse_rating[static_cast<std::uint32_t>(v)];
    if (sums.empty() || sums.back().key != key)
      sums.push_back({key, {}});
    BatchSum& sum = sums.back().sum;
    sum.deviation += rating - new_mean;
    sum.rating += rating;
    ++sum.count;
  }
}

bool by_key(const OfflineLeaning& a, const OfflineLeaning& b) noexcept {
  return a.key < b.key;
}
bool key_below(const OfflineLeaning& a, std::uint32_t key) noexcept {
  return a.key < key;
}

}  // namespace

std::vector<OfflineLeaning>& OfflineTaste::of(LeaningKind kind) noexcept {
  switch (kind) {
    case LeaningKind::kGenre:
      return genres;
    case LeaningKind::kTheme:
      return themes;
    case LeaningKind::kEra:
      break;
  }
  return eras;
}

const std::vector<OfflineLeaning>& OfflineTaste::of(LeaningKind kind) const noexcept {
  return const_cast<OfflineTaste*>(this)->of(kind);
}

double shrunk_leaning(const OfflineLeaning& leaning) noexcept {
  const double count = leaning.count;
  return leaning.value * count / (count + 2.0);
}

float quantize_hundredths(double value) noexcept {
  const double rounded = std::round(value * 100.0) / 100.0;
  // -0.00 would print with a sign; keep zero positive.
  return rounded == 0 ? 0.0f : static_cast<float>(rounded);
}

std::optional<OfflineTasteChange> merge_taste(OfflineTaste& taste,
                                              std::span<const TasteEvidence> batch,
                                              const OfflineTasteOptions& options) {
  if (batch.empty())
    return std::nullopt;
  const double cap = options.evidence_cap;

  double rating_sum = 0;
  for (const TasteEvidence& e : batch)
    rating_sum += e.rating;
  const double old_weight = std::min<double>(taste.rated, cap);
  const double new_mean =
      (taste.mean * old_weight + rating_sum) / (old_weight + static_cast<double>(batch.size()));
  // Old leanings were deviations from the old average; re-centre them.
  const double shift = taste.rated == 0 ? 0.0 : taste.mean - new_mean;

  // Small sorted vectors in place of maps, reused by the thread: this runs
  // on every profile update of every simulated user, where node maps made
  // it mostly malloc. Keys are visited, summed and merged in ascending key
  // order, each key's sums in batch order, as maps would: the same results
  // to the bit.
  thread_local Scratch scratch;
  std::array<std::vector<BatchEntry>, 3>& batch_sums = scratch.batch_sums;
  std::array<std::vector<OfflineLeaning>, 3>& merged = scratch.merged;
  std::array<std::vector<OfflineLeaning>, 3>& before = scratch.before;
  std::vector<OfflineLeaning>& liked = scratch.liked;
  std::vector<OfflineLeaning>& disliked = scratch.disliked;
  for (const KindRules& rules : kKinds) {
    const auto k = static_cast<std::size_t>(rules.kind);
    before[k].assign(taste.of(rules.kind).begin(), taste.of(rules.kind).end());
    sum_batch(rules.kind, batch, new_mean, rules.min_count, before[k], scratch, batch_sums[k]);

    merged[k].clear();
    for (const OfflineLeaning& old : before[k]) {
      const OfflineLeaning shifted{old.key, static_cast<float>(old.value + shift), old.count};
      // A key listed twice (a hand-written profile) keeps its last value.
      const auto same = std::find_if(merged[k].begin(), merged[k].end(),
                                     [&](const OfflineLeaning& l) { return l.key == old.key; });
      if (same != merged[k].end())
        *same = shifted;
      else
        merged[k].push_back(shifted);
    }
    std::sort(merged[k].begin(), merged[k].end(), by_key);
    const std::size_t old_count = merged[k].size();
    for (const BatchEntry& entry : batch_sums[k]) {
      const auto end_of_old = merged[k].begin() + static_cast<std::ptrdiff_t>(old_count);
      const auto found = std::lower_bound(merged[k].begin(), end_of_old, entry.key, key_below);
      OfflineLeaning* leaning = nullptr;
      if (found != end_of_old && found->key == entry.key) {
        leaning = &*found;
      } else if (entry.sum.count < rules.min_count) {
        // A new key below its kind's minimum count is neither kept nor a
        // change (its ranked value counts as 0 before and after): most of a
        // batch's themes, seen once.
        continue;
      } else {
        merged[k].push_back({entry.key, 0.0f, 0});
        leaning = &merged[k].back();
      }
      const BatchSum& sum = entry.sum;
      const double weight = std::min<double>(leaning->count, cap);
      leaning->value = static_cast<float>((leaning->value * weight + sum.deviation) /
                                          (weight + static_cast<double>(sum.count)));
      leaning->count += sum.count;
    }
    // Keys are unique, the old part and the new part (batch_sums' order)
    // each ascending: one merge gives the one order.
    scratch.merged_new.clear();
    const auto old_end = merged[k].begin() + static_cast<std::ptrdiff_t>(old_count);
    std::merge(merged[k].begin(), old_end, old_end, merged[k].end(),
               std::back_inserter(scratch.merged_new), by_key);
    merged[k].swap(scratch.merged_new);

    liked.clear();
    disliked.clear();
    for (OfflineLeaning& leaning : merged[k]) {
      leaning.value = quantize_hundredths(leaning.value);
      if (leaning.count < rules.min_count)
        continue;
      const double shrunk = shrunk_leaning(leaning);
      if (shrunk >= kNotableLeaning)
        liked.push_back(leaning);
      if (shrunk <= -kNotableLeaning)
        disliked.push_back(leaning);
    }
    // Strongest first; keys break ties so the order is fixed (and only the
    // kept ones need ordering).
    const auto keep = [&](std::vector<OfflineLeaning>& side, auto stronger) {
      const std::size_t n = std::min(side.size(), rules.keep_per_side);
      std::partial_sort(side.begin(), side.begin() + static_cast<std::ptrdiff_t>(n), side.end(),
                        stronger);
      side.resize(n);
    };
    keep(liked, [](const auto& a, const auto& b) {
      const double sa = shrunk_leaning(a), sb = shrunk_leaning(b);
      return sa != sb ? sa > sb : a.key < b.key;
    });
    keep(disliked, [](const auto& a, const auto& b) {
      const double sa = shrunk_leaning(a), sb = shrunk_leaning(b);
      return sa != sb ? sa < sb : a.key < b.key;
    });
    auto& kept = taste.of(rules.kind);
    kept.assign(liked.begin(), liked.end());
    kept.insert(kept.end(), disliked.begin(), disliked.end());
  }
  taste.mean = quantize_hundredths(new_mean);
  taste.rated += static_cast<std::uint32_t>(batch.size());

  // The largest move of a ranked value, from the profile before to the
  // evidence after (pruning aside).
  std::optional<OfflineTasteChange> change;
  double largest = kNotableChange;
  for (const KindRules& rules : kKinds) {
    const auto k = static_cast<std::size_t>(rules.kind);
    for (const OfflineLeaning& now : merged[k]) {
      // The last of a key listed twice, as in the merge above.
      const auto last = std::find_if(before[k].rbegin(), before[k].rend(),
                                     [&](const OfflineLeaning& l) { return l.key == now.key; });
      const bool had = last != before[k].rend();
      const auto old = had ? std::prev(last.base()) : before[k].end();
      const double old_value = had ? shrunk_leaning(*old) : 0.0;
      const double new_value = now.count >= rules.min_count ? shrunk_leaning(now) : 0.0;
      const double moved = std::abs(new_value - old_value);
      if (moved < largest + 1e-9)
        continue;
      largest = moved;
      OfflineTasteChange c;
      c.kind = rules.kind;
      c.key = now.key;
      if (had)
        c.before = old->value;
      c.after = now.value;
      c.moved = static_cast<float>(moved);
      const auto& kept = taste.of(rules.kind);
      c.kept = std::any_of(kept.begin(), kept.end(),
                           [&](const OfflineLeaning& l) { return l.key == now.key; });
      const auto found =
          std::lower_bound(batch_sums[k].begin(), batch_sums[k].end(), now.key,
                           [](const BatchEntry& e, std::uint32_t key) { return e.key < key; });
      if (found != batch_sums[k].end() && found->key == now.key) {
        c.batch_count = found->sum.count;
        c.batch_mean = static_cast<float>(found->sum.rating / found->sum.count);
      }
      change = c;
    }
  }
  return change;
}

}  // namespace lusifer
