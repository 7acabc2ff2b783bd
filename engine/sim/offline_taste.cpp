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

// The keys of one kind met in a merge, numbered in the order first met.
// Keys are any uint32 (a hand-written profile's term ids can be), but the
// model's own are small: genre bits, decades, term ids of the content model
// (a few hundred to a few thousand). Those below kDenseKeys are found by
// indexing a table by key, without hashing or comparing keys; the rest
// through an open-addressing hash table sized to the merge, not to the key
// range. A slot of either is empty unless it carries the current
// generation, so starting over costs nothing.
class KeyTable {
  struct Slot {
    std::uint32_t generation = 0;
    std::uint32_t number = 0;
  };

 public:
  // Up to 512 KB of slots a thread at most; the model's keys need a few KB.
  static constexpr std::uint32_t kDenseKeys = 1u << 16;

  // Forgets every key; room for `keys` distinct ones.
  void reset(std::size_t keys) {
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(16, 2 * keys));
    if (slots > slots_.size() || ++generation_ == 0) {
      slots_.assign(std::max(slots, slots_.size()), Slot{});
      dense_.assign(dense_.size(), Slot{});
      generation_ = 1;
    }
    shift_ = 32 - std::countr_zero(slots_.size());
    if (sums_.size() < keys)
      sums_.resize(keys);
    count_ = 0;
  }

  // The table's state in locals, for a run of lookups: the table lives in
  // thread-local scratch, and stores into the sums (which might alias it,
  // as far as the compiler knows) made every lookup reload it.
  class Cursor {
   public:
    explicit Cursor(KeyTable& table) noexcept
        : table_(table),
          dense_(table.dense_.data()),
          dense_size_(table.dense_.size()),
          slots_(table.slots_.data()),
          mask_(table.slots_.size() - 1),
          shift_(table.shift_),
          generation_(table.generation_),
          sums_(table.sums_.data()),
          count_(table.count_) {}
    ~Cursor() { table_.count_ = count_; }
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    // The sums of `key`, which gets the next number if it is new (at most
    // the `keys` of reset in all).
    KeySums& find_or_add(std::uint32_t key) {
      if (key < dense_size_) [[likely]]
        return find_or_add_at(dense_[key], key);
      if (key < kDenseKeys) {
        grow_dense(key);
        return find_or_add_at(dense_[key], key);
      }
      // Fibonacci hashing: the top bits of key * 2^32 / phi.
      for (std::size_t s = (key * 0x9e3779b1u) >> shift_;; s = (s + 1) & mask_) {
        Slot& slot = slots_[s];
        if (slot.generation != generation_ || sums_[slot.number].key == key)
          return find_or_add_at(slot, key);
      }
    }
    // The number of a key, from its sums.
    std::uint32_t number_of(const KeySums& sum) const noexcept {
      return static_cast<std::uint32_t>(&sum - sums_);
    }

   private:
    KeySums& find_or_add_at(Slot& slot, std::uint32_t key) noexcept {
      if (slot.generation != generation_) {
        slot = {generation_, count_};
        sums_[count_] = {key, 0, 0.0, 0.0};
        return sums_[count_++];
      }
      return sums_[slot.number];
    }
    // Room in the dense table for `key`; its new slots are empty (of
    // generation 0, which reset never leaves current).
    void grow_dense(std::uint32_t key) {
      table_.dense_.resize(std::bit_ceil(std::size_t{key} + 1));
      dense_ = table_.dense_.data();
      dense_size_ = table_.dense_.size();
    }

    KeyTable& table_;
    Slot* dense_;
    std::size_t dense_size_;
    Slot* slots_;
    std::size_t mask_;
    int shift_;
    std::uint32_t generation_;
    KeySums* sums_;
    std::uint32_t count_;
  };

  // By number.
  std::span<KeySums> sums() noexcept { return std::span<KeySums>(sums_).first(count_); }

 private:
  std::uint32_t generation_ = 0;
  int shift_ = 28;
  std::uint32_t count_ = 0;
  std::vector<Slot> dense_;    // by key, for keys below kDenseKeys
  std::vector<Slot> slots_;    // hashed, for the others
  std::vector<KeySums> sums_;  // the first count_ are in use
};

// A leaning with the value it is ranked by, computed once.
struct Ranked {
  double shrunk = 0;
  OfflineLeaning leaning;
};

// A key's leaning after the batch, its number and how far its ranked value
// moved.
struct Merged {
  OfflineLeaning leaning;
  std::uint32_t number = 0;
  double moved = 0;
};

