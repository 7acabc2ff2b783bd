#include "engine/sim/interaction_window.hpp"

#include <algorithm>
#include <stdexcept>

namespace lusifer {

InteractionWindow::InteractionWindow(std::size_t window, std::size_t expected_pending)
    : window_(window) {
  ring_.resize(std::max(window, expected_pending));
}

std::size_t InteractionWindow::window_size() const noexcept {
  return std::min(size_, window_);
}

const Interaction& InteractionWindow::at(std::size_t age) const noexcept {
  return ring_[(head_ + size_ - 1 - age) % ring_.size()];
}

void InteractionWindow::append(const Interaction& interaction) {
  const std::size_t keep = std::max(window_, pending_ + 1);
  if (size_ < ring_.size()) {
    ring_[(head_ + size_) % ring_.size()] = interaction;
    ++size_;
  } else if (keep <= size_) {
    // Full, and the oldest is neither in the window nor pending: overwrite it.
    ring_[head_] = interaction;
    head_ = (head_ + 1) % ring_.size();
  } else {
    // Full of interactions still needed: unroll into a larger ring.
    std::vector<Interaction> grown;
    grown.reserve(std::max<std::size_t>(4, 2 * ring_.size()));
    for (std::size_t age = size_; age-- > 0;)
      grown.push_back(at(age));
    grown.push_back(interaction);
    const std::size_t capacity = grown.capacity();
    grown.resize(capacity);
    ring_ = std::move(grown);
    head_ = 0;
    ++size_;
  }
  // Trim what neither view needs any more, so `size_` stays honest.
  while (size_ > keep) {
    head_ = (head_ + 1) % ring_.size();
    --size_;
  }
}

void InteractionWindow::reset(std::span<const Interaction> recent) {
  head_ = 0;
  size_ = 0;
  pending_ = 0;
  const std::size_t n = std::min(recent.size(), window_);
  for (const Interaction& i : recent.last(n))
    append(i);
}

void InteractionWindow::push(const Interaction& interaction) {
  append(interaction);
  ++pending_;
}

std::vector<Interaction> InteractionWindow::last(std::size_t n) const {
  n = std::min(n, window_size());
  std::vector<Interaction> out;
  out.reserve(n);
  for (std::size_t age = n; age-- > 0;)
    out.push_back(at(age));
  return out;
}

std::vector<Interaction> InteractionWindow::pending() const {
  std::vector<Interaction> out;
  out.reserve(pending_);
  for (std::size_t age = pending_; age-- > 0;)
    out.push_back(at(age));
  return out;
}

void InteractionWindow::restore(std::span<const Interaction> window,
                                std::span<const Interaction> pending) {
  if (window.size() > window_)
    throw std::invalid_argument("a recorded window longer than the configured window");
  const auto longer = window.size() >= pending.size() ? window : pending;
  const auto shorter = window.size() >= pending.size() ? pending : window;
  const auto tail = longer.last(shorter.size());
  for (std::size_t k = 0; k < shorter.size(); ++k) {
    if (tail[k].item != shorter[k].item || tail[k].rating != shorter[k].rating ||
        tail[k].timestamp != shorter[k].timestamp) {
      throw std::invalid_argument("a recorded window and pending batch that do not overlap");
    }
  }
  head_ = 0;
  size_ = 0;
  pending_ = 0;
  // Everything in `longer` is kept: append with the pending count that makes
  // its oldest entries needed, then mark the pending suffix.
  pending_ = longer.size();
  for (const Interaction& i : longer)
    append(i);
  pending_ = pending.size();
}

}  // namespace lusifer
