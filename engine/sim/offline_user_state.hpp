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

// An item's score without drift: a function of the user and the item alone
// (the fitted model's), whatever the state. Packed, 12 bytes instead of 16:
// a user holds up to update_every x slate size of these between folds (50
// in bench/configs/rl-1m.toml), 200 bytes a user less at a million users;
// the unaligned double costs nothing measurable on x86.
struct [[gnu::packed]] OfflineUndriftedScore {
  ItemIndex item = 0;
  double raw = 0;
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
  // The drift-free scores of the items rated since the last fold, which the
  // fold's residuals need: kept from the rating, they spare the fold
  // scoring every item again. A cache only: it never changes a result (an
  // item missing from it is scored), so checkpoints leave it out. Emptied,
  // its memory released, by every fold; at most kMaxUndrifted entries.
  static constexpr std::size_t kMaxUndrifted = 256;
  std::vector<OfflineUndriftedScore> undrifted;

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

// An OfflineUserState kept aside in one allocation of just its contents:
// the phase-1 state a user actor returns to at every episode. As a second
// OfflineUserState it cost ~450 bytes a user (the struct, and four vectors
// with an allocation each); frozen, ~170 (values at the 0.01 the taste and
// drift keep, as whole hundredths; a state with other values is frozen as
// it is). thaw() gives back every field, bit for bit, but the `undrifted`
// cache, which comes back empty (a cache never changes a result).
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

// Residuals of one batch, by genre bit.
struct GenreResiduals {
  std::array<double, 64> sum{};
  std::array<std::uint32_t, 64> count{};
};

// Applies one batch's residuals to `drift` as described above.
void update_drift(std::vector<OfflineDrift>& drift, const GenreResiduals& residuals,
                  const OfflineDriftOptions& options);

}  // namespace lusifer
