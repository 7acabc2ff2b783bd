#include "engine/agents/slate_filling.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/agents/ranked_pool.hpp"
#include "engine/core/random.hpp"

using namespace lusifer;

TEST_CASE("Rank keys order like ScoredItems and give back the item and score", "[agents][slates]") {
  const std::vector<float> scores = {
      -std::numeric_limits<float>::infinity(), -3.5f, -1e-8f, 0.0f, 1e-8f, 2.0f, 2.0f, 7.25f,
      std::numeric_limits<float>::infinity()};
  std::vector<ScoredItem> items;
  for (std::size_t i = 0; i < scores.size(); ++i)
    items.push_back({scores[i], static_cast<ItemIndex>(100 - i)});
  for (const ScoredItem& a : items) {
    const RankKey key = rank_key(a.score, a.item);
    CHECK(key_item(key) == a.item);
    CHECK(key_score(key) == a.score);
    for (const ScoredItem& b : items)
      CHECK((key > rank_key(b.score, b.item)) == ranks_before(a, b));
  }
}

TEST_CASE("Rank keys hold the ordered bits of the score over the complement of the item",
          "[agents][slates]") {
  // Every sign, zero, subnormal, infinity and NaN pattern among others:
  // the keys (and so every ranking built from them) are those of flipping
  // all the bits of a negative score and only the sign bit of the others.
  Rng rng(5);
  std::vector<std::uint32_t> patterns = {0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u,
                                         0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffffffffu};
  for (int i = 0; i < 10000; ++i)
    patterns.push_back(static_cast<std::uint32_t>(rng.next_u64()));
  for (const std::uint32_t bits : patterns) {
    const std::uint32_t ordered = (bits >> 31) != 0 ? ~bits : bits | 0x80000000u;
    const RankKey key = rank_key(std::bit_cast<float>(bits), 17);
    CAPTURE(bits);
    CHECK(key == ((static_cast<RankKey>(ordered) << 32) | (0xffffffffu - 17u)));
  }
}

TEST_CASE("select_best puts the best first, ties to the lower item", "[agents][slates]") {
  std::vector<ScoredItem> c = {{1.0f, 4}, {3.0f, 9}, {3.0f, 2}, {0.5f, 1}, {2.0f, 7}};
  select_best(c, 3);
  CHECK(c[0].item == 2);
  CHECK(c[1].item == 9);
  CHECK(c[2].item == 7);
  select_best(c, 10);  // more than there are: all sorted
  CHECK(c[4].item == 1);
}

TEST_CASE("Filling from a ranking skips and marks excluded items", "[agents][slates]") {
  ItemMask excluded(8);
  excluded.insert(5);
  const std::vector<ItemIndex> ranking = {5, 3, 5, 0, 7, 1};
  std::vector<ItemIndex> slate(3, 99);
  slate[0] = 6;
  const std::size_t filled = fill_from_ranking(ranking, excluded, slate, 1);
  CHECK(filled == 3);
  CHECK(slate == std::vector<ItemIndex>{6, 3, 0});
  CHECK(excluded.contains(3));
  CHECK(excluded.contains(0));
  CHECK_FALSE(excluded.contains(7));
}

TEST_CASE("Uniform draws never repeat and cover the free items evenly", "[agents][slates]") {
  Rng rng(12);
  std::vector<int> counts(10, 0);
  for (int round = 0; round < 4000; ++round) {
    ItemMask excluded(10);
    excluded.insert(0);
    excluded.insert(9);
    ItemIndex item = 0;
    REQUIRE(draw_unexcluded(rng, excluded, item));
    ++counts[item];
  }
  CHECK(counts[0] == 0);
  CHECK(counts[9] == 0);
  for (int i = 1; i < 9; ++i)
    CHECK(counts[i] == Approx(500).margin(80));

  // Almost everything excluded: the exact path finds the last free item.
  ItemMask nearly(200);
  for (ItemIndex i = 0; i < 200; ++i)
    if (i != 137)
      nearly.insert(i);
  ItemIndex last = 0;
  REQUIRE(draw_unexcluded(rng, nearly, last));
  CHECK(last == 137);
  CHECK_FALSE(draw_unexcluded(rng, nearly, last));
}