// Reused by the thread: merging runs on every profile update of every
// simulated user, where per-call allocations made it mostly malloc.
struct Scratch {
  KeyTable table;
  // The taste's leanings of a kind before the batch, by key number: they
  // are numbered first. A key listed twice (a hand-written profile) keeps
  // its last leaning.
  std::vector<OfflineLeaning> old;
  std::vector<Merged> merged;  // the keys merged, in number order
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

  table.reset(leanings.size() + most_keys(kKind, batch));
  old.clear();
  {
    KeyTable::Cursor cursor(table);
    for (const OfflineLeaning& leaning : leanings) {
      const std::uint32_t number = cursor.number_of(cursor.find_or_add(leaning.key));
      if (number < old.size())
        old[number] = leaning;
      else
        old.push_back(leaning);
    }
    for (const TasteEvidence& e : batch) {
      const double deviation = e.rating - new_mean;
      const double rating = e.rating;
      for_each_key(kKind, e, [&](std::uint32_t key) {
        KeySums& sum = cursor.find_or_add(key);
        sum.deviation += deviation;
        if constexpr (kChange)
          sum.rating += rating;
        ++sum.count;
      });
    }
  }
  const std::span<const KeySums> sums = table.sums();
  const std::size_t old_count = old.size();

  // Every key merged in number order: the profile keeps the strongest
  // whatever the order (keys break ties), and only the few keys that
  // moved past the largest move so far need the key order the change
  // rule is stated in. A new key below its kind's minimum count is
  // neither kept nor a change (its ranked value counts as 0 before and
  // after): most of a batch's themes, seen once, stop here. (Written
  // through pointers: pushing into the thread-local vectors reloaded them
  // on every element.)
  if (merged.size() < sums.size()) {
    merged.resize(sums.size());
    liked.resize(sums.size());
    disliked.resize(sums.size());
    candidates.resize(sums.size());
  }
  Merged* const merged_out = merged.data();
  Ranked* const liked_out = liked.data();
  Ranked* const disliked_out = disliked.data();
  std::uint64_t* const candidate_out = candidates.data();
  const double threshold = context.largest + 1e-9;
  std::size_t merged_count = 0, liked_count = 0, disliked_count = 0, candidate_count = 0;
  bool unordered_move = false;  // a NaN move: see below
  for (std::size_t number = 0; number < sums.size(); ++number) {
    const KeySums& sum = sums[number];
    const bool had = number < old_count;
    if (!had && sum.count < rules.min_count)
      continue;
    OfflineLeaning now{sum.key, 0.0f, 0};
    if (had)
      now = {sum.key, static_cast<float>(old[number].value + shift), old[number].count};
    if (sum.count > 0) {
      const double weight = std::min<double>(now.count, cap);
      now.value = static_cast<float>((now.value * weight + sum.deviation) /
                                     (weight + static_cast<double>(sum.count)));
      now.count += sum.count;
    }
    now.value = quantize_hundredths(now.value);
    double new_value = 0.0;
    if (now.count >= rules.min_count) {
      const double shrunk = shrunk_leaning(now);
      new_value = shrunk;
      if (shrunk >= kNotableLeaning)
        liked_out[liked_count++] = {shrunk, now};
      if (shrunk <= -kNotableLeaning)
        disliked_out[disliked_count++] = {shrunk, now};
    }
    if constexpr (kChange) {
      const double old_value = had ? shrunk_leaning(old[number]) : 0.0;
      const double moved = std::abs(new_value - old_value);
      merged_out[merged_count] = {now, static_cast<std::uint32_t>(number), moved};
      if (!(moved < threshold))
        candidate_out[candidate_count++] = std::uint64_t{sum.key} << 32 | merged_count;
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
  for (std::size_t k = 0; k < candidate_count; ++k) {
    const Merged& m = merged_out[static_cast<std::uint32_t>(candidate_out[k])];
    const bool had = m.number < old_count;
    const OfflineLeaning& now = m.leaning;
    const double moved = m.moved;
    if (moved < context.largest + 1e-9)
      continue;
    context.largest = moved;
    OfflineTasteChange c;
    c.kind = rules.kind;
    c.key = now.key;
    if (had)
      c.before = old[m.number].value;
    c.after = now.value;
    c.moved = static_cast<float>(moved);
    c.kept = std::any_of(leanings.begin(), leanings.end(),
                         [&](const OfflineLeaning& l) { return l.key == now.key; });
    const KeySums& sum = sums[m.number];
    if (sum.count > 0) {
      c.batch_count = sum.count;
      c.batch_mean = static_cast<float>(sum.rating / sum.count);
    }
    context.change = c;
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
