#include "engine/sim/offline_content.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "engine/core/bit_count.hpp"
#include "engine/sim/offline_words.hpp"

namespace lusifer {
namespace {

struct TermCount {
  std::string term;
  double count = 0;
};

// The terms of one item with their (boosted) occurrence counts, sorted by
// term so that everything downstream is independent of hash order.
std::vector<TermCount> count_terms(const Item& item, const OfflineContentOptions& options,
                                   std::vector<std::string>& words) {
  words.clear();
  append_offline_words(item.text, words);
  append_offline_words(item.title, words);
  std::unordered_map<std::string, double> counts;
  for (auto& word : words)
    counts[std::move(word)] += 1.0;
  for (const TagCount& tag : item.tags) {
    std::string term = normalize_offline_tag(tag.tag);
    if (term.empty())
      continue;
    counts[std::move(term)] += options.tag_boost * static_cast<double>(tag.count);
  }
  std::vector<TermCount> out;
  out.reserve(counts.size());
  for (auto& [term, count] : counts)
    out.push_back({term, count});
  std::sort(out.begin(), out.end(),
            [](const TermCount& a, const TermCount& b) { return a.term < b.term; });
  return out;
}

void check_weight(double weight, const char* name) {
  if (!(weight >= 0) || !std::isfinite(weight))
    throw std::invalid_argument(std::string("offline content: ") + name +
                                " must be a finite number >= 0");
}

// The cosine of two softened decade vectors (0.5, 1, 0.5) as a function of
// the gap between the decades.
double era_cosine(int a, int b) noexcept {
  switch (std::abs(a - b)) {
    case 0:
      return 1.0;
    case 1:
      return 2.0 / 3.0;
    case 2:
      return 1.0 / 6.0;
    default:
      return 0.0;
  }
}

}  // namespace

OfflineContent::OfflineContent(const Catalog& catalog, const OfflineContentOptions& options)
    : options_(options) {
  check_weight(options.genre_weight, "genre_weight");
  check_weight(options.era_weight, "era_weight");
  check_weight(options.term_weight, "term_weight");
  if (options.genre_weight + options.era_weight + options.term_weight <= 0)
    throw std::invalid_argument("offline content: the block weights must not all be 0");

  const std::size_t n = catalog.size();

  // Terms and their document frequencies.
  std::vector<std::vector<TermCount>> item_terms(n);
  std::unordered_map<std::string, std::uint32_t> document_count;
  std::size_t documents = 0;
  {
    std::vector<std::string> words;
    for (std::size_t i = 0; i < n; ++i) {
      item_terms[i] = count_terms(catalog.items()[i], options, words);
      if (!item_terms[i].empty())
        ++documents;
      for (const TermCount& t : item_terms[i])
        ++document_count[t.term];
    }
  }
  const double max_documents = options.max_document_fraction * static_cast<double>(documents);
  std::vector<std::pair<std::string, std::uint32_t>> vocabulary;
  for (const auto& [term, count] : document_count) {
    if (count >= options.min_document_count && static_cast<double>(count) <= max_documents)
      vocabulary.emplace_back(term, count);
  }
  std::sort(vocabulary.begin(), vocabulary.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (vocabulary.size() > options.max_terms)
    vocabulary.resize(options.max_terms);
  std::vector<double> idf(vocabulary.size());
  terms_.reserve(vocabulary.size());
  term_ids_.reserve(vocabulary.size());
  for (std::size_t t = 0; t < vocabulary.size(); ++t) {
    idf[t] = std::log((1.0 + static_cast<double>(documents)) /
                      (1.0 + static_cast<double>(vocabulary[t].second))) +
             1.0;
    term_ids_.emplace(vocabulary[t].first, static_cast<TermId>(t));
    terms_.push_back(std::move(vocabulary[t].first));
  }

  items_.resize(n);
  term_offsets_.assign(1, 0);
  keyword_offsets_.assign(1, 0);
  std::vector<std::pair<double, TermId>> weighted;
  for (std::size_t i = 0; i < n; ++i) {
    const Item& item = catalog.items()[i];
    ItemFeatures& features = items_[i];
    features.genres = item.genres;
    features.genre_count = static_cast<std::uint32_t>(std::popcount(item.genres));
    if (features.genre_count > 0)
      features.genre_scale = 1.0 / std::sqrt(features.genre_count);
    if (item.year)
      features.decade = static_cast<std::int16_t>(std::floor(*item.year / 10.0));

    weighted.clear();
    for (const TermCount& t : item_terms[i]) {
      const auto found = term_ids_.find(t.term);
      if (found == term_ids_.end())
        continue;
      weighted.emplace_back((1.0 + std::log(t.count)) * idf[found->second], found->second);
    }
    // Strongest first; equal weights by term id, so the order is fixed.
    std::sort(weighted.begin(), weighted.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (weighted.size() > options.max_terms_per_item)
      weighted.resize(options.max_terms_per_item);
    for (std::size_t k = 0; k < weighted.size() && k < options.keywords_per_item; ++k)
      keywords_.push_back(weighted[k].second);
    keyword_offsets_.push_back(keywords_.size());
    double norm = 0;
    for (const auto& [w, id] : weighted)
      norm += w * w;
    norm = std::sqrt(norm);
    const std::size_t first = term_entries_.size();
    for (const auto& [w, id] : weighted)
      term_entries_.push_back({id, static_cast<float>(w / norm)});
    std::sort(term_entries_.begin() + static_cast<std::ptrdiff_t>(first), term_entries_.end(),
              [](const TermWeight& a, const TermWeight& b) { return a.term < b.term; });
    term_offsets_.push_back(term_entries_.size());

    const double squared_norm = (features.genre_count > 0 ? options.genre_weight : 0.0) +
                                (features.decade >= 0 ? options.era_weight : 0.0) +
                                (weighted.empty() ? 0.0 : options.term_weight);
    features.inverse_norm =
        squared_norm > 0 ? static_cast<float>(1.0 / std::sqrt(squared_norm)) : 0;
  }
}

double OfflineContent::similarity(ItemIndex a, ItemIndex b) const noexcept {
  if (a >= item_count() || b >= item_count())
    return 0.0;
  const ItemFeatures& x = items_[a];
  const ItemFeatures& y = items_[b];
  if (x.inverse_norm == 0 || y.inverse_norm == 0)
    return 0.0;
  double sum = 0;
  if (const auto shared = count_bits(x.genres & y.genres); shared > 0)
    sum += options_.genre_weight * shared * x.genre_scale * y.genre_scale;
  if (x.decade >= 0 && y.decade >= 0)
    sum += options_.era_weight * era_cosine(x.decade, y.decade);
  const auto tx = terms(a), ty = terms(b);
  if (!tx.empty() && !ty.empty()) {
    double dot = 0;
    std::size_t i = 0, j = 0;
    while (i < tx.size() && j < ty.size()) {
      if (tx[i].term == ty[j].term) {
        dot += static_cast<double>(tx[i].weight) * ty[j].weight;
        ++i;
        ++j;
      } else if (tx[i].term < ty[j].term) {
        ++i;
      } else {
        ++j;
      }
    }
    sum += options_.term_weight * dot;
  }
  return std::clamp(sum * x.inverse_norm * y.inverse_norm, 0.0, 1.0);
}

std::span<const OfflineContent::TermWeight> OfflineContent::terms(ItemIndex item) const noexcept {
  if (item >= item_count())
    return {};
  return std::span<const TermWeight>(term_entries_)
      .subspan(term_offsets_[item], term_offsets_[item + 1] - term_offsets_[item]);
}

bool OfflineContent::has_terms(ItemIndex item) const noexcept {
  return !terms(item).empty();
}

std::optional<OfflineContent::TermId> OfflineContent::find_term(std::string_view text) const {
  const auto found = term_ids_.find(std::string(text));
  if (found == term_ids_.end())
    return std::nullopt;
  return found->second;
}

std::size_t OfflineContentSet::filter_bit(OfflineContent::TermId term) noexcept {
  return static_cast<std::size_t>((term * 0x9e3779b97f4a7c15ULL) >> 53);  // 11 bits: 2048
}

OfflineContentSet::OfflineContentSet(const OfflineContent& content,
                                     std::span<const ItemIndex> members) {
  static_assert(kFilterWords * 64 == 2048);
  if (members.size() > kMaxMembers)
    throw std::invalid_argument("offline content set: at most 255 members");
  struct Posting {
    OfflineContent::TermId term;
    std::uint8_t member;
    float weight;
  };
  std::vector<Posting> postings;
  members_.reserve(members.size());
  for (std::size_t k = 0; k < members.size(); ++k) {
    const ItemIndex item = members[k];
    if (item >= content.item_count())
      throw std::out_of_range("offline content set: item outside the content model");
    const auto& f = content.items_[item];
    members_.push_back({f.genres, f.genre_scale, f.inverse_norm, f.decade});
    for (const auto& t : content.terms(item)) {
      postings.push_back({t.term, static_cast<std::uint8_t>(k), t.weight});
      const std::size_t bit = filter_bit(t.term);
      filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
  }
  std::sort(postings.begin(), postings.end(), [](const Posting& a, const Posting& b) {
    return a.term != b.term ? a.term < b.term : a.member < b.member;
  });
  posting_members_.reserve(postings.size());
  posting_weights_.reserve(postings.size());
  for (std::size_t p = 0; p < postings.size(); ++p) {
    if (p == 0 || postings[p].term != postings[p - 1].term) {
      terms_.push_back(postings[p].term);
      posting_offsets_.push_back(static_cast<std::uint32_t>(p));
    }
    posting_members_.push_back(postings[p].member);
    posting_weights_.push_back(postings[p].weight);
  }
  posting_offsets_.push_back(static_cast<std::uint32_t>(postings.size()));
}

std::size_t OfflineContentSet::memory_bytes() const noexcept {
  return members_.capacity() * sizeof(Member) + terms_.capacity() * sizeof(OfflineContent::TermId) +
         posting_offsets_.capacity() * sizeof(std::uint32_t) + posting_members_.capacity() +
         posting_weights_.capacity() * sizeof(float);
}

void OfflineContentSet::similarities(const OfflineContent& content, ItemIndex item,
                                     std::span<float> out) const {
  if (item >= content.item_count())
    throw std::out_of_range("offline content set: item outside the content model");
  const OfflineContent::ItemFeatures& x = content.items_[item];
  const OfflineContentOptions& o = content.options_;
  // Term dot products first, accumulated in ascending term order as the
  // pairwise merge does.
  std::array<double, kMaxMembers> dots;
  std::fill(dots.begin(), dots.begin() + static_cast<std::ptrdiff_t>(members_.size()), 0.0);
  const std::size_t unique = terms_.size();
  for (const auto& t : content.terms(item)) {
    const std::size_t bit = filter_bit(t.term);
    if (unique == 0 || !(filter_[bit / 64] & (std::uint64_t{1} << (bit % 64))))
      continue;
    // Branch-free lower bound: the loads do not wait on mispredictions.
    const OfflineContent::TermId* base = terms_.data();
    std::size_t length = unique;
    while (length > 1) {
      const std::size_t half = length / 2;
      base = base[half - 1] < t.term ? base + half : base;
      length -= half;
    }
    base += *base < t.term ? 1 : 0;
    if (base == terms_.data() + unique || *base != t.term)
      continue;
    const auto k = static_cast<std::size_t>(base - terms_.data());
    for (std::uint32_t p = posting_offsets_[k]; p < posting_offsets_[k + 1]; ++p)
      dots[posting_members_[p]] += static_cast<double>(t.weight) * posting_weights_[p];
  }
  const bool has_terms = !content.terms(item).empty();
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const Member& y = members_[k];
    if (x.inverse_norm == 0 || y.inverse_norm == 0) {
      out[k] = 0;
      continue;
    }
    double sum = 0;
    if (const auto shared = count_bits(x.genres & y.genres); shared > 0)
      sum += o.genre_weight * shared * x.genre_scale * y.genre_scale;
    if (x.decade >= 0 && y.decade >= 0)
      sum += o.era_weight * era_cosine(x.decade, y.decade);
    if (has_terms)
      sum += o.term_weight * dots[k];
    out[k] = static_cast<float>(std::clamp(sum * x.inverse_norm * y.inverse_norm, 0.0, 1.0));
  }
}

}  // namespace lusifer
