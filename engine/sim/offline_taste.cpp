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

// At most how many distinct keys of `kind` the batch has.
std::size_t most_keys(LeaningKind kind, std::span<const TasteEvidence> batch) {
  switch (kind) {
    case LeaningKind::kGenre:
      return std::min<std::size_t>(64, 64 * batch.size());  // a genre is a GenreMask bit
    case LeaningKind::kTheme:
      break;
    case LeaningKind::kEra:
      return batch.size();
  }
  std::size_t n = 0;
  for (const TasteEvidence& e : batch)
    n += e.themes.size();
  return n;
}

// The batch's sums for one key, each added in batch order, as a map filled
// in the batch's order would.
struct KeySums {
  std::uint32_t key = 0;
  std::uint32_t count = 0;  // films of the batch with this key
  double deviation = 0;     // sum of rating - new mean
  double rating = 0;
};

// The keys of one kind met in a merge, numbered in the order first met,
// found through an open-addressing hash table. Keys are any uint32 (a
// hand-written profile's term ids can be) and a merge meets a few hundred
// at most, so the table is sized to the merge, not to the key range. A
// slot is empty unless it carries the current generation, so starting over
// costs nothing.
class KeyTable {
 public:
  // Forgets every key; room for `keys` distinct ones.
  void reset(std::size_t keys) {
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(16, 2 * keys));
    if (slots > slots_.size() || ++generation_ == 0) {
      slots_.assign(std::max(slots, slots_.size()), Slot{});
      generation_ = 1;
    }
    shift_ = 32 - std::countr_zero(slots_.size());
    sums_.clear();
    sums_.reserve(keys);
  }

  // The number of `key`, which gets the next one if it is new.
  std::uint32_t find_or_add(std::uint32_t key) {
    const std::size_t mask = slots_.size() - 1;
    // Fibonacci hashing: the top bits of key * 2^32 / phi.
    for (std::size_t s = (key * 0x9e3779b1u) >> shift_;; s = (s + 1) & mask) {
      Slot& slot = slots_[s];
      if (slot.generation != generation_) {
        slot = {generation_, static_cast<std::uint32_t>(sums_.size())};
        sums_.push_back({key, 0, 0.0, 0.0});
        return slot.number;
      }
      if (sums_[slot.number].key == key)
        return slot.number;
    }
  }

  // By number.
  std::vector<KeySums>& sums() noexcept { return sums_; }

 private:
  struct Slot {
    std::uint32_t generation = 0;
    std::uint32_t number = 0;
  };
  std::uint32_t generation_ = 0;
  int shift_ = 28;
  std::vector<Slot> slots_;
  std::vector<KeySums> sums_;
};

// A leaning with the value it is ranked by, computed once.
struct Ranked {
  double shrunk = 0;
  OfflineLeaning leaning;
};

// Reused by the thread: merging runs on every profile update of every
// simulated user, where per-call allocations made it mostly malloc.
struct Scratch {
  KeyTable table;
  // The taste's leanings of a kind before the batch, by key number: they
  // are numbered first. A key listed twice (a hand-written profile) keeps
  // its last leaning.
  std::vector<OfflineLeaning> old;
  std::vector<std::uint64_t> order;    // key << 32 | number, of the keys merged
  std::vector<OfflineLeaning> merged;  // their leanings after the batch, in that order
  std::vector<Ranked> liked, disliked;
};

