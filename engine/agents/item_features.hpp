#pragma once

// Numeric item features for contextual bandits, built from the catalogue:
//
//   x = [ 1 (bias) | genres (one per genre of the catalogue's vocabulary) |
//         text (text_dimensions hashed buckets) ]
//
// The genre block holds 1/n for each of the item's n genres (0 elsewhere),
// so a linear model over it scores an item by the mean of its genres'
// weights: a taste for comedy counts as much for a comedy as for a comedy
// drama's comedy half. The text block is a signed hashed bag of the words of
// the item's text (overview) and of its tag names (each distinct tag once),
// lower-cased, without words under three letters or common function words,
// normalised to unit length (0 for an item without text or tags). The
// hashing (FNV-1a then mix64) is fixed, so features do not depend on the
// platform or standard library.
//
// The dimension is 1 + genres + text_dimensions: 24 for the 18 genres of
// MovieLens and the default 5 buckets. Models over these features cost
// O(dimension^2) per user, which is why the text block is this small.
//
// Immutable after construction; safe to share between threads. Memory:
// items x dimension floats.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

struct ItemFeatureOptions {
  // At most 128 (the constructor throws std::invalid_argument beyond).
  std::size_t text_dimensions = 5;
};

class ItemFeatures {
 public:
  ItemFeatures() = default;
  explicit ItemFeatures(const Catalog& catalog, ItemFeatureOptions options = {});

  std::size_t item_count() const noexcept { return items_; }
  std::size_t dimension() const noexcept { return dimension_; }
  std::size_t genre_count() const noexcept { return genres_; }
  std::size_t text_dimensions() const noexcept { return dimension_ - 1 - genres_; }
  std::size_t genre_offset() const noexcept { return 1; }
  std::size_t text_offset() const noexcept { return 1 + genres_; }

  // The features of `item` (item must be < item_count()).
  std::span<const float> of(ItemIndex item) const noexcept {
    return std::span<const float>(values_).subspan(item * dimension_, dimension_);
  }
  // The nonzero entries of `item`'s features, as parallel lists of feature
  // indices (ascending) and values: about 9 of the 24 for a MovieLens item.
  std::span<const std::uint8_t> nonzero_indices(ItemIndex item) const noexcept {
    return std::span<const std::uint8_t>(nz_index_).subspan(
        nz_offset_[item], nz_offset_[item + 1] - nz_offset_[item]);
  }
  std::span<const float> nonzero_values(ItemIndex item) const noexcept {
    return std::span<const float>(nz_value_).subspan(nz_offset_[item],
                                                     nz_offset_[item + 1] - nz_offset_[item]);
  }
  // All features, item by item.
  std::span<const float> values() const noexcept { return values_; }
  // A hash of every value, to check that a checkpoint was made with the
  // same features.
  std::uint64_t fingerprint() const noexcept;

 private:
  std::size_t items_ = 0;
  std::size_t genres_ = 0;
  std::size_t dimension_ = 0;
  std::vector<float> values_;
  std::vector<std::uint32_t> nz_offset_;
  std::vector<std::uint8_t> nz_index_;
  std::vector<float> nz_value_;
};

// Adds the signed hashed words of `text` into `buckets` (see above); for
// tests and for callers that featurise other text the same way.
void add_hashed_words(std::string_view text, std::span<float> buckets);

}  // namespace lusifer
