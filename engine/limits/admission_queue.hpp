#pragma once

// A bounded queue of work waiting for admission, served by priority class
// (class 0 first: interactive RL steps before bulk profile building), FIFO
// within a class.
//
// Bounded: every class has a hard capacity. `push` into a full class returns
// kOverloaded and leaves the item with the caller (it is moved from only when
// accepted), who must answer the request with an explicit overload error.
// Nothing ever grows past the capacities. Separate capacities per class mean
// a flood of bulk work cannot take the room interactive work needs.
//
// Aging (optional) keeps bulk work from starving: an item that has waited
// k * aging_step is served as if it were k classes higher (never above class
// 0). Among equal effective classes the item queued first goes first, so an
// item of class c waits at most c * aging_step before it competes on equal
// terms with class 0, and from then on only behind work queued before it.
// Without aging, strict priority applies.
//
// Thread-safety: none; one actor owns a queue.
// Errors: invalid configuration or a class index out of range throws
// std::invalid_argument.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/limits/clock.hpp"

namespace lusifer::limits {

struct AdmissionQueueConfig {
  std::vector<std::size_t> class_capacities;  // one per class (at least one), each > 0
  std::optional<Duration> aging_step;         // > 0 when set
};

enum class PushResult { kAccepted, kOverloaded };

// The parts of the queue that do not depend on the item type.
namespace admission_queue_detail {

void validate(const AdmissionQueueConfig& config);

// The class an item of `priority_class` competes in after waiting `waited`.
std::size_t effective_class(std::size_t priority_class, Duration waited,
                            const std::optional<Duration>& aging_step) noexcept;

}  // namespace admission_queue_detail

template <class T>
class AdmissionQueue {
 public:
  explicit AdmissionQueue(AdmissionQueueConfig config)
      : config_(std::move(config)), classes_(config_.class_capacities.size()) {
    admission_queue_detail::validate(config_);
  }

  // Queues `item` in `priority_class`, or reports overload and leaves `item`
  // untouched.
  PushResult push(T&& item, std::size_t priority_class, TimePoint now) {
    check_class(priority_class);
    auto& queue = classes_[priority_class];
    if (queue.size() >= config_.class_capacities[priority_class])
      return PushResult::kOverloaded;
    queue.push_back(Entry{std::move(item), now, next_sequence_++});
    ++size_;
    return PushResult::kAccepted;
  }

  // The next item to serve at `now`, or nullopt when empty.
  std::optional<T> pop(TimePoint now) {
    const auto chosen = next_class(now);
    if (!chosen)
      return std::nullopt;
    auto& queue = classes_[*chosen];
    std::optional<T> item(std::move(queue.front().item));
    queue.pop_front();
    --size_;
    return item;
  }

  // The class pop(now) would serve from, or nullopt when empty.
  std::optional<std::size_t> next_class(TimePoint now) const {
    std::optional<std::size_t> best;
    std::size_t best_effective = 0;
    std::uint64_t best_sequence = 0;
    for (std::size_t c = 0; c < classes_.size(); ++c) {
      if (classes_[c].empty())
        continue;
      // Within a class the front waited longest, so it is the class's best.
      const Entry& front = classes_[c].front();
      const std::size_t effective =
          admission_queue_detail::effective_class(c, now - front.enqueued, config_.aging_step);
      if (!best || effective < best_effective ||
          (effective == best_effective && front.sequence < best_sequence)) {
        best = c;
        best_effective = effective;
        best_sequence = front.sequence;
      }
    }
    return best;
  }

  // Removes every queued item for which `pred(item)` is true (cancelled
  // requests, passed deadlines); returns how many.
  template <class Predicate>
  std::size_t remove_if(Predicate pred) {
    std::size_t removed = 0;
    for (auto& queue : classes_) {
      const auto before = queue.size();
      std::erase_if(queue, [&](const Entry& entry) { return pred(entry.item); });
      removed += before - queue.size();
    }
    size_ -= removed;
    return removed;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size(std::size_t priority_class) const {
    check_class(priority_class);
    return classes_[priority_class].size();
  }
  std::size_t capacity(std::size_t priority_class) const {
    check_class(priority_class);
    return config_.class_capacities[priority_class];
  }
  std::size_t class_count() const noexcept { return classes_.size(); }

 private:
  struct Entry {
    T item;
    TimePoint enqueued;
    std::uint64_t sequence;
  };

  void check_class(std::size_t priority_class) const {
    if (priority_class >= classes_.size()) {
      throw std::invalid_argument("admission queue: no such priority class");
    }
  }

  AdmissionQueueConfig config_;
  std::vector<std::deque<Entry>> classes_;
  std::size_t size_ = 0;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace lusifer::limits
