#include "engine/sim/history_batches.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer {

TrainingHistories::TrainingHistories(const Dataset& dataset, std::span<const RatingIndex> ratings) {
  const RatingTable& table = dataset.ratings();
  const std::size_t users = dataset.user_count();
  counts_.assign(users, 0);
  for (const RatingIndex r : ratings) {
    if (r >= table.size())
      throw std::out_of_range("TrainingHistories: rating index past the rating table");
    const UserIndex user = table.user(r);
    if (user >= users)
      throw std::out_of_range("TrainingHistories: rating of an unknown user");
    ++counts_[user];
  }
  starts_.assign(users, 0);
  for (std::size_t u = 1; u < users; ++u)
    starts_[u] = starts_[u - 1] + counts_[u - 1];
  order_.resize(ratings.size());
  std::vector<std::uint32_t> next(starts_);
  for (const RatingIndex r : ratings)
    order_[next[table.user(r)]++] = r;
  for (std::size_t u = 0; u < users; ++u) {
    const auto begin = order_.begin() + static_cast<std::ptrdiff_t>(starts_[u]);
    std::sort(begin, begin + counts_[u], [&](RatingIndex a, RatingIndex b) {
      const std::int64_t ta = table.timestamp(a), tb = table.timestamp(b);
      if (ta != tb)
        return ta < tb;
      return a < b;
    });
  }

  // The dataset's histories are in the same order (time, then index), so a
  // subset that is every user's oldest ratings is a prefix of each.
  const UserHistories& all = dataset.histories();
  for (UserIndex u = 0; u < users; ++u) {
    const std::span<const RatingIndex> mine = of(u);
    const std::span<const RatingIndex> history = all.of(u);
    if (mine.size() > history.size() ||
        !std::equal(mine.begin(), mine.end(), history.begin(),
                    history.begin() + static_cast<std::ptrdiff_t>(mine.size())))
      return;
  }
  if (users == 0 || all.of(0).data() == nullptr)
    return;  // no ratings at all
  // Positions in the dataset's flat order, where each user's history starts
  // as the previous one's ends.
  dataset_order_ = all.of(0).data();
  for (UserIndex u = 0; u < users; ++u)
    starts_[u] = static_cast<std::uint32_t>(all.of(u).data() - dataset_order_);
  std::vector<RatingIndex>().swap(order_);
}

std::span<const RatingIndex> TrainingHistories::of(UserIndex user) const {
  if (user >= counts_.size())
    return {};
  const RatingIndex* order = dataset_order_ != nullptr ? dataset_order_ : order_.data();
  return {order + starts_[user], counts_[user]};
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
