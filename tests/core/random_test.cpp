#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "engine/core/random.hpp"

using lusifer::Rng;

TEST_CASE("Rng gives the same sequence for the same seed", "[random]") {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    CHECK(x == b.next_u64());
    CHECK(x != c.next_u64());
  }
}

TEST_CASE("Rng output is pinned, so runs reproduce across platforms", "[random]") {
  // xoshiro256** seeded by SplitMix64(0); any change here changes every run.
  Rng rng(0);
  CHECK(rng.next_u64() == 0x99ec5f36cb75f2b4ULL);
  CHECK(rng.next_u64() == 0xbf6e1f784956452aULL);
}

TEST_CASE("uniform_index stays in range and covers it evenly", "[random]") {
  Rng rng(7);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) {
    const auto k = rng.uniform_index(10);
    REQUIRE(k < 10);
    ++counts[k];
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
}

TEST_CASE("uniform_int covers both ends, including the full int64 range", "[random]") {
  Rng rng(1);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 1000; ++i) {
    const auto v = rng.uniform_int(-2, 2);
    REQUIRE(v >= -2);
    REQUIRE(v <= 2);
    saw_lo |= v == -2;
    saw_hi |= v == 2;
  }
  CHECK(saw_lo);
  CHECK(saw_hi);
  // Must not overflow.
  (void)rng.uniform_int(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("normal has the requested mean and deviation", "[random]") {
  Rng rng(3);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal(2.0, 3.0);
    sum += x;
    sq += x * x;
  }
  const double mean = sum / n;
  CHECK(mean == Approx(2.0).margin(0.03));
  CHECK(std::sqrt(sq / n - mean * mean) == Approx(3.0).margin(0.03));
}

TEST_CASE("state and restore continue the exact sequence", "[random]") {
  Rng rng(9);
  for (int i = 0; i < 5; ++i) rng.normal();
  const auto saved = rng.state();
  std::vector<double> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(rng.normal());
  Rng other(123);
  other.restore(saved);
  for (double e : expected) CHECK(other.normal() == e);
}

TEST_CASE("shuffle is a permutation and depends on the seed", "[random]") {
  std::vector<int> a(50), b(50);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 0);
  Rng r1(5), r2(6);
  r1.shuffle(std::span<int>(a));
  r2.shuffle(std::span<int>(b));
  CHECK(a != b);
  std::sort(a.begin(), a.end());
  for (int i = 0; i < 50; ++i) CHECK(a[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("derive_seed gives distinct streams per label", "[random]") {
  CHECK(lusifer::derive_seed(1, 1) != lusifer::derive_seed(1, 2));
  CHECK(lusifer::derive_seed(1, 1) != lusifer::derive_seed(2, 1));
  CHECK(lusifer::derive_seed(1, 1) == lusifer::derive_seed(1, 1));
}
