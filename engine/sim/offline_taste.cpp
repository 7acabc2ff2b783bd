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
// in the batch's order would. A key of the taste before the batch carries
// kOld in its count, so that reaching the kind's minimum count never lists
// it a second time (see merge_kind). 16 bytes: the batch's ratings of a
// key, which only a change's sentence needs, are summed for that key alone.
struct KeySums {
  static constexpr std::uint32_t kOld = 1u << 31;

  std::uint32_t generation = 0;  // the sums are 0 unless it is the table's
  std::uint32_t count = 0;       // films of the batch with this key, | kOld
  double deviation = 0;          // sum of rating - new mean
};

// The sums of the keys of one kind met in a merge, by key. Keys are any
// uint32 (a hand-written profile's term ids can be), but the model's own
// are small: genre bits, decades, term ids of the content model (a few
// hundred to a few thousand). Those below kDenseKeys are found by indexing
// a table by key, without hashing or comparing keys, and their sums live
// there; the rest in an open-addressing hash table sized to the merge, not
// to the key range. Sums are 0 unless they carry the current generation, so
// starting over costs nothing.
class KeyTable {
  struct Hashed {
    std::uint32_t key = 0;
    KeySums sums;
  };

 public:
  // 1 MB of sums a thread, allocated once: a fixed size spares every visit
  // a bound that can grow.
  static constexpr std::uint32_t kDenseKeys = 1u << 16;

  // Forgets every key; room for `keys` distinct ones above kDenseKeys.
  void reset(std::size_t keys) {
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(16, 2 * keys));
    if (slots > hashed_.size() || ++generation_ == 0) {
      hashed_.assign(std::max(slots, hashed_.size()), Hashed{});
      dense_.assign(kDenseKeys, KeySums{});
      generation_ = 1;
    }
    shift_ = 32 - std::countr_zero(hashed_.size());
  }

  // The table's state in locals, for a run of lookups: the table lives in
  // thread-local scratch, and stores into the sums (which might alias it,
  // as far as the compiler knows) made every lookup reload it.
  class Cursor {
   public:
    explicit Cursor(KeyTable& table) noexcept
        : dense_(table.dense_.data()),
          hashed_(table.hashed_.data()),
          mask_(table.hashed_.size() - 1),
          shift_(table.shift_),
          generation_(table.generation_) {}

    std::uint32_t generation() const noexcept { return generation_; }

    // The sums of `key`, which are 0 unless their generation is current
    // (a new key's slot is reserved: at most the `keys` of reset above
    // kDenseKeys in all).
    KeySums& find(std::uint32_t key) const noexcept {
      if (key < kDenseKeys) [[likely]]
        return dense_[key];
      // Fibonacci hashing: the top bits of key * 2^32 / phi.
      for (std::size_t s = (key * 0x9e3779b1u) >> shift_;; s = (s + 1) & mask_) {
        Hashed& slot = hashed_[s];
        if (slot.sums.generation != generation_) {
          slot.key = key;
          return slot.sums;
        }
        if (slot.key == key)
          return slot.sums;
      }
    }

   private:
    KeySums* dense_;
    Hashed* hashed_;
    std::size_t mask_;
    int shift_;
    std::uint32_t generation_;
  };

 private:
  std::uint32_t generation_ = 0;
  int shift_ = 28;
  std::vector<KeySums> dense_;  // by key, for keys below kDenseKeys
  std::vector<Hashed> hashed_;  // for the others
};

// A leaning with the value it is ranked by, computed once.
struct Ranked {
  double shrunk = 0;
  OfflineLeaning leaning;
};

// A key's leaning after the batch, where it came from and how far its
// ranked value moved.
struct Merged {
  static constexpr std::uint32_t kNew = 0xffffffffu;

  OfflineLeaning leaning;
  std::uint32_t old = kNew;  // index of its leaning before the batch
  std::uint32_t batch_count = 0;
  double moved = 0;
};

// Reused by the thread: merging runs on every profile update of every
// simulated user, where per-call allocations made it mostly malloc.
struct Scratch {
  KeyTable table;
  // The keys merged: every key of the taste before the batch (the first
  // listed_old), and every new key that reached its kind's minimum count.
  std::vector<std::uint32_t> listed;
  std::vector<std::uint32_t> listed_old;  // their indices into `old`
  // The taste's leanings of a kind before the batch.
  std::vector<OfflineLeaning> old;
  std::vector<Merged> merged;  // the keys merged, in listed order
  std::vector<Ranked> liked, disliked;
  std::vector<std::uint64_t> candidates;  // key << 32 | index into merged
};

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

