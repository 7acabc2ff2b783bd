#pragma once

// Every item's content similarity to every other item, as one dense table
// shared by all users: what the offline model's neighbourhood term reads
// when the catalog is small enough. The alternative, an indexed set of each
// user's recent items (OfflineContentSet), costs about 4 KB a user; at a
// million users that is 4 GB, while the table of a 1,000-item catalog is
// 4 MB for any number of users, and a lookup is cheaper than a set's scan.
//
// Entries equal static_cast<float>(content.similarity(item, other)) bit for
// bit, which is also what OfflineContentSet::similarities gives, so a model
// gives the same ratings whichever of the two it uses. The table is not
// symmetric in floating point (similarity(a, b) multiplies in a's order), so
// it is stored whole. Immutable after construction; safe to share.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/offline_content.hpp"

namespace lusifer {

class OfflineSimilarityTable {
 public:
  // Catalogs up to this many items get a table (64 MiB at the limit); larger
  // ones, e.g. MovieLens "latest" with ~60,000 items, would need gigabytes.
  static constexpr std::size_t kMaxItems = 4096;

  OfflineSimilarityTable() = default;
  // Throws std::invalid_argument for a content model of more than kMaxItems
  // items. Costs n^2 similarity calls: about 0.1 s for 1,000 items.
  explicit OfflineSimilarityTable(const OfflineContent& content);

  bool empty() const noexcept { return items_ == 0; }
  std::size_t item_count() const noexcept { return items_; }

  // out[k] = similarity(item, members[k]); `out` must hold members.size()
  // values. Throws std::out_of_range for an index outside the table.
  void similarities(ItemIndex item, std::span<const ItemIndex> members, std::span<float> out) const;
  // The same for members kept as 16-bit indices.
  void similarities(ItemIndex item, std::span<const std::uint16_t> members,
                    std::span<float> out) const;

 private:
  template <class Member>
  void similarities_of(ItemIndex item, std::span<const Member> members, std::span<float> out) const;

  std::size_t items_ = 0;
  std::vector<float> table_;  // row `item`, column `other`
};

}  // namespace lusifer
