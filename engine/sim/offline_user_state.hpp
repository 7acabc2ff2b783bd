#pragma once

// The evolving part of one offline simulated user (not an LLM): everything
// that changes during an episode, kept apart from the fitted model, which is
// immutable and shared. Whoever drives the user (a user actor, a test, the
// mock LLM server per request) owns one OfflineUserState per user; it is a
// plain value of a few hundred bytes, cheap to copy and checkpoint.
//
// What "profile update" means for the offline model:
// - The taste summary (offline_taste.hpp) is what the profile text says:
//   leanings by genre, theme and era, revised batch by batch.
// - The drift is what the user has learned since the model was fitted: one
//   value per genre, added to the score of items of that genre (the mean over
//   the item's genres). A batch moves it toward the mean residual (rating
//   minus the model's score before drift) of the batch's ratings of that
//   genre, as a shrunk average with the old drift decayed:
//     drift_g <- (prior * decay * drift_g + n_g * residual_g) / (prior + n_g)
//   while genres absent from the batch only decay. Ratings the model was
//   trained on carry no news and are left out of the residuals (they only
//   shape the taste). Drift is clamped to +-max, kept at 0.01 precision, and
//   only the kMaxDriftGenres largest (at least 0.05 in size) are kept, so the
//   profile text can carry all of it.
// - Feedback is collected in `pending` and folded in every `update_every`
//   events, like the LLM path that re-prompts every `update_every` ratings.
// Deterministic: the same feedback in the same order gives the same state.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/llm_task.hpp"
#include "engine/sim/offline_taste.hpp"

namespace lusifer {

struct OfflineDrift {
  std::uint8_t genre = 0;  // the genre's bit
  float value = 0;

  bool operator==(const OfflineDrift&) const = default;
};

// Residuals of one batch, by genre bit.
struct GenreResiduals {
  std::array<double, 64> sum{};
  std::array<std::uint32_t, 64> count{};
};

// What a fold's drift needs of the items rated since the last fold, tallied
// as they are rated, so the fold need not score them again: per genre a
// profile can print, the sum of the residuals (rating minus the model's
// drift-free score) of the rated items the user was not trained on, in the
// order rated, and their count; and how many such items there were. When
// the fold's batch is exactly the (item, rating) sequence tallied, these are
// the fold's own sums, bit for bit (the same doubles added in the same
// order); any other batch is scored as if there were no tally.
//
// Whether the batch is that sequence is told by the user, the count, and a
// 64-bit hash chained over the (item, rating bits) pairs: h <- mix(h ^ pair)
// with `mix` a bijection, so each step is one-to-one in the pair and in h.
// A batch of another length, another user's, or one that differs from the
// sequence in a single place (a changed rating, a changed item) is always
// told apart; one that differs in two or more places (a reorder) passes
// only if 64 mixed bits agree by chance, about 2^-64 a fold that is not the
// tallied sequence, which happens only where a caller folds other feedback
// than it rated (not in simulations: the user actor's batch is its slates'
// ratings in order). A pass would fold the tallied sequence's residuals
// instead of the batch's. Storing the sequence itself (the exact check)
// would cost 3 to 8 bytes an item, 150 to 400 for a fold of 50, about as
// much as the sums themselves; the hash costs 8.
//
// Memory: nothing (a null pointer) until the first item is rated after a
// fold, then one block of 24 + 9 bytes a printable genre (186 with the 18 of
// MovieLens and the synthetic world: mimalloc's bin of 192), whatever the
// number of items, released by the fold. The drift-free scores it replaced
// took 12 bytes an item (600 for a fold of 50, a bin of 640), in every user
// at once just before a synchronous fold.
//
// Valid for the one model that rated the items (the scores and the genres
// it prints are its own); a cache in that it never changes a result but by
// a collision as above, so copies carry it and checkpoints leave it out.
class OfflineResidualTally {
 public:
  // Items tallied at most (counts are bytes): a longer run of ratings
  // without a fold starts the tally again, and its fold scores the items.
  static constexpr std::size_t kMaxItems = 255;

  OfflineResidualTally() = default;
  OfflineResidualTally(const OfflineResidualTally& other);
  OfflineResidualTally& operator=(const OfflineResidualTally& other);
  OfflineResidualTally(OfflineResidualTally&&) noexcept = default;
  OfflineResidualTally& operator=(OfflineResidualTally&&) noexcept = default;

