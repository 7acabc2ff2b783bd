#pragma once

// The content model of the offline simulated user (not an LLM): what each
// item is about, as one sparse feature vector per item, and the cosine
// similarity between items.
//
// An item's vector has three blocks, each L2-normalised and scaled by the
// square root of its weight, and the whole vector is then L2-normalised:
// - genres: one-hot over the catalog's genre vocabulary;
// - era: the release decade, softened (the neighbouring decades at half
//   weight) so that 1994 and 2001 are alike but 1994 and 1954 are not;
// - terms: TF-IDF over the words of the item's text and title (see
//   offline_words.hpp) and its tags (a whole tag phrase is one term, counted
//   once per application and boosted), with sublinear term frequency and
//   smooth idf. The vocabulary keeps terms found in at least
//   `min_document_count` items and at most `max_document_fraction` of them
//   (a term in one item cannot make two items alike; a term in most says
//   nothing), at most `max_terms` of them by document frequency, and each item
//   keeps its `max_terms_per_item` strongest terms.
// The similarity of two items is the cosine of their vectors, in [0, 1]. When
// both have every block it is the weighted sum of the blocks' cosines; a block
// one item lacks (no text, no year) counts as no match, so two items with
// identical features have similarity 1. It is computed block by block (genres
// from the bit masks, eras from the decade gap, terms by merging two short
// sorted lists), which costs tens of nanoseconds rather than a dot product
// over the whole vocabulary.
//
// Each item's strongest terms are kept as its keywords, for explanations and
// profiles.
//
// Deterministic: the result depends only on the dataset and the options.
// Immutable after construction; safe to share between threads. Memory is
// about 8 bytes per kept (item, term) pair plus the vocabulary.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

struct OfflineContentOptions {
  double genre_weight = 0.45;
  double era_weight = 0.10;
  double term_weight = 0.45;
  std::size_t min_document_count = 2;
  double max_document_fraction = 0.5;
  std::size_t max_terms = 20000;
  std::size_t max_terms_per_item = 16;
  // A tag application counts as this many occurrences of its term: a tag is
  // a reader's summary of the item, worth more than a word of its synopsis.
  double tag_boost = 3.0;
  std::size_t keywords_per_item = 6;
};

class OfflineContent {
 public:
  using TermId = std::uint32_t;

  OfflineContent() = default;
  // Throws std::invalid_argument for negative weights or weights summing to 0.
  explicit OfflineContent(const Catalog& catalog, const OfflineContentOptions& options = {});

  std::size_t item_count() const noexcept { return items_.size(); }

  // Cosine similarity of two items' vectors, in [0, 1]; 0 for an index
  // outside the catalog or an item without any feature.
  double similarity(ItemIndex a, ItemIndex b) const noexcept;

  // The item's strongest terms, strongest first (empty outside the catalog).
  // Inline, as decade(): every score and every fold reads them per item.
  std::span<const TermId> keywords(ItemIndex item) const noexcept {
    if (item >= item_count())
      return {};
    return std::span<const TermId>(keywords_).subspan(
        keyword_offsets_[item], keyword_offsets_[item + 1] - keyword_offsets_[item]);
  }
  // The decade of release (1990 for 1994), or nullopt without a year.
  std::optional<int> decade(ItemIndex item) const noexcept {
    if (item >= item_count() || items_[item].decade < 0)
      return std::nullopt;
    return items_[item].decade * 10;
  }
  bool has_terms(ItemIndex item) const noexcept;

  std::size_t term_count() const noexcept { return terms_.size(); }
  const std::string& term(TermId id) const { return terms_.at(id); }
  std::optional<TermId> find_term(std::string_view text) const;

  // An item's term block: ascending term ids with their TF-IDF weights,
  // L2-normalised (before the block weight is applied).
  struct TermWeight {
    TermId term = 0;
    float weight = 0;
  };
  std::span<const TermWeight> terms(ItemIndex item) const noexcept;

 private:
  friend class OfflineContentSet;

  struct ItemFeatures {
    GenreMask genres = 0;
    std::int16_t decade = -1;  // year / 10; -1 without a year
    float inverse_norm = 0;    // 1 / the norm of the weighted blocks; 0 without features
    std::uint32_t genre_count = 0;
    double genre_scale = 0;  // 1 / sqrt(genre_count); 0 without genres
  };

  OfflineContentOptions options_;
  std::vector<ItemFeatures> items_;
  std::vector<std::size_t> term_offsets_;  // item i: term_entries_[offsets[i], offsets[i+1])
  std::vector<TermWeight> term_entries_;
  std::vector<std::size_t> keyword_offsets_;
  std::vector<TermId> keywords_;
  std::vector<std::string> terms_;
  std::unordered_map<std::string, TermId> term_ids_;
};

// A few items (at most 255) indexed for fast similarity to any item: the
// items a user rated most recently, against which the offline model compares
// an item with few ratings. Instead of merging the item's terms with each
// member's, the members' terms are kept in one term-sorted list, so the cost
// is one lookup per term of the item plus a few operations per member.
// Results equal OfflineContent::similarity up to rounding (the same sums, in
// the same order). Immutable after construction; safe to share.
class OfflineContentSet {
 public:
  static constexpr std::size_t kMaxMembers = 255;

  OfflineContentSet() = default;
  // Throws std::invalid_argument for more than kMaxMembers items and
  // std::out_of_range for an item outside the content model.
  OfflineContentSet(const OfflineContent& content, std::span<const ItemIndex> members);

  std::size_t size() const noexcept { return members_.size(); }
  // The bytes the set's arrays hold (beyond the object itself).
  std::size_t memory_bytes() const noexcept;
  // out[k] = content.similarity(item, members[k]); `out` must hold size()
  // values and `content` must be the model the set was built from.
  void similarities(const OfflineContent& content, ItemIndex item, std::span<float> out) const;

 private:
  struct Member {
    GenreMask genres = 0;
    double genre_scale = 0;
    float inverse_norm = 0;
    std::int16_t decade = -1;
  };
  static constexpr std::size_t kFilterWords = 32;

  static std::size_t filter_bit(OfflineContent::TermId term) noexcept;

  std::vector<Member> members_;
  // The members' terms, each once, ascending; term k's postings are
  // [posting_offsets_[k], posting_offsets_[k + 1]) of posting_members_ and
  // posting_weights_, in member order.
  std::vector<OfflineContent::TermId> terms_;
  std::vector<std::uint32_t> posting_offsets_;
  std::vector<std::uint8_t> posting_members_;
  std::vector<float> posting_weights_;
  // A one-hash Bloom filter of the members' terms: most of an item's terms
  // are in no member, and this rules them out without a search.
  std::array<std::uint64_t, kFilterWords> filter_{};
};

}  // namespace lusifer