// Rounds half away from zero, as std::round, without a library call: for
// |x| < 2^52 the integer part fits an int64 and x minus it is exact, and
// larger doubles (and infinities and NaN) are whole already.
double round_half_away(double x) noexcept {
  if (!(std::fabs(x) < 4503599627370496.0))
    return x;
  const auto whole = static_cast<double>(static_cast<std::int64_t>(x));
  const double fraction = x - whole;
  const double rounded = fraction >= 0.5 ? whole + 1.0 : fraction <= -0.5 ? whole - 1.0 : whole;
  return std::copysign(rounded, x);
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
  const double rounded = round_half_away(value * 100.0) / 100.0;
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

  thread_local Scratch scratch;
  KeyTable& table = scratch.table;
  std::vector<KeySums>& sums = table.sums();
  std::vector<OfflineLeaning>& old = scratch.old;
  std::vector<std::uint64_t>& order = scratch.order;
  std::vector<OfflineLeaning>& merged = scratch.merged;
  std::vector<Ranked>& liked = scratch.liked;
  std::vector<Ranked>& disliked = scratch.disliked;
  // The largest move of a ranked value, from the profile before to the
  // evidence after (pruning aside), over the kinds in order and each kind's
  // keys ascending: the first of equal moves wins.
  std::optional<OfflineTasteChange> change;
  double largest = kNotableChange;
  for (const KindRules& rules : kKinds) {
    std::vector<OfflineLeaning>& leanings = taste.of(rules.kind);
    table.reset(leanings.size() + most_keys(rules.kind, batch));
    old.clear();
    for (const OfflineLeaning& leaning : leanings) {
      const std::uint32_t number = table.find_or_add(leaning.key);
      if (number < old.size())
        old[number] = leaning;
      else
        old.push_back(leaning);
    }
    for (const TasteEvidence& e : batch)
      for_each_key(rules.kind, e, [&](std::uint32_t key) {
        KeySums& sum = sums[table.find_or_add(key)];
        sum.deviation += e.rating - new_mean;
        sum.rating += e.rating;
        ++sum.count;
      });

    // A new key below its kind's minimum count is neither kept nor a change
    // (its ranked value counts as 0 before and after): most of a batch's
    // themes, seen once, stop here.
    order.clear();
    for (std::size_t number = 0; number < sums.size(); ++number) {
      if (number < old.size() || sums[number].count >= rules.min_count)
        order.push_back(std::uint64_t{sums[number].key} << 32 | number);
    }
    std::sort(order.begin(), order.end());

    merged.clear();
    liked.clear();
    disliked.clear();
    for (const std::uint64_t o : order) {
      const auto number = static_cast<std::uint32_t>(o);
      const KeySums& sum = sums[number];
      OfflineLeaning now{sum.key, 0.0f, 0};
      if (number < old.size())
        now = {sum.key, static_cast<float>(old[number].value + shift), old[number].count};
      if (sum.count > 0) {
        const double weight = std::min<double>(now.count, cap);
        now.value = static_cast<float>((now.value * weight + sum.deviation) /
                                       (weight + static_cast<double>(sum.count)));
        now.count += sum.count;
      }
      now.value = quantize_hundredths(now.value);
      merged.push_back(now);
      if (now.count < rules.min_count)
        continue;
      const double shrunk = shrunk_leaning(now);
      if (shrunk >= kNotableLeaning)
        liked.push_back({shrunk, now});
      if (shrunk <= -kNotableLeaning)
        disliked.push_back({shrunk, now});
    }
    // Strongest first; keys break ties so the order is fixed (and only the
    // kept ones need ordering).
    const auto keep = [&](std::vector<Ranked>& side, auto stronger) {
      const std::size_t n = std::min(side.size(), rules.keep_per_side);
      std::partial_sort(side.begin(), side.begin() + static_cast<std::ptrdiff_t>(n), side.end(),
                        stronger);
      for (std::size_t j = 0; j < n; ++j)
        leanings.push_back(side[j].leaning);
    };
    leanings.clear();
    keep(liked, [](const Ranked& a, const Ranked& b) {
      return a.shrunk != b.shrunk ? a.shrunk > b.shrunk : a.leaning.key < b.leaning.key;
    });
    keep(disliked, [](const Ranked& a, const Ranked& b) {
      return a.shrunk != b.shrunk ? a.shrunk < b.shrunk : a.leaning.key < b.leaning.key;
    });

    for (std::size_t j = 0; j < order.size(); ++j) {
      const auto number = static_cast<std::uint32_t>(order[j]);
      const bool had = number < old.size();
      const OfflineLeaning& now = merged[j];
      const double old_value = had ? shrunk_leaning(old[number]) : 0.0;
      const double new_value = now.count >= rules.min_count ? shrunk_leaning(now) : 0.0;
      const double moved = std::abs(new_value - old_value);
      if (moved < largest + 1e-9)
        continue;
      largest = moved;
      OfflineTasteChange c;
      c.kind = rules.kind;
      c.key = now.key;
      if (had)
        c.before = old[number].value;
      c.after = now.value;
      c.moved = static_cast<float>(moved);
      c.kept = std::any_of(leanings.begin(), leanings.end(),
                           [&](const OfflineLeaning& l) { return l.key == now.key; });
      const KeySums& sum = sums[number];
      if (sum.count > 0) {
        c.batch_count = sum.count;
        c.batch_mean = static_cast<float>(sum.rating / sum.count);
      }
      change = c;
    }
  }
  taste.mean = quantize_hundredths(new_mean);
  taste.rated += static_cast<std::uint32_t>(batch.size());
  return change;
}

}  // namespace lusifer
