#pragma once

// A simulated user's recent interactions, kept in one ring: the last
// `window` interactions (the context a rate prompt shows) and, overlapping
// them, the interactions not yet folded into the profile (the next profile
// update's batch). Both are suffixes of the same sequence, so one ring that
// keeps the longer of the two holds both; a user actor keeps one of these
// instead of a deque and a vector, which matters at a million users.
//
// The ring starts with room for the window alone and grows only when the
// pending interactions outnumber what it holds, straight to the longest
// batch expected; it never shrinks, so after the first update cycle a
// user's interactions cost no allocation. A user whose pending
// interactions are not kept (phase 1, or a run that folds its feedback
// without them) never pays for the room a batch would need.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/sim/llm_task.hpp"

namespace lusifer {

class InteractionWindow {
 public:
  // `window`: how many recent interactions the window shows (0 shows none).
  // `expected_pending`: the longest pending batch expected (update_every x
  // slate size); the ring's first growth makes room for it at once.
  explicit InteractionWindow(std::size_t window = 0, std::size_t expected_pending = 0);

  // Forgets everything, then holds `recent` (oldest first; only its last
  // `window` count) with nothing pending: the start of an episode.
  void reset(std::span<const Interaction> recent);

  // Appends an interaction to the window and to the pending batch.
  void push(const Interaction& interaction);

  std::size_t window_size() const noexcept;
  std::size_t pending_size() const noexcept { return pending_; }
  // The interactions the ring has room for: what a user's window costs.
  std::size_t capacity() const noexcept { return ring_.size(); }

  // The window's last min(n, window_size()) interactions, oldest first.
  std::vector<Interaction> last(std::size_t n) const;
  std::vector<Interaction> window() const { return last(window_size()); }
  std::vector<Interaction> pending() const;

  // Marks nothing pending (the batch went into a profile update).
  void clear_pending() noexcept { pending_ = 0; }

  // Rebuilds the state a checkpoint recorded: `window` and `pending` as
  // window() and pending() returned them. Throws std::invalid_argument when
  // they cannot both be suffixes of one sequence (the shorter must end the
  // longer).
  void restore(std::span<const Interaction> window, std::span<const Interaction> pending);

 private:
  // An interaction in 8 bytes, not Interaction's 16: a user keeps
  // update_every x slate size of them (50 in bench/configs/rl-1m.toml), and
  // at a million users every byte of an entry is 50 MB. The item and the
  // rating share one word: the item in the high 24 bits, the rating in the
  // low 8 as a count of halves (0 to 127.5 in steps of 0.5: every MovieLens
  // scale). The time is its difference from `base_`; its low 32 bits are
  // here, and until some kept time needs its high 32 bits they are the low
  // word's sign. An interaction that does not fit (an item of 2^24 or more,
  // another rating, a far time) is kept whole in `wide_`, which then holds
  // every slot's item, rating and high word, so nothing is lost.
  struct Entry {
    std::uint32_t item_rating = 0;
    std::uint32_t time_low = 0;
  };
  struct Wide {
    ItemIndex item = 0;
    float rating = 0.0f;
    std::int32_t time_high = 0;
  };
  Interaction at(std::size_t age) const noexcept;  // 0: the newest
  Interaction decode(std::size_t slot) const noexcept;
  void store(std::size_t slot, const Interaction& interaction);
  // The rare steps of store and append, out of line (cold), so that the
  // common push saves and restores few registers: a new origin of the
  // times, an interaction kept whole (from the first one that needs it on),
  // and a ring full of needed interactions grown to twice the room.
  [[gnu::cold]] void restart_times(std::int64_t origin);
  [[gnu::cold]] void store_wide(std::size_t slot, const Interaction& interaction,
                                std::int32_t time_high);
  void append(const Interaction& interaction);
  [[gnu::cold]] void grow(const Interaction& interaction);
  std::vector<Entry> ring_;  // size: what is kept
  std::vector<Wide> wide_;   // empty, or one per ring slot
  std::int64_t base_ = 0;    // the times' origin; set when the ring is empty
  std::uint32_t window_ = 0;
  std::uint32_t expected_pending_ = 0;
  std::uint32_t head_ = 0;     // index of the oldest kept interaction
  std::uint32_t size_ = 0;     // kept interactions
  std::uint32_t pending_ = 0;  // the newest `pending_` are pending
};

}  // namespace lusifer
