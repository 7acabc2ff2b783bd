#pragma once

// The feedback of one learn call (agent.hpp), as an agent reads it.
//
// Entry i of a FeedbackView is a Feedback by value whose spans point into
// storage the caller owns: either an array of Feedback records (what tests,
// benches and the env server build) or the columns of a step's batch, as
// messages/agent_messages.hpp's LearnBatch holds them: a user and a step per
// entry, and k items, ratings and rewards per entry, entry i's at
// [i * k, (i + 1) * k). Reading the columns directly spares the agent actor
// a record array of 56 bytes a user (53 MiB a step at a million users).
//
// Contract: a view owns nothing; what it was made from must outlive it and
// its iterators. Made from columns it checks their lengths and throws
// std::invalid_argument when steps does not hold one entry per user or
// items, ratings or rewards do not hold k per user. Made from records it
// checks nothing: Agent::learn checks that each entry's spans agree.
// Reading entries is noexcept and costs a few instructions; indices must be
// below size().

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>

#include "engine/data/dataset.hpp"

namespace lusifer {

// What one user did with one slate: for slate[j], ratings[j] (on the
// dataset's scale, or kNoRating) and rewards[j].
struct Feedback {
  UserIndex user = 0;
  std::uint32_t step = 0;
  std::span<const ItemIndex> slate;
  std::span<const float> ratings;
  std::span<const float> rewards;
};

class FeedbackView {
 public:
  class Iterator;

  FeedbackView() noexcept = default;
  explicit FeedbackView(std::span<const Feedback> records) noexcept
      : records_(records.data()), size_(records.size()) {}

  // Entry i is (users[i], steps[i]) with the k items, ratings and rewards
  // at [i * k, (i + 1) * k) of the last three columns.
  static FeedbackView from_columns(std::span<const UserIndex> users,
                                   std::span<const std::uint32_t> steps, std::size_t k,
                                   std::span<const ItemIndex> items, std::span<const float> ratings,
                                   std::span<const float> rewards);

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // operator[](i).user and .step without building the entry.
  UserIndex user(std::size_t i) const noexcept {
    return records_ != nullptr ? records_[i].user : users_[i];
  }
  std::uint32_t step(std::size_t i) const noexcept {
    return records_ != nullptr ? records_[i].step : steps_[i];
  }

  Feedback operator[](std::size_t i) const noexcept {
    if (records_ != nullptr)
      return records_[i];
    const std::size_t at = i * k_;
    return Feedback{users_[i], steps_[i], std::span<const ItemIndex>(items_ + at, k_),
                    std::span<const float>(ratings_ + at, k_),
                    std::span<const float>(rewards_ + at, k_)};
  }

  Iterator begin() const noexcept;
  Iterator end() const noexcept;

 private:
  // Records when non-null, columns otherwise. An empty span of records may
  // have no data pointer; its view then reads as empty columns, which is
  // the same thing since no entry is ever read.
  const Feedback* records_ = nullptr;
  const UserIndex* users_ = nullptr;
  const std::uint32_t* steps_ = nullptr;
  const ItemIndex* items_ = nullptr;
  const float* ratings_ = nullptr;
  const float* rewards_ = nullptr;
  std::size_t k_ = 0;
  std::size_t size_ = 0;
};

// Dereferencing yields the entry by value, so as a legacy iterator this is
// an input iterator; as a C++20 one it is a forward iterator.
class FeedbackView::Iterator {
 public:
  using iterator_concept = std::forward_iterator_tag;
  using iterator_category = std::input_iterator_tag;
  using value_type = Feedback;
  using difference_type = std::ptrdiff_t;

  Iterator() noexcept = default;

  Feedback operator*() const noexcept { return view_[index_]; }
  Iterator& operator++() noexcept {
    ++index_;
    return *this;
  }
  Iterator operator++(int) noexcept {
    Iterator before = *this;
    ++index_;
    return before;
  }
  // Iterators of the same view compare by position.
  bool operator==(const Iterator& other) const noexcept { return index_ == other.index_; }

 private:
  friend class FeedbackView;
  Iterator(const FeedbackView& view, std::size_t index) noexcept : view_(view), index_(index) {}

  FeedbackView view_;
  std::size_t index_ = 0;
};

inline FeedbackView::Iterator FeedbackView::begin() const noexcept {
  return Iterator(*this, 0);
}
inline FeedbackView::Iterator FeedbackView::end() const noexcept {
  return Iterator(*this, size_);
}

}  // namespace lusifer
