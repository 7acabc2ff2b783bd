#pragma once

// Which items each user has seen, for agents that avoid recommending them
// again: the user's training history plus everything shown in the episode.
//
// One bitset per user, all in one contiguous array: ceil(items / 64) words a
// user, so 128 bytes for a 1,000-item catalog and 216 for MovieLens 100K's
// 1,682 items. Why a bitset: a user's set holds the training history (tens to
// hundreds of items) plus k items per step (200 after 20 steps of 10), and at
// that density no exact representation is much smaller (a sorted list of
// 16-bit items passes a 1,000-item bitset at 64 entries; the entropy of 250
// items out of 1,000 is already 101 bytes). It also gives O(1) membership
// tests with no allocation while episodes run, and memory fixed at
// construction.
//
// ItemMask is the scratch copy of one user's row that an agent extends while
// it fills a slate (the items of the observation window, the items already
// chosen), without touching the shared state.
//
// Thread-safety: const members may be called concurrently; `insert` on
// different users may run concurrently (rows never share a word); nothing
// else may run concurrently with a mutation of the same user.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

class SeenItems {
 public:
  SeenItems() = default;
  SeenItems(std::size_t users, std::size_t items);

  std::size_t user_count() const noexcept { return users_; }
  std::size_t item_count() const noexcept { return items_; }
  std::size_t words_per_user() const noexcept { return words_per_user_; }

  // Indices must be in range (callers validate once per batch).
  bool contains(UserIndex user, ItemIndex item) const noexcept {
    return (words_[user * words_per_user_ + item / 64] >> (item % 64)) & 1u;
  }
  void insert(UserIndex user, ItemIndex item) noexcept {
    words_[user * words_per_user_ + item / 64] |= std::uint64_t{1} << (item % 64);
  }
  std::size_t count(UserIndex user) const noexcept;
  std::span<const std::uint64_t> row(UserIndex user) const noexcept {
    return std::span<const std::uint64_t>(words_).subspan(user * words_per_user_, words_per_user_);
  }

  // Every word, users in order, for checkpoints.
  std::span<const std::uint64_t> words() const noexcept { return words_; }
  std::span<std::uint64_t> words() noexcept { return words_; }
  std::size_t memory_bytes() const noexcept { return words_.capacity() * sizeof(std::uint64_t); }

 private:
  std::size_t users_ = 0;
  std::size_t items_ = 0;
  std::size_t words_per_user_ = 0;
  std::vector<std::uint64_t> words_;
};

// A set of items of one catalog, as a bitset: the scratch an agent fills a
// slate with. Reused across users, so filling it never allocates.
class ItemMask {
 public:
  ItemMask() = default;
  explicit ItemMask(std::size_t items) : items_(items), words_((items + 63) / 64, 0) {}

  std::size_t item_count() const noexcept { return items_; }
  void clear() noexcept;
  // Replaces the contents with `row` (a SeenItems row of the same catalog).
  void assign(std::span<const std::uint64_t> row) noexcept;
  bool contains(ItemIndex item) const noexcept { return (words_[item / 64] >> (item % 64)) & 1u; }
  void insert(ItemIndex item) noexcept { words_[item / 64] |= std::uint64_t{1} << (item % 64); }
  std::size_t size() const noexcept;
  // The bits: item i is bit i % 64 of word i / 64; bits past the last item
  // are 0.
  std::span<const std::uint64_t> words() const noexcept { return words_; }
  // The `rank`-th item (0-based, ascending) not in the set; rank must be
  // below item_count() - size().
  ItemIndex nth_absent(std::size_t rank) const noexcept;

 private:
  std::size_t items_ = 0;
  std::vector<std::uint64_t> words_;
};

}  // namespace lusifer
