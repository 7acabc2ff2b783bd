#include "engine/sim/offline_similarity_table.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace lusifer {

OfflineSimilarityTable::OfflineSimilarityTable(const OfflineContent& content)
    : items_(content.item_count()) {
  if (items_ > kMaxItems)
    throw std::invalid_argument(fmt::format(
        "offline similarity table: {} items, more than the {} a table holds", items_, kMaxItems));
  table_.resize(items_ * items_);
  for (std::size_t a = 0; a < items_; ++a) {
    float* row = table_.data() + a * items_;
    for (std::size_t b = 0; b < items_; ++b)
      row[b] = static_cast<float>(
          content.similarity(static_cast<ItemIndex>(a), static_cast<ItemIndex>(b)));
  }
}

template <class Member>
void OfflineSimilarityTable::similarities_of(ItemIndex item, std::span<const Member> members,
                                             std::span<float> out) const {
  if (item >= items_)
    throw std::out_of_range("offline similarity table: item outside the table");
  const float* row = table_.data() + static_cast<std::size_t>(item) * items_;
  for (std::size_t k = 0; k < members.size(); ++k) {
    if (members[k] >= items_)
      throw std::out_of_range("offline similarity table: member outside the table");
    out[k] = row[members[k]];
  }
}

void OfflineSimilarityTable::similarities(ItemIndex item, std::span<const ItemIndex> members,
                                          std::span<float> out) const {
  similarities_of(item, members, out);
}

void OfflineSimilarityTable::similarities(ItemIndex item, std::span<const std::uint16_t> members,
                                          std::span<float> out) const {
  similarities_of(item, members, out);
}

}  // namespace lusifer