TEST_CASE("Completing a slate adds distinct items not yet in it", "[agents][slates]") {
  ItemMask scratch(6);
  std::vector<ItemIndex> slate = {4, 2, 0, 0};
  const std::vector<ItemIndex> ranking = {2, 5, 4, 1, 3, 0};
  complete_with_any(ranking, scratch, slate, 2);
  CHECK(slate == std::vector<ItemIndex>{4, 2, 5, 1});

  Rng rng(3);
  std::vector<ItemIndex> random_slate = {1, 0, 0, 0, 0, 0};
  complete_with_random(rng, scratch, random_slate, 1);
  CHECK(std::set<ItemIndex>(random_slate.begin(), random_slate.end()).size() == 6);
}

TEST_CASE("The ranked pool keeps the true best of a user's first unseen items",
          "[agents][slates]") {
  // 300 items ranked by a shared score, 3 features each.
  const std::size_t items = 300, dim = 3;
  Rng rng(77);
  std::vector<float> base(items), features(items * dim);
  for (auto& b : base)
    b = static_cast<float>(rng.normal());
  for (auto& f : features)
    f = static_cast<float>(rng.normal());
  std::vector<ItemIndex> ranking(items);
  for (ItemIndex i = 0; i < items; ++i)
    ranking[i] = (i * 7) % items;  // any permutation
  RankedPool pool;
  pool.rebuild(ranking, base, dim,
               [&](ItemIndex i) { return std::span<const float>(features).subspan(i * dim, dim); });
  const std::vector<float> weights = {0.5f, -1.0f, 2.0f};
  // With weights of 0 (either sign) the scoring takes its other path.
  const std::vector<float> zero_weights = {0.0f, -1.0f, -0.0f};

  ItemMask excluded(items);
  for (ItemIndex i = 0; i < items; i += 3)
    excluded.insert(i);
  RankedPool::Scratch scratch = pool.make_scratch();
  for (const std::vector<float>* w : {&weights, &zero_weights})
    for (const std::size_t wanted : {0u, 50u, 100u}) {
      const std::size_t keep = 12;
      const auto best = pool.best_unexcluded(excluded, wanted, keep, *w, scratch);
      // By brute force: the eligible items of the leading chunks of 64 until
      // `wanted` are seen, scored the same way.
      std::vector<RankKey> all;
      std::size_t seen = 0;
      for (std::size_t first = 0; first < items && (wanted == 0 || seen < wanted); first += 64) {
        for (std::size_t r = first; r < std::min(items, first + 64); ++r) {
          const ItemIndex item = ranking[r];
          if (excluded.contains(item))
            continue;
          ++seen;
          float s = base[item];
          for (std::size_t f = 0; f < dim; ++f)
            s += (*w)[f] * features[item * dim + f];
          all.push_back(rank_key(s, item));
        }
      }
      std::sort(all.begin(), all.end(), std::greater<RankKey>());
      all.resize(keep);
      std::vector<RankKey> got(best.begin(), best.end());
      std::sort(got.begin(), got.end(), std::greater<RankKey>());
      CAPTURE(*w, wanted);
      CHECK(got == all);
    }

  // One scratch across many calls (its exclusion marks wrap after 255):
  // each call sees only its own mask.
  ItemMask none(items);
  const auto sorted_best = [&](const ItemMask& mask) {
    const auto best = pool.best_unexcluded(mask, 50, 12, weights, scratch);
    std::vector<RankKey> got(best.begin(), best.end());
    std::sort(got.begin(), got.end(), std::greater<RankKey>());
    return got;
  };
  const std::vector<RankKey> with_mask = sorted_best(excluded);
  const std::vector<RankKey> without = sorted_best(none);
  CHECK(with_mask != without);
  for (int call = 0; call < 600; ++call) {
    if (call % 2 == 0)
      REQUIRE(sorted_best(excluded) == with_mask);
    else
      REQUIRE(sorted_best(none) == without);
  }
}
