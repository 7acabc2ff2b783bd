#pragma once

// Messages between the coordinator and an agent actor. One message carries a
// whole step's users: per-user messages would cost more than the agent's
// own work.

#include <cstdint>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "engine/data/dataset.hpp"

namespace lusifer {

// (act_atom, ActRequest) -> SlateBatch
struct ActRequest {
  std::vector<UserIndex> users;
  std::vector<std::uint32_t> steps;             // per user
  std::vector<std::uint32_t> profile_versions;  // per user
  std::uint32_t slate_size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ActRequest& x) {
  return f(caf::meta::type_name("act_request"), x.users, x.steps, x.profile_versions, x.slate_size);
}

// Slates of users[i] are items[i * slate_size, (i + 1) * slate_size).
struct SlateBatch {
  std::vector<ItemIndex> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SlateBatch& x) {
  return f(caf::meta::type_name("slate_batch"), x.items);
}

// (learn_atom, LearnBatch) -> void. Per user: the slate, then per item the
// rating (NaN when the user did not rate it) and the reward.
struct LearnBatch {
  std::vector<UserIndex> users;
  std::vector<std::uint32_t> steps;
  std::uint32_t slate_size = 0;
  std::vector<ItemIndex> items;
  std::vector<float> ratings;
  std::vector<float> rewards;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, LearnBatch& x) {
  return f(caf::meta::type_name("learn_batch"), x.users, x.steps, x.slate_size, x.items, x.ratings,
           x.rewards);
}

}  // namespace lusifer
