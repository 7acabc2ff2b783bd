#include "engine/agents/ranked_pool.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>

#include "engine/agents/pool_scoring.hpp"

namespace lusifer {

void RankedPool::rebuild(std::span<const ItemIndex> ranking, std::span<const float> base,
                         std::size_t dimension,
                         const std::function<std::span<const float>(ItemIndex)>& features) {
  ranking_.assign(ranking.begin(), ranking.end());
  dimension_ = dimension;
  stride_ = (ranking_.size() + kChunk - 1) / kChunk * kChunk;
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
  return ranking_.capacity() * sizeof(ItemIndex) +
         (base_.capacity() + x_.capacity()) * sizeof(float);
}

RankedPool::Scratch RankedPool::make_scratch() const {
  Scratch scratch;
  scratch.scores.resize(kChunk);
  scratch.keys.resize(stride_);
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
  RankKey* out = scratch.keys.data();
  std::size_t kept = 0;
  std::size_t seen_eligible = 0;
  // Scores below this cannot make the best `keep`: `keep` kept items score
  // at least as much.
  float threshold = -std::numeric_limits<float>::infinity();
  std::array<std::uint8_t, kChunk> eligible;
  for (std::size_t first = 0; first < items && seen_eligible < wanted; first += kChunk) {
    const std::size_t count = std::min(kChunk, items - first);
    const ItemIndex* ranked = ranking_.data() + first;
    // Branch-free: every position is written, only eligible ones are kept.
    std::size_t n = 0;
    for (std::size_t j = 0; j < count; ++j) {
      eligible[n] = static_cast<std::uint8_t>(j);
      n += excluded.contains(ranked[j]) ? 0 : 1;
    }
    if (n == 0)
      continue;
    seen_eligible += n;
    score_pool(base_.data() + first, x_.data() + first, stride_, weights, kChunk,
               scratch.scores.data());
    const float* scores = scratch.scores.data();
    for (std::size_t e = 0; e < n; ++e) {
      const float score = scores[eligible[e]];
      if (score >= threshold)
        out[kept++] = rank_key(score, ranked[eligible[e]]);
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
