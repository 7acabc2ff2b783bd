#include "engine/model/similarity.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/model/tiny_dataset.hpp"

using namespace lusifer;
using lusifer::testing::all_ratings;
using lusifer::testing::random_dataset;
using lusifer::testing::tiny_dataset;

namespace {

//        i0 i1 i2 i3
//   u0    5  3  4  .
//   u1    4  2  .  2
//   u2    1  .  2  5
Dataset hand_data() {
  return tiny_dataset(3, 4,
                      {{0, 0, 5},
                       {0, 1, 3},
                       {0, 2, 4},
                       {1, 0, 4},
                       {1, 1, 2},
                       {1, 3, 2},
                       {2, 0, 1},
                       {2, 2, 2},
                       {2, 3, 5}});
}

Baselines zero_baselines(const TrainingSet& train) {
  return Baselines{std::vector<double>(train.user_count(), 0.0),
                   std::vector<double>(train.item_count(), 0.0)};
}

// Surprise's similarity loops over dense matrices, for every ordered pair of
// ratings of each y, as similarities.pyx writes them.
std::vector<double> reference(const TrainingSet& train, const SimilarityOptions& o,
                              const Baselines& b) {
  const bool ub = o.user_based;
  const std::size_t n = ub ? train.user_count() : train.item_count();
  const std::size_t m = ub ? train.item_count() : train.user_count();
  std::vector<double> freq(n * n), s1(n * n), s2(n * n), s3(n * n), sim(n * n);
  for (std::uint32_t y = 0; y < m; ++y) {
    const auto yr = ub ? train.item_ratings(y) : train.user_ratings(y);
    const double partial = train.global_mean() + (ub ? b.item[y] : b.user[y]);
    for (const auto& ri : yr) {
      for (const auto& rj : yr) {
        const std::size_t at = ri.other * n + rj.other;
        freq[at] += 1;
        if (o.kind == SimilarityKind::kMsd) {
          s1[at] += (ri.value - rj.value) * (ri.value - rj.value);
        } else {
          const double di = ri.value - (partial + (ub ? b.user : b.item)[ri.other]);
          const double dj = rj.value - (partial + (ub ? b.user : b.item)[rj.other]);
          s1[at] += di * dj;
          s2[at] += di * di;
          s3[at] += dj * dj;
        }
      }
    }
  }
  const double min_support =
      o.kind == SimilarityKind::kMsd ? o.min_support : std::max(2, o.min_support);
  for (std::size_t a = 0; a < n; ++a) {
    sim[a * n + a] = 1;
    for (std::size_t c = a + 1; c < n; ++c) {
      const std::size_t at = a * n + c;
      double s = 0;
      if (freq[at] >= min_support && freq[at] > 0) {
        if (o.kind == SimilarityKind::kMsd) {
          s = 1 / (s1[at] / freq[at] + 1);
        } else {
          s = s1[at] / std::sqrt(s2[at] * s3[at]) * (freq[at] - 1) / (freq[at] - 1 + o.shrinkage);
        }
      }
      sim[at] = sim[c * n + a] = s;
    }
  }
  return sim;
}

}  // namespace

TEST_CASE("MSD similarity between users, by hand", "[model][similarity]") {
  const auto data = hand_data();
  const TrainingSet train(data, all_ratings(data));
  const SimilarityMatrix sim(train, SimilarityOptions{}, zero_baselines(train));
  CHECK(sim.user_based());
  CHECK(sim.size() == 3);
  CHECK(sim(0, 1) == Approx(1 / (1.0 + 1)));   // i0, i1: squared diffs 1, 1
  CHECK(sim(0, 2) == Approx(1 / (10.0 + 1)));  // i0, i2: 16, 4
  CHECK(sim(1, 2) == Approx(1 / (9.0 + 1)));   // i0, i3: 9, 9
  CHECK(sim(2, 1) == sim(1, 2));
  CHECK(sim(1, 1) == 1.0);
  CHECK(sim(0, 7) == 0.0);  // not a user
}

TEST_CASE("MSD similarity between items, with a minimum support", "[model][similarity]") {
  const auto data = hand_data();
  const TrainingSet train(data, all_ratings(data));
  SimilarityOptions options;
  options.user_based = false;
  SimilarityMatrix sim(train, options, zero_baselines(train));
  CHECK(sim(0, 1) == Approx(1 / (4.0 + 1)));
  CHECK(sim(0, 2) == Approx(1 / (1.0 + 1)));
  CHECK(sim(0, 3) == Approx(1 / (10.0 + 1)));
  CHECK(sim(1, 2) == Approx(1 / (1.0 + 1)));
  CHECK(sim(1, 3) == Approx(1.0));  // one co-rating, equal
  CHECK(sim(2, 3) == Approx(1 / (9.0 + 1)));
  options.min_support = 2;
  sim = SimilarityMatrix(train, options, zero_baselines(train));
  CHECK(sim(0, 1) == Approx(1 / (4.0 + 1)));
  CHECK(sim(1, 3) == 0.0);
  CHECK(sim(2, 3) == 0.0);
}