namespace {

// What every kind of one merge shares.
struct MergeContext {
  double new_mean = 0;
  double shift = 0;  // re-centres the old leanings on the new mean
  double cap = 0;
  Scratch& scratch;
  // The change so far (kinds in order), and how far it moved.
  std::optional<OfflineTasteChange> change;
  double largest = kNotableChange;
};

// Merges the batch's evidence of one kind. Without kChange, only the taste:
// neither how far each key moved nor the batch's mean rating of a key.
template <LeaningKind kKind, bool kChange>
void merge_kind(const KindRules& rules, std::vector<OfflineLeaning>& leanings,
                std::span<const TasteEvidence> batch, MergeContext& context) {
  Scratch& scratch = context.scratch;
  KeyTable& table = scratch.table;
  std::vector<OfflineLeaning>& old = scratch.old;
  std::vector<Merged>& merged = scratch.merged;
  std::vector<Ranked>& liked = scratch.liked;
  std::vector<Ranked>& disliked = scratch.disliked;
  std::vector<std::uint64_t>& candidates = scratch.candidates;
  const double new_mean = context.new_mean;
  const double shift = context.shift;
  const double cap = context.cap;
  const std::uint32_t min_count = rules.min_count;

  // The keys merged, listed as they qualify: the old ones first, then each
  // new key when its count reaches the kind's minimum. A new key below it is
  // neither kept nor a change (its ranked value counts as 0 before and
  // after): most of a batch's themes, seen once, are never listed. The
  // profile keeps the strongest whatever the order (keys break ties), and
  // only the few keys that moved past the largest move so far need the key
  // order the change rule is stated in. (Written through pointers: pushing
  // into the thread-local vectors reloaded them on every element.)
  const std::size_t most = leanings.size() + most_keys(kKind, batch);
  table.reset(most);
  if (scratch.listed.size() <= most) {
    scratch.listed.resize(most + 1);  // and the slot a visit writes past the last
    merged.resize(most);
    liked.resize(most);
    disliked.resize(most);
    candidates.resize(most);
  }
  std::uint32_t* const listed = scratch.listed.data();
  std::vector<std::uint32_t>& listed_old = scratch.listed_old;
  listed_old.clear();
  std::size_t listed_count = 0;
  old.assign(leanings.begin(), leanings.end());
  const KeyTable::Cursor cursor(table);
  const std::uint32_t generation = cursor.generation();
  for (std::uint32_t k = 0; k < old.size(); ++k) {
    const std::uint32_t key = old[k].key;
    KeySums& sum = cursor.find(key);
    if (sum.generation == generation) {
      // Listed twice (a hand-written profile): the last leaning counts.
      listed_old[static_cast<std::size_t>(std::find(listed, listed + listed_count, key) - listed)] =
          k;
      continue;
    }
    sum = {generation, KeySums::kOld, 0.0};
    listed[listed_count++] = key;
    listed_old.push_back(k);
  }
  for (const TasteEvidence& e : batch) {
    const double deviation = e.rating - new_mean;
    for_each_key(kKind, e, [&](std::uint32_t key) {
      KeySums& sum = cursor.find(key);
      std::uint32_t count = 1;
      if (sum.generation != generation) {
        sum = {generation, 1, 0.0 + deviation};
      } else {
        count += sum.count;
        sum.count = count;
        sum.deviation += deviation;
      }
      // Written always, kept when the key qualifies now: no branch.
      listed[listed_count] = key;
      listed_count += count == min_count;
    });
  }

  Merged* const merged_out = merged.data();
  Ranked* const liked_out = liked.data();
  Ranked* const disliked_out = disliked.data();
  std::uint64_t* const candidate_out = candidates.data();
  const double threshold = context.largest + 1e-9;
  std::size_t merged_count = 0, liked_count = 0, disliked_count = 0, candidate_count = 0;
  bool unordered_move = false;  // a NaN move: see below
  for (std::size_t j = 0; j < listed_count; ++j) {
    const std::uint32_t key = listed[j];
    const KeySums& sum = cursor.find(key);
    const std::uint32_t batch_count = sum.count & ~KeySums::kOld;
    const bool had = j < listed_old.size();
    const std::uint32_t from = had ? listed_old[j] : Merged::kNew;
    OfflineLeaning now{key, 0.0f, 0};
    if (had)
      now = {key, static_cast<float>(old[from].value + shift), old[from].count};
    if (batch_count > 0) {
      const double weight = std::min<double>(now.count, cap);
      now.value = static_cast<float>((now.value * weight + sum.deviation) /
                                     (weight + static_cast<double>(batch_count)));
      now.count += batch_count;
    }
    now.value = quantize_hundredths(now.value);
    double new_value = 0.0;
    if (now.count >= min_count) {
      const double shrunk = shrunk_leaning(now);
      new_value = shrunk;
      if (shrunk >= kNotableLeaning)
        liked_out[liked_count++] = {shrunk, now};
      if (shrunk <= -kNotableLeaning)
        disliked_out[disliked_count++] = {shrunk, now};
    }
    if constexpr (kChange) {
      const double old_value = had ? shrunk_leaning(old[from]) : 0.0;
      const double moved = std::abs(new_value - old_value);
      merged_out[merged_count] = {now, from, batch_count, moved};
      if (!(moved < threshold))
        candidate_out[candidate_count++] = std::uint64_t{key} << 32 | merged_count;
      unordered_move |= std::isnan(moved);
      ++merged_count;
    }
  }
  // Strongest first; keys break ties so the order is fixed (and only the
  // kept ones need ordering).
  const auto keep = [&](Ranked* side, std::size_t count, auto stronger) {
    const std::size_t n = std::min(count, rules.keep_per_side);
    std::partial_sort(side, side + n, side + count, stronger);
    for (std::size_t j = 0; j < n; ++j)
      leanings.push_back(side[j].leaning);
  };
  leanings.clear();
  keep(liked_out, liked_count, [](const Ranked& a, const Ranked& b) {
    return a.shrunk != b.shrunk ? a.shrunk > b.shrunk : a.leaning.key < b.leaning.key;
  });
  keep(disliked_out, disliked_count, [](const Ranked& a, const Ranked& b) {
    return a.shrunk != b.shrunk ? a.shrunk < b.shrunk : a.leaning.key < b.leaning.key;
  });
  if constexpr (!kChange)
    return;

  // The change rule, over the keys ascending: the first of equal moves
  // wins. A key that moved less than the largest move before this kind can
  // never pass it; a NaN move (NaN values in a hand-written profile) would
  // pass every later key, so then every key is scanned.
  if (unordered_move) {
    candidate_count = 0;
    for (std::size_t j = 0; j < merged_count; ++j)
      candidate_out[candidate_count++] = std::uint64_t{merged_out[j].leaning.key} << 32 | j;
  }
  std::sort(candidate_out, candidate_out + candidate_count);
  bool changed = false;
  for (std::size_t k = 0; k < candidate_count; ++k) {
    const Merged& m = merged_out[static_cast<std::uint32_t>(candidate_out[k])];
    const OfflineLeaning& now = m.leaning;
    const double moved = m.moved;
    if (moved < context.largest + 1e-9)
      continue;
    context.largest = moved;
    OfflineTasteChange c;
    c.kind = rules.kind;
    c.key = now.key;
    if (m.old != Merged::kNew)
      c.before = old[m.old].value;
    c.after = now.value;
    c.moved = static_cast<float>(moved);
    c.kept = std::any_of(leanings.begin(), leanings.end(),
                         [&](const OfflineLeaning& l) { return l.key == now.key; });
    c.batch_count = m.batch_count;
    context.change = c;
    changed = true;
  }
  // The batch's mean rating of the change's key, its ratings summed in
  // batch order as the key's other sums are.
  if (changed && context.change->batch_count > 0) {
    OfflineTasteChange& c = *context.change;
    double rating = 0;
    for (const TasteEvidence& e : batch)
      for_each_key(kKind, e, [&](std::uint32_t key) {
        if (key == c.key)
          rating += e.rating;
      });
    c.batch_mean = static_cast<float>(rating / c.batch_count);
  }
}

template <bool kChange>
std::optional<OfflineTasteChange> merge(OfflineTaste& taste, std::span<const TasteEvidence> batch,
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
  thread_local Scratch scratch;
  // The largest move of a ranked value, from the profile before to the
  // evidence after (pruning aside), over the kinds in order and each kind's
  // keys ascending: the first of equal moves wins. Old leanings were
  // deviations from the old average: re-centred on the new one.
  MergeContext context{.new_mean = new_mean,
                       .shift = taste.rated == 0 ? 0.0 : taste.mean - new_mean,
                       .cap = cap,
                       .scratch = scratch,
                       .change = std::nullopt,
                       .largest = kNotableChange};
  static_assert(kKinds[0].kind == LeaningKind::kGenre && kKinds[1].kind == LeaningKind::kTheme &&
                kKinds[2].kind == LeaningKind::kEra);
  merge_kind<LeaningKind::kGenre, kChange>(kKinds[0], taste.genres, batch, context);
  merge_kind<LeaningKind::kTheme, kChange>(kKinds[1], taste.themes, batch, context);
  merge_kind<LeaningKind::kEra, kChange>(kKinds[2], taste.eras, batch, context);
  taste.mean = quantize_hundredths(new_mean);
  taste.rated += static_cast<std::uint32_t>(batch.size());
  return context.change;
}

}  // namespace

std::optional<OfflineTasteChange> merge_taste(OfflineTaste& taste,
                                              std::span<const TasteEvidence> batch,
                                              const OfflineTasteOptions& options) {
  return merge<true>(taste, batch, options);
}

void fold_taste(OfflineTaste& taste, std::span<const TasteEvidence> batch,
                const OfflineTasteOptions& options) {
  merge<false>(taste, batch, options);
}

}  // namespace lusifer
