#include "engine/sim/offline_taste.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

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
  const OfflineTaste before = taste;
  const double cap = options.evidence_cap;

  double rating_sum = 0;
  for (const TasteEvidence& e : batch)
    rating_sum += e.rating;
  const double old_weight = std::min<double>(taste.rated, cap);
  const double new_mean =
      (taste.mean * old_weight + rating_sum) / (old_weight + static_cast<double>(batch.size()));
  // Old leanings were deviations from the old average; re-centre them.
  const double shift = taste.rated == 0 ? 0.0 : taste.mean - new_mean;

  std::map<std::uint32_t, BatchSum> batch_sums[3];
  std::map<std::uint32_t, OfflineLeaning> merged[3];
  for (const KindRules& rules : kKinds) {
    const auto k = static_cast<std::size_t>(rules.kind);
    for (const TasteEvidence& e : batch) {
      for_each_key(rules.kind, e, [&](std::uint32_t key) {
        BatchSum& sum = batch_sums[k][key];
        sum.deviation += e.rating - new_mean;
        sum.rating += e.rating;
        ++sum.count;
      });
    }

    for (const OfflineLeaning& old : taste.of(rules.kind))
      merged[k][old.key] = {old.key, static_cast<float>(old.value + shift), old.count};
    for (const auto& [key, sum] : batch_sums[k]) {
      OfflineLeaning& leaning =
          merged[k].try_emplace(key, OfflineLeaning{key, 0.0f, 0}).first->second;
      const double weight = std::min<double>(leaning.count, cap);
      leaning.value = static_cast<float>((leaning.value * weight + sum.deviation) /
                                         (weight + static_cast<double>(sum.count)));
      leaning.count += sum.count;
    }

    std::vector<OfflineLeaning> liked, disliked;
    for (auto& [key, leaning] : merged[k]) {
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
    kept = std::move(liked);
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
    std::map<std::uint32_t, const OfflineLeaning*> old_by_key;
    for (const OfflineLeaning& l : before.of(rules.kind))
      old_by_key[l.key] = &l;
    for (const auto& [key, now] : merged[k]) {
      const auto old = old_by_key.find(key);
      const double old_value = old != old_by_key.end() ? shrunk_leaning(*old->second) : 0.0;
      const double new_value = now.count >= rules.min_count ? shrunk_leaning(now) : 0.0;
      const double moved = std::abs(new_value - old_value);
      if (moved < largest + 1e-9)
        continue;
      largest = moved;
      OfflineTasteChange c;
      c.kind = rules.kind;
      c.key = key;
      if (old != old_by_key.end())
        c.before = old->second->value;
      c.after = now.value;
      c.moved = static_cast<float>(moved);
      const auto& kept = taste.of(rules.kind);
      c.kept = std::any_of(kept.begin(), kept.end(),
                           [&](const OfflineLeaning& l) { return l.key == key; });
      if (const auto found = batch_sums[k].find(key); found != batch_sums[k].end()) {
        c.batch_count = found->second.count;
        c.batch_mean = static_cast<float>(found->second.rating / found->second.count);
      }
      change = c;
    }
  }
  return change;
}

}  // namespace lusifer
