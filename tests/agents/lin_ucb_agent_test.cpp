#include "engine/agents/lin_ucb_agent.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/agents/agent_test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;

namespace {

std::vector<double> invert(std::vector<double> a, std::size_t d) {
  std::vector<double> inv(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i)
    inv[i * d + i] = 1.0;
  for (std::size_t c = 0; c < d; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < d; ++r)
      if (std::fabs(a[r * d + c]) > std::fabs(a[pivot * d + c]))
        pivot = r;
    for (std::size_t k = 0; k < d; ++k) {
      std::swap(a[c * d + k], a[pivot * d + k]);
      std::swap(inv[c * d + k], inv[pivot * d + k]);
    }
    const double p = a[c * d + c];
    for (std::size_t k = 0; k < d; ++k) {
      a[c * d + k] /= p;
      inv[c * d + k] /= p;
    }
    for (std::size_t r = 0; r < d; ++r) {
      if (r == c)
        continue;
      const double f = a[r * d + c];
      for (std::size_t k = 0; k < d; ++k) {
        a[r * d + k] -= f * a[c * d + k];
        inv[r * d + k] -= f * inv[c * d + k];
      }
    }
  }
  return inv;
}

bool has_genre(const Dataset& data, ItemIndex item, int genre) {
  return (data.catalog().item(item).genres >> genre) & 1u;
}

}  // namespace

TEST_CASE("LinUCB's A^-1 is the inverse of ridge * I + sum x x^T", "[agents][linucb]") {
  const Dataset data = small_dataset(2, 40, {});
  LinUcbOptions options;
  options.learn_from_training = false;
  options.ridge = 0.5;
  // In half precision each of the 6 learn calls rounds A^-1 (entries at most
  // 1 / ridge = 2) once, to within 2^-11 of each entry: 6 * 2 * 2^-11 < 6e-3.
  options.inverse_precision = GENERATE(FloatPrecision::kSingle, FloatPrecision::kHalf);
  const bool half = options.inverse_precision == FloatPrecision::kHalf;
  CAPTURE(half);
  const double inverse_margin = half ? 6e-3 : 1e-5;
  LinUcbAgent agent(data, {}, {}, options);
  const std::size_t d = agent.dimension();
  REQUIRE(d == 1 + 4 + 5);

  std::vector<double> a(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i)
    a[i * d + i] = 0.5;
  std::vector<double> b(d, 0.0);
  Rng rng(11);
  for (std::uint32_t step = 0; step < 6; ++step) {
    std::vector<ItemIndex> slate;
    std::vector<float> ratings, rewards;
    for (int j = 0; j < 4; ++j) {
      slate.push_back(static_cast<ItemIndex>(rng.uniform_index(40)));
      ratings.push_back(static_cast<float>(rng.uniform_int(1, 5)));
      rewards.push_back(ratings.back() / 5.0f);
    }
    ratings[3] = kNoRating;  // not learned from
    for (std::size_t j = 0; j < 3; ++j) {
      const auto x = agent.features().of(slate[j]);
      // b accumulates the reward minus the item mean at the start of the call.
      const double residual = rewards[j] - agent.item_mean(slate[j]);
      for (std::size_t r = 0; r < d; ++r) {
        b[r] += residual * x[r];
        for (std::size_t c = 0; c < d; ++c)
          a[r * d + c] += static_cast<double>(x[r]) * x[c];
      }
    }
    const std::vector<Feedback> feedback = {{0, step, slate, ratings, rewards}};
    agent.learn(feedback);
  }

  const std::vector<double> expected = invert(a, d);
  const std::vector<float> kept = agent.inverse_covariance(0);
  for (std::size_t k = 0; k < d * d; ++k)
    CHECK(kept[k] == Approx(expected[k]).margin(inverse_margin));
  const auto response = agent.response(0);
  for (std::size_t r = 0; r < d; ++r)
    CHECK(response[r] == Approx(b[r]).margin(1e-5));
  // theta = A^-1 b.
  const auto theta = agent.coefficients(0);
  for (std::size_t r = 0; r < d; ++r) {
    double t = 0;
    for (std::size_t c = 0; c < d; ++c)
      t += expected[r * d + c] * b[c];
    CHECK(theta[r] == Approx(t).margin(half ? 2e-2 : 1e-4));
  }
  // The other user learned nothing.
  const std::vector<float> untouched = agent.inverse_covariance(1);
  for (std::size_t r = 0; r < d; ++r)
    for (std::size_t c = 0; c < d; ++c)
      CHECK(untouched[r * d + c] == (r == c ? 2.0f : 0.0f));
}

TEST_CASE("LinUCB's shared item means shrink towards the global mean", "[agents][linucb]") {
  const Dataset data = small_dataset(3, 10, {});
  LinUcbOptions options;
  options.learn_from_training = false;
  options.item_prior_weight = 2.0;
  LinUcbAgent agent(data, {}, {}, options);
  CHECK(agent.reward_sd() == 1.0f);
  const std::vector<ItemIndex> slate = {4, 7};
  const std::vector<float> ratings = {5.0f, 1.0f};
  const std::vector<float> rewards = {4.0f, 1.0f};
  const std::vector<Feedback> feedback = {{0, 0, slate, ratings, rewards},
                                          {1, 0, slate, ratings, rewards}};
  agent.learn(feedback);
  // Global mean 2.5; item 4: (8 + 2 * 2.5) / 4; item 7: (2 + 5) / 4.
  CHECK(agent.item_mean(4) == Approx(13.0 / 4));
  CHECK(agent.item_mean(7) == Approx(7.0 / 4));
  CHECK(agent.item_mean(0) == Approx(2.5));
  CHECK(agent.item_observations(4) == 2);
  CHECK(agent.reward_sd() == Approx(1.5));
  // Observed items lose their shared exploration bonus: 4 ranks first, 7 last.
  CHECK(agent.ranking().front() == 4);
  CHECK(agent.ranking().back() == 7);
}

