#pragma once

// What the agent tests share: small hand-made datasets, a factory for every
// agent, and an episode loop against a synthetic environment.

#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/agents/agent.hpp"
#include "engine/agents/epsilon_greedy_mf_agent.hpp"
#include "engine/agents/lin_ucb_agent.hpp"
#include "engine/agents/popularity_agent.hpp"
#include "engine/agents/random_agent.hpp"
#include "engine/agents/synthetic_environment.hpp"
#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer::testing {

struct SmallRating {
  UserIndex user;
  ItemIndex item;
  float value;
};

// Users 0..users-1 and items 0..items-1 (ids = index + 1), ratings on 1..5
// in the order given. Item i has genre i % genres (of "g0".."g<genres-1>")
// and, every third item, also genre (i + 1) % genres; its text names it.
inline Dataset small_dataset(std::uint32_t users, std::uint32_t items,
                             const std::vector<SmallRating>& ratings, int genres = 4) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "small", RatingScale{1.0f, 5.0f, 1.0f});
  for (int g = 0; g < genres; ++g)
    builder.catalog().add_genre(fmt::format("g{}", g));
  for (std::uint32_t u = 0; u < users; ++u)
    builder.user_for_id(u + 1);
  for (std::uint32_t i = 0; i < items; ++i) {
    Item item;
    item.id = i + 1;
    item.title = fmt::format("item {}", i + 1);
    item.genres = GenreMask{1} << (i % static_cast<std::uint32_t>(genres));
    if (i % 3 == 0)
      item.genres |= GenreMask{1} << ((i + 1) % static_cast<std::uint32_t>(genres));
    item.text = fmt::format("a story about topic{} and theme{}", i % 7, i % 5);
    builder.add_item(std::move(item));
  }
  std::int64_t time = 0;
  for (const auto& r : ratings)
    builder.add_rating(r.user, r.item, r.value, ++time);
  return builder.finish();
}

// Each user rates `per_user` random distinct items, values uniform on 1..5.
inline Dataset random_small_dataset(std::uint32_t users, std::uint32_t items,
                                    std::uint32_t per_user, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<SmallRating> ratings;
  std::vector<ItemIndex> pool(items);
  std::iota(pool.begin(), pool.end(), ItemIndex{0});
  for (UserIndex u = 0; u < users; ++u) {
    rng.shuffle(std::span<ItemIndex>(pool));
    for (std::uint32_t k = 0; k < per_user && k < items; ++k)
      ratings.push_back({u, pool[k], static_cast<float>(rng.uniform_int(1, 5))});
  }
  return small_dataset(users, items, ratings);
}

inline std::vector<RatingIndex> all_ratings_of(const Dataset& dataset) {
  std::vector<RatingIndex> indices(dataset.ratings().size());
  std::iota(indices.begin(), indices.end(), RatingIndex{0});
  return indices;
}

enum class AgentKind { kRandom, kPopularity, kEpsilonGreedyMf, kLinUcb, kLinUcbHalf };

inline const char* kind_name(AgentKind kind) {
  switch (kind) {
    case AgentKind::kRandom:
      return "random";
    case AgentKind::kPopularity:
      return "popularity";
    case AgentKind::kEpsilonGreedyMf:
      return "epsilon-greedy-mf";
    case AgentKind::kLinUcb:
      return "linucb";
    case AgentKind::kLinUcbHalf:
      return "linucb (A^-1 in half precision)";
  }
  return "?";
}

inline std::unique_ptr<Agent> make_agent(AgentKind kind, const Dataset& dataset,
                                         std::span<const RatingIndex> train,
                                         AgentOptions options = {}) {
  switch (kind) {
    case AgentKind::kRandom:
      return std::make_unique<RandomAgent>(dataset, train, options);
    case AgentKind::kPopularity:
      return std::make_unique<PopularityAgent>(dataset, train, options);
    case AgentKind::kEpsilonGreedyMf: {
      EpsilonGreedyMfOptions mf;
      mf.svd.n_factors = 8;
      mf.svd.n_epochs = 10;
      return std::make_unique<EpsilonGreedyMfAgent>(dataset, train, options, mf);
    }
    case AgentKind::kLinUcb:
    case AgentKind::kLinUcbHalf: {
      LinUcbOptions linucb;
      // Small pools, so that the pool and its fallback are both exercised.
      linucb.pool_size = 24;
      linucb.shortlist = 12;
      if (kind == AgentKind::kLinUcbHalf)
        linucb.inverse_precision = FloatPrecision::kHalf;
      return std::make_unique<LinUcbAgent>(dataset, train, options, linucb);
    }
  }
  return nullptr;
}

inline constexpr AgentKind kAllAgentKinds[] = {AgentKind::kRandom, AgentKind::kPopularity,
                                               AgentKind::kEpsilonGreedyMf, AgentKind::kLinUcb,
                                               AgentKind::kLinUcbHalf};

// A whole step's interaction for a set of users, with ratings drawn by a
// caller-supplied function; owns the buffers the spans point into.
struct StepRecord {
  SlateSize k = 0;
  std::vector<UserIndex> users;
  std::vector<ItemIndex> slates;
  std::vector<float> ratings;
  std::vector<float> rewards;

  std::vector<Feedback> feedback(std::uint32_t step) const {
    std::vector<Feedback> out;
    for (std::size_t i = 0; i < users.size(); ++i) {
      const std::size_t at = i * k;
      out.push_back(Feedback{users[i], step, std::span<const ItemIndex>(slates).subspan(at, k),
                             std::span<const float>(ratings).subspan(at, k),
                             std::span<const float>(rewards).subspan(at, k)});
    }
    return out;
  }
};

inline std::vector<Observation> observations_for(std::span<const UserIndex> users,
                                                 std::uint32_t step) {
  std::vector<Observation> out;
  for (const UserIndex u : users)
    out.push_back(Observation{u, step, {}, 0, {}});
  return out;
}

// One step for `users`: act, then rate each item with `rate(user, item,
// step)` (reward = rating), then learn. Returns what happened.
template <class RateFn>
StepRecord run_step(Agent& agent, std::span<const UserIndex> users, std::uint32_t step, SlateSize k,
                    RateFn&& rate) {
  StepRecord record;
  record.k = k;
  record.users.assign(users.begin(), users.end());
  record.slates.resize(users.size() * k);
  const auto observations = observations_for(users, step);
  agent.act(observations, k, record.slates);
  for (std::size_t i = 0; i < users.size(); ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      const float r = rate(users[i], record.slates[i * k + j], step);
      record.ratings.push_back(r);
      record.rewards.push_back(has_rating(r) ? r : 0.0f);
    }
  }
  const auto feedback = record.feedback(step);
  agent.learn(feedback);
  return record;
}

inline std::vector<UserIndex> all_users(std::size_t count) {
  std::vector<UserIndex> users(count);
  std::iota(users.begin(), users.end(), UserIndex{0});
  return users;
}

// A rating that depends only on (seed, user, item, step), so that two
// agents recommending the same items get the same ratings.
inline float hashed_rating(std::uint64_t seed, UserIndex user, ItemIndex item, std::uint32_t step) {
  Rng rng(derive_seed(derive_seed(derive_seed(seed, user), item), step));
  return static_cast<float>(rng.uniform_int(1, 5));
}

inline std::string checkpoint_of(const Agent& agent) {
  std::ostringstream out;
  agent.save(out);
  return out.str();
}

}  // namespace lusifer::testing
