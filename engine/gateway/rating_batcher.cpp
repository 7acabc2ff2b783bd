#include "engine/gateway/rating_batcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer {
namespace {

bool has_duplicates(const std::vector<ItemIndex>& items) {
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (std::find(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i), items[i]) !=
        items.begin() + static_cast<std::ptrdiff_t>(i))
      return true;
  }
  return false;
}

}  // namespace

RatingBatcher::RatingBatcher(std::size_t max_items) : max_items_(max_items) {
  if (max_items_ == 0)
    throw std::invalid_argument("RatingBatcher: max_items must be at least 1");
}

RatingBatcher::AddResult RatingBatcher::add(RequestId request, LlmTask task) {
  if (task.kind != TaskKind::kRateItems || task.candidates.empty()) {
    throw std::invalid_argument("RatingBatcher: only rating tasks with candidates are batched");
  }
  AddResult out;
  const UserIndex user = task.user;
  // A request that fills one batch exactly, for a user with nothing open,
  // becomes that batch as it is: the general path below would build the
  // same batch through the open map, with a copy of the task.
  if (task.candidates.size() == max_items_ && !open_.contains(user) &&
      !has_duplicates(task.candidates)) {
    MergedBatch& batch = out.full.emplace_back();
    batch.window = next_window_++;
    batch.parts.push_back(BatchPart{request, task.candidates});
    batch.task = std::move(task);
    return out;
  }
  std::vector<ItemIndex> pending = std::move(task.candidates);
  task.candidates.clear();
  std::size_t next = 0;
  while (next < pending.size()) {
    auto [it, opened] = open_.try_emplace(user);
    MergedBatch& batch = it->second;
    if (opened) {
      batch.task = task;  // profile and context of the user, no candidates yet
      batch.window = next_window_++;
      out.opened_window = batch.window;
    } else {
      // The newest context wins: a later request saw a later profile.
      batch.task.profile = task.profile;
      batch.task.interactions = task.interactions;
      batch.task.priority = std::min(batch.task.priority, task.priority);
    }
    BatchPart part{request, {}};
    while (next < pending.size()) {
      const ItemIndex item = pending[next];
      auto& asked = batch.task.candidates;
      if (std::find(asked.begin(), asked.end(), item) == asked.end()) {
        if (asked.size() == max_items_)
          break;
        asked.push_back(item);
      }
      part.items.push_back(item);
      ++next;
    }
    batch.parts.push_back(std::move(part));
    if (batch.task.candidates.size() == max_items_) {
      out.full.push_back(std::move(batch));
      open_.erase(it);
      if (next == pending.size())
        out.opened_window.reset();  // nothing left open for this user
    }
  }
  return out;
}

std::optional<MergedBatch> RatingBatcher::take(UserIndex user, std::uint64_t window) {
  const auto it = open_.find(user);
  if (it == open_.end() || it->second.window != window)
    return std::nullopt;
  MergedBatch batch = std::move(it->second);
  open_.erase(it);
  return batch;
}

LlmTaskResult RatingBatcher::result_for(const BatchPart& part, const LlmTaskResult& result) {
  LlmTaskResult out;
  for (const ItemIndex item : part.items) {
    const auto rated = std::find_if(result.ratings.begin(), result.ratings.end(),
                                    [&](const ItemRating& r) { return r.item == item; });
    if (rated != result.ratings.end()) {
      out.ratings.push_back(*rated);
    } else {
      out.missing.push_back(item);
    }
  }
  if (!out.missing.empty())
    out.problem = result.problem.empty() ? "the answer lacked some items" : result.problem;
  return out;
}

}  // namespace lusifer