  // Makes room for `items` more items rated by `user`, with `printable` the
  // model's printable genres (the same at every call) and `trained_filter`
  // the filter_of() the user's training items. Starts again from nothing if
  // the tally is of another user or would pass kMaxItems; false (and empty)
  // when `items` alone would: add() nothing then.
  bool open(UserIndex user, GenreMask printable, std::uint64_t trained_filter, std::size_t items);
  // The filter of may_be_trained: bit item % 64 of each item.
  template <class Items>
  static std::uint64_t filter_of(const Items& items) noexcept {
    std::uint64_t filter = 0;
    for (const ItemIndex i : items)
      filter |= std::uint64_t{1} << (i % 64);
    return filter;
  }
  // False when `item` is not one of the user's training items given to the
  // open() that started the tally; true when it may be (the caller then
  // searches them): a filter of a bit per item modulo 64, which spares most
  // ratings the search (4 in 10 still search in the 2,000-user benchmark,
  // whose users have 40 training items).
  bool may_be_trained(ItemIndex item) const noexcept {
    return ((header().trained >> (item % 64)) & 1) != 0;
  }
  // Adds an item rated `rating`, at most as many as the last open() made
  // room for: `genres` its genres (those outside `printable`, as given to
  // open(), are ignored), `residual` the rating minus its drift-free score,
  // ignored when `trained` (the user was trained on the item: it only counts
  // in the hash). Inline: every rating calls it.
  void add(GenreMask printable, ItemIndex item, float rating, GenreMask genres, bool trained,
           double residual) noexcept {
    Header& h = header();
    h.hash = chain(h.hash, item, rating);
    ++h.rated;
    if (trained)
      return;
    ++h.news;
    double* sums = sums_of(h);
    std::uint8_t* counts = counts_of(h);
    // Read once: the stores to the counts may alias them.
    const unsigned first = h.first, slots = h.genres;
    for (GenreMask m = genres & printable; m != 0; m &= m - 1) {
      const int bit = std::countr_zero(m);
      const unsigned slot =
          first != kScattered ? static_cast<unsigned>(bit) - first : scattered_slot(printable, bit);
      if (slot >= slots)
        continue;  // `printable` is not what open() was given
      sums[slot] += residual;
      ++counts[slot];
    }
  }
  // Whether `batch` (items and ratings) is the sequence added for `user`
  // with `printable`, up to the hash's chance above.
  bool matches(UserIndex user, GenreMask printable,
               std::span<const Interaction> batch) const noexcept;
  // Whether it holds exactly `rated` items of `user` with `printable`: the
  // check of a caller that vouches for the sequence itself, having kept
  // only its length (OfflineUserModel::fold_rated_drift).
  bool holds(UserIndex user, GenreMask printable, std::size_t rated) const noexcept;
  // Writes the sums and counts into `out` (all zeros before), by genre
  // bit, and returns the count of items that carried a residual. Only for a
  // tally that matches() or holds() with these `printable` genres.
  std::size_t residuals(GenreMask printable, GenreResiduals& out) const noexcept;
  // Forgets everything added and releases the memory.
  void clear() noexcept { bytes_.reset(); }

  bool empty() const noexcept { return bytes_ == nullptr; }
  // The bytes allocated (0 when empty).
  std::size_t allocated_bytes() const noexcept;

 private:
  // The block: this, then a double (the sum) for each printable genre in
  // bit order, then a byte (the count) for each.
  struct Header {
    std::uint64_t hash;
    std::uint64_t trained;  // the filter of may_be_trained
    UserIndex user;
    std::uint8_t rated;   // items added
    std::uint8_t news;    // items with a residual
    std::uint8_t genres;  // printable genres: the sums and counts
    // The lowest printable genre when they are a run (MovieLens' and the
    // synthetic world's): a genre's slot is its distance from it.
    std::uint8_t first;
  };
  static_assert(kMaxItems <= UINT8_MAX, "`rated` and the counts are bytes");
  static constexpr std::uint8_t kScattered = 0xff;