TEST_CASE("Pearson-baseline similarity, by hand", "[model][similarity]") {
  // With zero biases the baseline is mu = 28/9; u0 and u1 co-rate i0 and i1:
  // deviations (17, -1)/9 and (8, -10)/9.
  const auto data = hand_data();
  const TrainingSet train(data, all_ratings(data));
  SimilarityOptions options;
  options.kind = SimilarityKind::kPearsonBaseline;
  options.shrinkage = 0;
  SimilarityMatrix sim(train, options, zero_baselines(train));
  const double rho = (17.0 * 8 + 1 * 10) / std::sqrt((17.0 * 17 + 1) * (8.0 * 8 + 10 * 10));
  CHECK(sim(0, 1) == Approx(rho));
  options.shrinkage = 100;  // two co-ratings: (2 - 1) / (2 - 1 + 100)
  sim = SimilarityMatrix(train, options, zero_baselines(train));
  CHECK(sim(0, 1) == Approx(rho / 101));
  // Biases shift the deviations: b_u1 = 1 makes u1's (-1, -19)/9.
  Baselines b = zero_baselines(train);
  b.user[1] = 1;
  options.shrinkage = 0;
  sim = SimilarityMatrix(train, options, b);
  CHECK(sim(0, 1) == Approx((17.0 * -1 + 1 * 19) / std::sqrt((17.0 * 17 + 1) * (1 + 19.0 * 19))));
}

TEST_CASE("Pearson-baseline needs two co-ratings and a deviation on each side",
          "[model][similarity]") {
  // mu = 3. u0 and u1 share only i0; u3 sits exactly on the baseline for both
  // of its ratings, so its correlation with u2 is undefined (Surprise would
  // divide by zero) and is 0. u1 and u2 deviate oppositely: rho = -1.
  const auto data = tiny_dataset(
      4, 2, {{0, 0, 3}, {1, 0, 1}, {1, 1, 5}, {2, 0, 4}, {2, 1, 2}, {3, 0, 3}, {3, 1, 3}});
  const TrainingSet train(data, all_ratings(data));
  REQUIRE(train.global_mean() == Approx(3.0));
  SimilarityOptions options;
  options.kind = SimilarityKind::kPearsonBaseline;
  const SimilarityMatrix sim(train, options, zero_baselines(train));
  CHECK(sim(0, 1) == 0.0);
  CHECK(sim(2, 3) == 0.0);
  CHECK(sim(1, 2) == Approx(-1.0 / 101));
}

TEST_CASE("The sparse computation equals Surprise's dense loops, repeated ratings included",
          "[model][similarity]") {
  const auto data = random_dataset(30, 25, 12, 31);
  auto train_list = all_ratings(data);
  for (RatingIndex r = 0; r < 15; ++r)
    train_list.push_back(r * 3);  // rated twice
  const TrainingSet train(data, train_list);
  const Baselines b = compute_baselines(train, BaselineOptions{});
  for (const auto kind : {SimilarityKind::kMsd, SimilarityKind::kPearsonBaseline}) {
    for (const bool user_based : {true, false}) {
      SimilarityOptions options;
      options.kind = kind;
      options.user_based = user_based;
      options.min_support = 2;
      const SimilarityMatrix sim(train, options, b);
      const auto expected = reference(train, options, b);
      const std::size_t n = user_based ? train.user_count() : train.item_count();
      for (std::uint32_t a = 0; a < n; ++a) {
        for (std::uint32_t c = 0; c < n; ++c) {
          const bool known = user_based ? train.knows_user(a) && train.knows_user(c)
                                        : train.knows_item(a) && train.knows_item(c);
          if (!known)
            continue;
          INFO(similarity_name(kind) << (user_based ? " user " : " item ") << a << ", " << c);
          CHECK(sim(a, c) == Approx(expected[a * n + c]).margin(1e-12));
        }
      }
    }
  }
}

TEST_CASE("A similarity matrix beyond the memory limit is refused", "[model][similarity]") {
  const auto data = hand_data();
  const TrainingSet train(data, all_ratings(data));
  SimilarityOptions options;
  options.max_bytes = 3 * 3 * sizeof(double) - 1;
  CHECK_THROWS_AS(SimilarityMatrix(train, options, zero_baselines(train)), std::length_error);
  options.max_bytes = 3 * 3 * sizeof(double);
  CHECK_NOTHROW(SimilarityMatrix(train, options, zero_baselines(train)));
}
