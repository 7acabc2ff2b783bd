#include "engine/agents/item_features.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/core/random.hpp"

namespace lusifer {
namespace {

// Words that say nothing about what an item is about; overviews are full of
// them ("a story of...", "in this film...").
constexpr std::array<std::string_view, 30> kStopWords = {
    "the", "and",   "this",  "that",  "with",  "about", "into",   "from",    "for",     "its",
    "his", "her",   "their", "also",  "what",  "who",   "when",   "are",     "was",     "but",
    "not", "story", "film",  "movie", "turns", "faces", "begins", "centres", "centers", "explores"};

bool is_stop_word(std::string_view word) noexcept {
  return std::find(kStopWords.begin(), kStopWords.end(), word) != kStopWords.end();
}

bool is_word_byte(unsigned char c) noexcept {
  // Letters, digits, and every byte of a multi-byte UTF-8 character.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::uint64_t fnv1a(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

void add_hashed_words(std::string_view text, std::span<float> buckets) {
  if (buckets.empty())
    return;
  std::string word;
  auto flush = [&] {
    if (word.size() >= 3 && !is_stop_word(word)) {
      const std::uint64_t h = mix64(fnv1a(word));
      const float sign = (h >> 63) != 0 ? -1.0f : 1.0f;
      buckets[(h & 0xffffffffULL) % buckets.size()] += sign;
    }
    word.clear();
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_word_byte(c)) {
      word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    } else {
      flush();
    }
  }
  flush();
}

ItemFeatures::ItemFeatures(const Catalog& catalog, ItemFeatureOptions options)
    : items_(catalog.size()),
      genres_(catalog.genre_names().size()),
      dimension_(1 + genres_ + options.text_dimensions),
      values_(items_ * dimension_, 0.0f) {
  const std::size_t text_dims = options.text_dimensions;
  if (text_dims > 128)
    throw std::invalid_argument("item features: text_dimensions must be at most 128");
  for (ItemIndex i = 0; i < items_; ++i) {
    const Item& item = catalog.item(i);
    float* x = values_.data() + i * dimension_;
    x[0] = 1.0f;
    const int n_genres = std::popcount(item.genres);
    for (std::size_t g = 0; g < genres_; ++g) {
      if ((item.genres >> g) & 1u)
        x[1 + g] = 1.0f / static_cast<float>(n_genres);
    }
    const std::span<float> text(x + 1 + genres_, text_dims);
    add_hashed_words(item.text, text);
    for (const TagCount& tag : item.tags)
      add_hashed_words(tag.tag, text);
    float norm = 0.0f;
    for (const float v : text)
      norm += v * v;
    if (norm > 0.0f) {
      const float inv = 1.0f / std::sqrt(norm);
      for (float& v : text)
        v *= inv;
    }
  }
  nz_offset_.reserve(items_ + 1);
  nz_offset_.push_back(0);
  for (std::size_t i = 0; i < items_; ++i) {
    for (std::size_t f = 0; f < dimension_; ++f) {
      const float v = values_[i * dimension_ + f];
      if (v != 0.0f) {
        nz_index_.push_back(static_cast<std::uint8_t>(f));
        nz_value_.push_back(v);
      }
    }
    nz_offset_.push_back(static_cast<std::uint32_t>(nz_index_.size()));
  }
}

std::uint64_t ItemFeatures::fingerprint() const noexcept {
  std::uint64_t h = mix64(items_ ^ (dimension_ << 32));
  for (const float v : values_)
    h = mix64(h ^ std::bit_cast<std::uint32_t>(v));
  return h;
}

}  // namespace lusifer