  Header& header() noexcept { return *reinterpret_cast<Header*>(bytes_.get()); }
  const Header& header() const noexcept { return *reinterpret_cast<const Header*>(bytes_.get()); }
  static double* sums_of(Header& h) noexcept { return reinterpret_cast<double*>(&h + 1); }
  static const double* sums_of(const Header& h) noexcept {
    return reinterpret_cast<const double*>(&h + 1);
  }
  static std::uint8_t* counts_of(Header& h) noexcept {
    return reinterpret_cast<std::uint8_t*>(sums_of(h) + h.genres);
  }
  static const std::uint8_t* counts_of(const Header& h) noexcept {
    return reinterpret_cast<const std::uint8_t*>(sums_of(h) + h.genres);
  }
  static std::size_t block_size(std::size_t genres) noexcept {
    return sizeof(Header) + genres * (sizeof(double) + sizeof(std::uint8_t));
  }
  // The slot of genre `bit` when the printable genres are not a run: the
  // count of those below it.
  static unsigned scattered_slot(GenreMask printable, int bit) noexcept;
  // One step of the hash: (item, rating bits) packed one to one in 64 bits,
  // through SplitMix64's finalizer (xor-shifts and odd multipliers, each a
  // bijection).
  static std::uint64_t chain(std::uint64_t hash, ItemIndex item, float rating) noexcept {
    std::uint64_t x = hash ^ ((std::uint64_t{item} << 32) | std::bit_cast<std::uint32_t>(rating));
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
  }

  std::unique_ptr<std::byte[]> bytes_;
};

struct OfflineDriftOptions {
  double prior = 5.0;  // ratings' worth of weight the old drift keeps
  double decay = 0.8;  // per update
  double max = 1.5;    // on the rating scale
};

struct OfflineUserState {
  static constexpr std::size_t kMaxDriftGenres = 4;

  UserIndex user = 0;
  OfflineTaste taste;
  // Largest |value| first; at most kMaxDriftGenres.
  std::vector<OfflineDrift> drift;
  // Feedback since the last update, oldest first; never longer than the
  // model's update_every.
  std::vector<Interaction> pending;
  std::uint32_t updates = 0;  // batches folded in
  // The residuals of the items rated since the last fold, which the fold's
  // drift needs: tallied by the ratings (OfflineUserModel::rate), they
  // spare the fold scoring every item again. Cleared, its memory released,
  // by every fold; checkpoints and frozen states leave it out.
  OfflineResidualTally residuals;

  // The drift term of an item with these genres: the mean of the drift over
  // them (genres without drift count as 0). Inline: every score with drift
  // calls it.
  double drift_for(GenreMask genres) const noexcept {
    if (drift.empty() || genres == 0)
      return 0.0;
    double sum = 0;
    for (const OfflineDrift& d : drift)
      if (genres & (GenreMask{1} << d.genre))
        sum += d.value;
    // An item has a few genres: counted one by one, they cost less than
    // std::popcount, a library call without a POPCNT instruction (the
    // baseline x86-64 the engine is built for).
    int count = 0;
    for (GenreMask m = genres; m != 0; m &= m - 1)
      ++count;
    return sum / count;
  }
};

// The user actor keeps its state out of line, in one of mimalloc's bins of
// 160 bytes: the next is 192, 32 bytes more in every user.
static_assert(sizeof(OfflineUserState) <= 160, "OfflineUserState outgrows mimalloc's bin of 160");

// An OfflineUserState kept aside in one allocation of just its contents:
// the phase-1 state a user actor returns to at every episode. As a second
// OfflineUserState it cost ~450 bytes a user (the struct, and four vectors
// with an allocation each); frozen, ~170 (values at the 0.01 the taste and
// drift keep, as whole hundredths; a state with other values is frozen as
// it is). thaw() gives back every field, bit for bit, but the residual
// tally, which comes back empty (its fold scores the items instead).
class FrozenOfflineState {
 public:
  FrozenOfflineState() = default;
  explicit FrozenOfflineState(const OfflineUserState& state);
  FrozenOfflineState(const FrozenOfflineState& other);
  FrozenOfflineState& operator=(const FrozenOfflineState& other);
  FrozenOfflineState(FrozenOfflineState&&) noexcept = default;
  FrozenOfflineState& operator=(FrozenOfflineState&&) noexcept = default;

  // Whether a state is held (a default-constructed one holds none).
  explicit operator bool() const noexcept { return bytes_ != nullptr; }
  // The state frozen; std::logic_error when none is held.
  OfflineUserState thaw() const;

 private:
  std::size_t byte_count() const noexcept;

  std::unique_ptr<std::byte[]> bytes_;
};

// Applies one batch's residuals to `drift` as described above.
void update_drift(std::vector<OfflineDrift>& drift, const GenreResiduals& residuals,
                  const OfflineDriftOptions& options);

}  // namespace lusifer
