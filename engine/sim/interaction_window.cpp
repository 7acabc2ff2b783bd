#include "engine/sim/interaction_window.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace lusifer {
namespace {

constexpr std::size_t kMaxCount = std::numeric_limits<std::uint32_t>::max();

// The packed entry's split (see InteractionWindow::Entry).
constexpr unsigned kRatingBits = 8;
constexpr std::uint32_t kRatingMask = (1u << kRatingBits) - 1;
constexpr ItemIndex kMaxPackedItem = (ItemIndex{1} << (32 - kRatingBits)) - 1;

// Differences of times, wrapping like the unsigned arithmetic they are done
// in, so that any two int64 times have one and it maps back exactly.
std::int64_t difference(std::int64_t time, std::int64_t base) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(time) -
                                   static_cast<std::uint64_t>(base));
}

std::int64_t time_at(std::int64_t base, std::int64_t difference) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(base) +
                                   static_cast<std::uint64_t>(difference));
}

}  // namespace

InteractionWindow::InteractionWindow(std::size_t window, std::size_t expected_pending) {
  if (window > kMaxCount || expected_pending > kMaxCount)
    throw std::invalid_argument("an interaction window or batch of more than 2^32 - 1");
  window_ = static_cast<std::uint32_t>(window);
  expected_pending_ = static_cast<std::uint32_t>(expected_pending);
  ring_.resize(window);
}

std::size_t InteractionWindow::window_size() const noexcept {
  return std::min(size_, window_);
}

Interaction InteractionWindow::at(std::size_t age) const noexcept {
  return decode((head_ + size_ - 1 - age) % ring_.size());
}

Interaction InteractionWindow::decode(std::size_t slot) const noexcept {
  const Entry& e = ring_[slot];
  if (wide_.empty()) [[likely]] {
    return Interaction{e.item_rating >> kRatingBits,
                       static_cast<float>(e.item_rating & kRatingMask) * 0.5f,
                       time_at(base_, static_cast<std::int32_t>(e.time_low))};
  }
  const Wide& w = wide_[slot];
  const auto d = static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(w.time_high)) << 32) | e.time_low);
  return Interaction{w.item, w.rating, time_at(base_, d)};
}

void InteractionWindow::store(std::size_t slot, const Interaction& interaction) {
  if (size_ == 0) [[unlikely]]
    restart_times(interaction.timestamp);
  const std::int64_t d = difference(interaction.timestamp, base_);
  const auto low = static_cast<std::uint32_t>(static_cast<std::uint64_t>(d));
  ring_[slot].time_low = low;
  // Halves of 0 to 127 (not -0, NaN or any other value) and items below
  // 2^24 fit the packed word.
  const float halves = interaction.rating * 2.0f;
  const bool packed_rating = halves >= 0.0f && halves <= static_cast<float>(kRatingMask) &&
                             static_cast<float>(static_cast<std::uint32_t>(halves)) == halves &&
                             !std::signbit(halves);
  if (wide_.empty() && packed_rating && interaction.item <= kMaxPackedItem &&
      d == static_cast<std::int32_t>(low)) [[likely]] {
    ring_[slot].item_rating =
        (interaction.item << kRatingBits) | static_cast<std::uint32_t>(halves);
    return;
  }
  store_wide(slot, interaction, static_cast<std::int32_t>(d >> 32));
}

void InteractionWindow::restart_times(std::int64_t origin) {
  // Nothing kept depends on the origin: start it here, and drop the wide
  // entries of interactions no longer kept.
  base_ = origin;
  std::vector<Wide>().swap(wide_);
}

void InteractionWindow::store_wide(std::size_t slot, const Interaction& interaction,
                                   std::int32_t time_high) {
  if (wide_.empty()) {
    // The first interaction kept whole: every slot's packed word and sign
    // say what the others are.
    wide_.resize(ring_.size());
    for (std::size_t k = 0; k < ring_.size(); ++k) {
      const Entry& e = ring_[k];
      wide_[k] =
          Wide{e.item_rating >> kRatingBits, static_cast<float>(e.item_rating & kRatingMask) * 0.5f,
               static_cast<std::int32_t>(e.time_low) < 0 ? -1 : 0};
    }
  }
  wide_[slot] = Wide{interaction.item, interaction.rating, time_high};
}

void InteractionWindow::append(const Interaction& interaction) {
  const std::size_t keep = std::max<std::size_t>(window_, std::size_t{pending_} + 1);
  const std::size_t capacity = ring_.size();
  // Slots wrap by a comparison, not a division: head_ and size_ are below
  // the capacity, so their sum is below twice it.
  const auto wrap = [capacity](std::size_t slot) {
    return slot >= capacity ? slot - capacity : slot;
  };
  if (size_ < capacity) {
    store(wrap(std::size_t{head_} + size_), interaction);
    ++size_;
  } else if (keep <= size_) {
    // Full, and the oldest is neither in the window nor pending: overwrite it.
    store(head_, interaction);
    head_ = static_cast<std::uint32_t>(wrap(std::size_t{head_} + 1));
  } else {
    grow(interaction);  // keeps size_ + 1 <= keep: nothing to trim
    return;
  }
  // Trim what neither view needs any more, so `size_` stays honest.
  if (size_ > keep) {
    head_ = static_cast<std::uint32_t>(wrap(std::size_t{head_} + (size_ - keep)));
    size_ = static_cast<std::uint32_t>(keep);
  }
}

void InteractionWindow::grow(const Interaction& interaction) {
  // Full of interactions still needed: unroll into a larger ring.
  std::vector<Interaction> kept;
  kept.reserve(std::size_t{size_} + 1);
  for (std::size_t age = size_; age-- > 0;)
    kept.push_back(at(age));
  kept.push_back(interaction);
  // The first growth makes room for the batch expected, later ones double.
  const std::size_t capacity = std::max<std::size_t>(
      4, ring_.size() < expected_pending_ ? std::size_t{expected_pending_} : 2 * ring_.size());
  if (capacity > kMaxCount)
    throw std::length_error("an interaction window of more than 2^32 - 1");
  ring_.assign(capacity, Entry{});
  wide_.clear();
  head_ = 0;
  size_ = 0;
  for (const Interaction& i : kept) {
    store(size_, i);
    ++size_;
  }
}

void InteractionWindow::reset(std::span<const Interaction> recent) {
  head_ = 0;
  size_ = 0;
  pending_ = 0;
  const std::size_t n = std::min<std::size_t>(recent.size(), window_);
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
  // Oldest first by slot, without at()'s division per interaction.
  std::vector<Interaction> out;
  out.reserve(pending_);
  const std::size_t capacity = ring_.size();
  std::size_t slot = std::size_t{head_} + (size_ - pending_);
  if (slot >= capacity)
    slot -= capacity;
  for (std::size_t n = pending_; n > 0; --n) {
    out.push_back(decode(slot));
    if (++slot == capacity)
      slot = 0;
  }
  return out;
}

void InteractionWindow::restore(std::span<const Interaction> window,
                                std::span<const Interaction> pending) {
  if (window.size() > window_)
    throw std::invalid_argument("a recorded window longer than the configured window");
  if (pending.size() >= kMaxCount)
    throw std::invalid_argument("a recorded pending batch of more than 2^32 - 2");
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
  // Everything in `longer` is kept: append with the pending count that makes
  // its oldest entries needed, then mark the pending suffix.
  pending_ = static_cast<std::uint32_t>(longer.size());
  for (const Interaction& i : longer)
    append(i);
  pending_ = static_cast<std::uint32_t>(pending.size());
}

}  // namespace lusifer
