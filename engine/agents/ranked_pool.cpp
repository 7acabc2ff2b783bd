#include "engine/agents/ranked_pool.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <limits>

#include "engine/agents/pool_scoring.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lusifer {

void RankedPool::rebuild(std::span<const ItemIndex> ranking, std::span<const float> base,
                         std::size_t dimension,
                         const std::function<std::span<const float>(ItemIndex)>& features) {
  ranking_.assign(ranking.begin(), ranking.end());
  dimension_ = dimension;
  stride_ = (ranking_.size() + kChunk - 1) / kChunk * kChunk;
  // Padded to whole words of items: the bits of a mask past the last item
  // (0, but read with the rest of their word) name rank stride_, a spare
  // byte of the scratch's excluded ranks.
  rank_of_.assign(stride_, static_cast<std::uint32_t>(stride_));
  for (std::size_t r = 0; r < ranking_.size(); ++r)
    rank_of_[ranking_[r]] = static_cast<std::uint32_t>(r);
  base_.assign(stride_, 0.0f);
  x_.assign(dimension_ * stride_, 0.0f);
  for (std::size_t r = 0; r < ranking_.size(); ++r) {
    const ItemIndex item = ranking_[r];
    base_[r] = base[item];
    const std::span<const float> x = features(item);
    for (std::size_t f = 0; f < dimension_; ++f)
      x_[f * stride_ + r] = x[f];
  }
}

std::size_t RankedPool::memory_bytes() const noexcept {
  return ranking_.capacity() * sizeof(ItemIndex) + rank_of_.capacity() * sizeof(std::uint32_t) +
         (base_.capacity() + x_.capacity()) * sizeof(float);
}

namespace {

// Bit j of the result is set when flags[j] is not `mark`, for j < 64.
inline std::uint64_t unmarked_flags(const std::uint8_t* flags, std::uint8_t mark) noexcept {
#if defined(__SSE2__)
  const __m128i marks = _mm_set1_epi8(static_cast<char>(mark));
  std::uint64_t bits = 0;
  for (std::size_t b = 0; b < 4; ++b) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(flags + 16 * b));
    const auto mask = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, marks)));
    bits |= std::uint64_t{mask} << (16 * b);
  }
  return ~bits;
#else
  std::uint64_t bits = 0;
  for (std::size_t j = 0; j < 64; ++j)
    bits |= std::uint64_t{flags[j] != mark} << j;
  return bits;
#endif
}

}  // namespace

RankedPool::Scratch RankedPool::make_scratch() const {
  Scratch scratch;
  scratch.scores.resize(kChunk);
  scratch.keys.resize(stride_);
  scratch.excluded_ranks.resize(stride_ + 1);
  return scratch;
}

std::span<RankKey> RankedPool::best_unexcluded(const ItemMask& excluded, std::size_t wanted,
                                               std::size_t keep, std::span<const float> weights,
                                               Scratch& scratch) const {
  const std::size_t items = ranking_.size();
  if (wanted == 0)
    wanted = items;
  if (scratch.keys.size() < stride_)
    scratch.keys.resize(stride_);
  // The excluded items as a byte per rank, so that a chunk's eligible items
  // are one word (four SSE2 compares): setting a byte for each excluded item
  // (a few hundred) costs a third of testing each item of the chunks scanned
  // (three or four chunks of 64) against the item-indexed mask, and half of
  // setting a bit (13 instructions an item, the word read-modify-written).
  // A byte marks its rank excluded when it holds this call's mark, so the
  // bytes are cleared only when the mark wraps, not every call (the clearing
  // was a tenth of the call).
  if (scratch.excluded_ranks.size() != stride_ + 1 || ++scratch.mark == 0) {
    scratch.excluded_ranks.assign(stride_ + 1, 0);
    scratch.mark = 1;
  }
  const std::uint8_t mark = scratch.mark;
  std::uint8_t* const excluded_ranks = scratch.excluded_ranks.data();
  const std::span<const std::uint64_t> words = excluded.words();
  const std::size_t word_count = std::min(words.size(), stride_ / 64);
  // rank_of advances a word at a time, so that an item's rank is one load:
  // indexed from rank_of_.data() + 64 w, GCC added the two for every item
  // (one instruction of the nine an excluded item took).
  const std::uint32_t* rank_of = rank_of_.data();
  for (std::size_t w = 0; w < word_count; ++w, rank_of += 64) {
    for (std::uint64_t bits = words[w]; bits != 0; bits &= bits - 1)
      excluded_ranks[rank_of[static_cast<unsigned>(std::countr_zero(bits))]] = mark;
  }
  const bool no_zero_weight = std::find(weights.begin(), weights.end(), 0.0f) == weights.end();
  RankKey* out = scratch.keys.data();
  std::size_t kept = 0;
  std::size_t seen_eligible = 0;
  // Scores below this cannot make the best `keep`: `keep` kept items score
  // at least as much.
  float threshold = -std::numeric_limits<float>::infinity();
  static_assert(kChunk == 64, "a chunk's eligible items are one word");
  for (std::size_t first = 0; first < items && seen_eligible < wanted; first += kChunk) {
    const std::size_t count = std::min(kChunk, items - first);
    const ItemIndex* ranked = ranking_.data() + first;
    std::uint64_t eligible = unmarked_flags(excluded_ranks + first, mark);
    if (count < kChunk)
      eligible &= (std::uint64_t{1} << count) - 1;
    if (eligible == 0)
      continue;
    score_pool(base_.data() + first, x_.data() + first, stride_, weights, no_zero_weight, kChunk,
               scratch.scores.data());
    const float* scores = scratch.scores.data();
    // Counted here rather than by std::popcount, which without the POPCNT
    // instruction is a library call.
    for (; eligible != 0; eligible &= eligible - 1, ++seen_eligible) {
      const auto j = static_cast<std::size_t>(std::countr_zero(eligible));
      const float score = scores[j];
      if (score >= threshold)
        out[kept++] = rank_key(score, ranked[j]);
    }
    if (keep > 0 && kept > keep) {
      std::nth_element(out, out + keep - 1, out + kept, std::greater<RankKey>());
      kept = keep;
      threshold = key_score(out[keep - 1]);
    }
  }
  return std::span<RankKey>(out, kept);
}

}  // namespace lusifer
