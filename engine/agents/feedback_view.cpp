#include "engine/agents/feedback_view.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace lusifer {

FeedbackView FeedbackView::from_columns(std::span<const UserIndex> users,
                                        std::span<const std::uint32_t> steps, std::size_t k,
                                        std::span<const ItemIndex> items,
                                        std::span<const float> ratings,
                                        std::span<const float> rewards) {
  const std::size_t n = users.size();
  // Compared by division: n * k may overflow for nonsense lengths.
  const auto k_each = [&](std::size_t length) {
    return k == 0 ? length == 0 : length % k == 0 && length / k == n;
  };
  if (steps.size() != n || !k_each(items.size()) || !k_each(ratings.size()) ||
      !k_each(rewards.size()))
    throw std::invalid_argument(fmt::format(
        "feedback columns differ in length: {} users, {} steps, {} items, {} ratings and {} "
        "rewards at {} items a user",
        n, steps.size(), items.size(), ratings.size(), rewards.size(), k));
  FeedbackView view;
  view.users_ = users.data();
  view.steps_ = steps.data();
  view.items_ = items.data();
  view.ratings_ = ratings.data();
  view.rewards_ = rewards.data();
  view.k_ = k;
  view.size_ = n;
  return view;
}

}  // namespace lusifer
