#include "engine/sim/history_batches.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer {

TrainingHistories::TrainingHistories(const Dataset& dataset, std::span<const RatingIndex> ratings) {
  const RatingTable& table = dataset.ratings();
  const std::size_t users = dataset.user_count();
  offsets_.assign(users + 1, 0);
  for (const RatingIndex r : ratings) {
    if (r >= table.size())
      throw std::out_of_range("TrainingHistories: rating index past the rating table");
    const UserIndex user = table.user(r);
    if (user >= users)
      throw std::out_of_range("TrainingHistories: rating of an unknown user");
    ++offsets_[user + 1];
  }
  for (std::size_t u = 0; u < users; ++u)
    offsets_[u + 1] += offsets_[u];
  order_.resize(ratings.size());
  std::vector<std::uint32_t> next(offsets_.begin(), offsets_.end() - 1);
  for (const RatingIndex r : ratings)
    order_[next[table.user(r)]++] = r;
  for (std::size_t u = 0; u < users; ++u) {
    const auto begin = order_.begin() + static_cast<std::ptrdiff_t>(offsets_[u]);
    const auto end = order_.begin() + static_cast<std::ptrdiff_t>(offsets_[u + 1]);
    std::sort(begin, end, [&](RatingIndex a, RatingIndex b) {
      const std::int64_t ta = table.timestamp(a), tb = table.timestamp(b);
      if (ta != tb)
        return ta < tb;
      return a < b;
    });
  }
}

std::span<const RatingIndex> TrainingHistories::of(UserIndex user) const {
  if (static_cast<std::size_t>(user) + 1 >= offsets_.size())
    return {};
  return std::span<const RatingIndex>(order_).subspan(offsets_[user],
                                                      offsets_[user + 1] - offsets_[user]);
}

std::span<const RatingIndex> TrainingHistories::last(UserIndex user, std::size_t n) const {
  const auto all = of(user);
  return all.subspan(all.size() - std::min(n, all.size()));
}

std::vector<Interaction> interactions_of(const Dataset& dataset,
                                         std::span<const RatingIndex> ratings) {
  const RatingTable& table = dataset.ratings();
  std::vector<Interaction> out;
  out.reserve(ratings.size());
  for (const RatingIndex r : ratings)
    out.push_back({table.item(r), table.value(r), table.timestamp(r)});
  return out;
}

std::vector<std::vector<Interaction>> history_batches(const Dataset& dataset,
                                                      const TrainingHistories& histories,
                                                      UserIndex user,
                                                      const HistoryBatchOptions& options) {
  if (options.history_items == 0 || options.batch_size == 0)
    throw std::invalid_argument("history batches need history_items and batch_size above 0");
  const auto recent = interactions_of(dataset, histories.last(user, options.history_items));
  std::vector<std::vector<Interaction>> batches;
  if (recent.empty())
    return batches;
  const std::size_t count = (recent.size() + options.batch_size - 1) / options.batch_size;
  const std::size_t base = recent.size() / count;
  const std::size_t larger = recent.size() % count;  // the first `larger` batches get one more
  batches.reserve(count);
  std::size_t start = 0;
  for (std::size_t b = 0; b < count; ++b) {
    const std::size_t size = base + (b < larger ? 1 : 0);
    batches.emplace_back(recent.begin() + static_cast<std::ptrdiff_t>(start),
                         recent.begin() + static_cast<std::ptrdiff_t>(start + size));
    start += size;
  }
  return batches;
}

std::vector<Interaction> recent_interactions(const Dataset& dataset,
                                             const TrainingHistories& histories, UserIndex user,
                                             std::size_t n) {
  return interactions_of(dataset, histories.last(user, n));
}

std::vector<LlmTask> profile_tasks(const Dataset& dataset, const TrainingHistories& histories,
                                   UserIndex user, const HistoryBatchOptions& options) {
  auto batches = history_batches(dataset, histories, user, options);
  std::vector<LlmTask> tasks;
  if (batches.empty()) {
    LlmTask task;
    task.kind = TaskKind::kCreateProfile;
    task.user = user;
    task.priority = TaskPriority::kBulk;
    tasks.push_back(std::move(task));
    return tasks;
  }
  tasks.reserve(batches.size());
  for (std::size_t b = 0; b < batches.size(); ++b) {
    LlmTask task;
    task.kind = b == 0 ? TaskKind::kCreateProfile : TaskKind::kUpdateProfile;
    task.user = user;
    task.interactions = std::move(batches[b]);
    task.priority = TaskPriority::kBulk;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace lusifer