TEST_CASE("LinUCB learns each user's own taste", "[agents][linucb]") {
  // 2 users, 240 items over 4 genres; user 0 likes genre 0, user 1 genre 1.
  // Every item is a candidate: with two users of opposite tastes a shared
  // ranking says little, and this is about what each user's model learns.
  const Dataset data = small_dataset(2, 240, {});
  LinUcbOptions options;
  options.learn_from_training = false;
  options.pool_size = 0;
  LinUcbAgent agent(data, {}, {}, options);
  const SlateSize k = 6;
  const std::vector<UserIndex> users = {0, 1};
  auto rate = [&](UserIndex user, ItemIndex item, std::uint32_t) {
    return has_genre(data, item, static_cast<int>(user)) ? 5.0f : 1.0f;
  };
  StepRecord last;
  for (std::uint32_t step = 0; step < 8; ++step)
    last = run_step(agent, users, step, k, rate);
  for (std::size_t u = 0; u < 2; ++u) {
    int liked = 0;
    for (std::size_t j = 0; j < k; ++j)
      liked += has_genre(data, last.slates[u * k + j], static_cast<int>(u)) ? 1 : 0;
    CAPTURE(u, liked);
    CHECK(liked == static_cast<int>(k));
  }
  // The learned coefficients say so: the liked genre's weight is the largest.
  const std::size_t g = agent.features().genre_offset();
  for (std::size_t u = 0; u < 2; ++u) {
    const auto theta = agent.coefficients(static_cast<UserIndex>(u));
    for (std::size_t other = 0; other < 4; ++other) {
      if (other != u)
        CHECK(theta[g + u] > theta[g + other]);
    }
  }
}

TEST_CASE("LinUCB's slate is the unseen items' best by their exact bounds", "[agents][linucb]") {
  // Every item shortlisted: act's bounds, whose estimated means come from
  // the candidate scores of the pool, are upper_confidence_bound's, which
  // sums theta . x over the nonzero features.
  const Dataset data = small_dataset(3, 240, {});
  LinUcbOptions options;
  options.learn_from_training = false;
  options.pool_size = 0;
  options.shortlist = 240;
  LinUcbAgent agent(data, {}, {}, options);
  const SlateSize k = 8;
  const std::vector<UserIndex> users = {0, 1, 2};
  auto rate = [&](UserIndex user, ItemIndex item, std::uint32_t) {
    return has_genre(data, item, static_cast<int>(user)) ? 4.0f : 2.0f;
  };
  for (std::uint32_t step = 0; step < 5; ++step)
    run_step(agent, users, step, k, rate);
  for (const UserIndex u : users) {
    std::vector<RankKey> keys;
    for (ItemIndex i = 0; i < 240; ++i) {
      if (!agent.has_seen(u, i))
        keys.push_back(rank_key(agent.upper_confidence_bound(u, i) + 0.0f, i));
    }
    std::sort(keys.begin(), keys.end(), std::greater<RankKey>());
    std::vector<ItemIndex> slate(k);
    const Observation o{u, 5, {}, 0, {}};
    agent.act(std::span<const Observation>(&o, 1), k, slate);
    for (std::size_t j = 0; j < k; ++j) {
      CAPTURE(u, j);
      CHECK(slate[j] == key_item(keys[j]));
    }
  }
}

TEST_CASE("LinUCB starts from the training ratings", "[agents][linucb]") {
  // User 0 rated genre-2 items high and genre-0 items low; users 1-3 rated
  // a few items so the shared means are not all equal.
  std::vector<SmallRating> ratings;
  for (ItemIndex i = 0; i < 60; ++i) {
    if (i % 4 == 2)
      ratings.push_back({0, i, 5});
    else if (i % 4 == 0)
      ratings.push_back({0, i, 1});
  }
  for (ItemIndex i = 60; i < 90; ++i)
    ratings.push_back({static_cast<UserIndex>(1 + i % 3), i, 3});
  const Dataset data = small_dataset(4, 200, ratings);
  const auto train = all_ratings_of(data);
  LinUcbAgent agent(data, train);
  std::vector<ItemIndex> slate(5);
  const Observation o{0, 0, {}, 0, {}};
  agent.act(std::span<const Observation>(&o, 1), 5, slate);
  int genre2 = 0;
  for (const ItemIndex item : slate) {
    CHECK_FALSE(agent.has_seen(0, item));
    genre2 += has_genre(data, item, 2) ? 1 : 0;
  }
  CHECK(genre2 >= 4);
}

TEST_CASE("LinUCB refuses bad options", "[agents][linucb]") {
  const Dataset data = small_dataset(1, 5, {});
  LinUcbOptions bad;
  bad.ridge = 0;
  CHECK_THROWS_AS(LinUcbAgent(data, {}, {}, bad), std::invalid_argument);
  bad = {};
  bad.alpha = -1;
  CHECK_THROWS_AS(LinUcbAgent(data, {}, {}, bad), std::invalid_argument);
  bad = {};
  bad.shortlist = 0;
  CHECK_THROWS_AS(LinUcbAgent(data, {}, {}, bad), std::invalid_argument);
  bad = {};
  bad.item_exploration = std::nan("");
  CHECK_THROWS_AS(LinUcbAgent(data, {}, {}, bad), std::invalid_argument);
}
