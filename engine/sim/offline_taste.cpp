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

struct KeyedValue {
  std::uint32_t key = 0;
  std::uint32_t order = 0;  // of the visit: sums follow the batch's order
  float rating = 0;
};

struct Scratch {
  std::array<std::vector<BatchEntry>, 3> batch_sums;
  std::array<std::vector<OfflineLeaning>, 3> merged;
  std::array<std::vector<OfflineLeaning>, 3> before;
  std::vector<KeyedValue> visits;
  std::vector<OfflineLeaning> liked, disliked;
};

bool by_key(const OfflineLeaning& a, const OfflineLeaning& b) noexcept {
  return a.key < b.key;
}
bool key_below(const OfflineLeaning& a, std::uint32_t key) noexcept {
  return a.key < key;
}

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
  std::vector<KeyedValue>& visits = scratch.visits;
  std::vector<OfflineLeaning>& liked = scratch.liked;
  std::vector<OfflineLeaning>& disliked = scratch.disliked;
  for (const KindRules& rules : kKinds) {
    const auto k = static_cast<std::size_t>(rules.kind);
    before[k].assign(taste.of(rules.kind).begin(), taste.of(rules.kind).end());

    visits.clear();
    for (const TasteEvidence& e : batch)
      for_each_key(rules.kind, e, [&](std::uint32_t key) {
        visits.push_back({key, static_cast<std::uint32_t>(visits.size()), e.rating});
      });
    std::sort(visits.begin(), visits.end(), [](const KeyedValue& a, const KeyedValue& b) {
      return a.key != b.key ? a.key < b.key : a.order < b.order;
    });
    batch_sums[k].clear();
    for (const KeyedValue& v : visits) {
      if (batch_sums[k].empty() || batch_sums[k].back().key != v.key)
        batch_sums[k].push_back({v.key, {}});
      BatchSum& sum = batch_sums[k].back().sum;
      sum.deviation += v.rating - new_mean;
      sum.rating += v.rating;
      ++sum.count;
    }

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
    // Keys are unique: one order.
    std::sort(merged[k].begin(), merged[k].end(), by_key);

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
    // Strongest first; keys break ties so the order is fixed.
    std::sort(liked.begin(), liked.end(), [](const auto& a, const auto& b) {
      const double sa = shrunk_leaning(a), sb = shrunk_leaning(b);
      return sa != sb ? sa > sb : a.key < b.key;
    });
    std::sort(disliked.begin(), disliked.end(), [](const auto& a, const auto& b) {
      const double sa = shrunk_leaning(a), sb = shrunk_leaning(b);
      return sa != sb ? sa < sb : a.key < b.key;
    });
    if (liked.size() > rules.keep_per_side)
      liked.resize(rules.keep_per_side);
    if (disliked.size() > rules.keep_per_side)
      disliked.resize(rules.keep_per_side);
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
