#include "engine/agents/seen_items.hpp"

#include <algorithm>

namespace lusifer {

SeenItems::SeenItems(std::size_t users, std::size_t items)
    : users_(users),
      items_(items),
      words_per_user_((items + 63) / 64),
      words_(users * words_per_user_, 0) {}

std::size_t SeenItems::count(UserIndex user) const noexcept {
  std::size_t n = 0;
  for (const std::uint64_t word : row(user))
    n += static_cast<std::size_t>(std::popcount(word));
  return n;
}

void ItemMask::clear() noexcept {
  std::fill(words_.begin(), words_.end(), std::uint64_t{0});
}

void ItemMask::assign(std::span<const std::uint64_t> row) noexcept {
  std::copy_n(row.begin(), std::min(row.size(), words_.size()), words_.begin());
}

std::size_t ItemMask::size() const noexcept {
  std::size_t n = 0;
  for (const std::uint64_t word : words_)
    n += static_cast<std::size_t>(std::popcount(word));
  return n;
}

ItemIndex ItemMask::nth_absent(std::size_t rank) const noexcept {
  for (std::size_t w = 0; w < words_.size(); ++w) {
    std::uint64_t absent = ~words_[w];
    // Bits past the last item are not items.
    const std::size_t first = w * 64;
    if (items_ - first < 64)
      absent &= (std::uint64_t{1} << (items_ - first)) - 1;
    const auto here = static_cast<std::size_t>(std::popcount(absent));
    if (rank < here) {
      for (std::size_t skip = 0; skip < rank; ++skip)
        absent &= absent - 1;  // drops the lowest set bit
      return static_cast<ItemIndex>(first + static_cast<std::size_t>(std::countr_zero(absent)));
    }
    rank -= here;
  }
  return static_cast<ItemIndex>(items_);  // unreachable for a valid rank
}

}  // namespace lusifer
