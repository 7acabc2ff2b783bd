#pragma once

// Merges the rating tasks of one user that arrive close together into one
// multi-item LLM call, and splits the answer back.
//
// Why: every call repeats the instructions and the user's profile; rating ten
// items in one call instead of ten calls cuts the prompt tokens per rated
// item several-fold (and the calls, which rate limits count).
//
// A batch opens with the first task of a user and closes when it holds
// `max_items` items or when the caller's window timer fires (the caller owns
// time: `add` says when a window opened). A task larger than the room left is
// split across batches, so a batch never exceeds `max_items`; the caller
// tracks each request's items and assembles its result from the pieces.
// Merging keeps the newest profile and recent-ratings context of the user.
//
// Not thread-safe: one gateway actor owns a batcher.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/sim/llm_task.hpp"

namespace lusifer {

using RequestId = std::uint64_t;

struct BatchPart {
  RequestId request = 0;
  std::vector<ItemIndex> items;
};

struct MergedBatch {
  LlmTask task;  // kind kRateItems; candidates = the parts' items, in arrival order
  std::vector<BatchPart> parts;
  std::uint64_t window = 0;  // identifies the batch's window timer
};

class RatingBatcher {
 public:
  explicit RatingBatcher(std::size_t max_items);

  struct AddResult {
    // Batches that filled up and must be sent now.
    std::vector<MergedBatch> full;
    // Set when a new batch was left open for this user: start a timer for
    // this window and call take(user, window) when it fires.
    std::optional<std::uint64_t> opened_window;
  };
  // Adds a kRateItems task with at least one candidate (std::invalid_argument
  // otherwise). Items already in the user's open batch are not asked twice:
  // the request gets them from the same answer.
  AddResult add(RequestId request, LlmTask task);

  // Closes and returns the user's open batch if it is still the one of
  // `window` (a batch that filled up early was sent already; a later batch
  // of the same user has a window of its own).
  std::optional<MergedBatch> take(UserIndex user, std::uint64_t window);
  bool has_open(UserIndex user) const { return open_.contains(user); }
  std::size_t open_batches() const noexcept { return open_.size(); }

  // The part of `result` (for a merged batch) that belongs to `part`: its
  // ratings, and its items that the answer lacked.
  static LlmTaskResult result_for(const BatchPart& part, const LlmTaskResult& result);

 private:
  std::size_t max_items_;
  std::uint64_t next_window_ = 1;
  std::unordered_map<UserIndex, MergedBatch> open_;
};

}  // namespace lusifer
