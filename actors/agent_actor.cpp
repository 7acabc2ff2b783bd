#include "actors/agent_actor.hpp"

#include <sstream>

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

struct AgentState {
  std::unique_ptr<Agent> agent;
};

caf::behavior agent_behavior(caf::stateful_actor<AgentState>* self,
                             std::shared_ptr<std::unique_ptr<Agent>> agent) {
  self->state.agent = std::move(*agent);
  return {
      [self](act_atom, const ActRequest& request) -> caf::result<SlateBatch> {
        const std::size_t n = request.users.size();
        if (request.steps.size() != n || request.profile_versions.size() != n) {
          return make_error(Errc::kInvalidRequest,
                            "an act request's per-user lists differ in length");
        }
        std::vector<Observation> observations(n);
        for (std::size_t i = 0; i < n; ++i) {
          observations[i].user = request.users[i];
          observations[i].step = request.steps[i];
          observations[i].profile_version = request.profile_versions[i];
        }
        SlateBatch out;
        out.items.resize(n * request.slate_size);
        try {
          self->state.agent->act(observations, request.slate_size, out.items);
        } catch (const std::exception& e) {
          return make_error(Errc::kInvalidRequest, e.what());
        }
        return out;
      },
      [self](learn_atom, const LearnBatch& batch) -> caf::result<void> {
        const std::size_t n = batch.users.size();
        const std::size_t k = batch.slate_size;
        if (batch.steps.size() != n || batch.items.size() != n * k ||
            batch.ratings.size() != n * k || batch.rewards.size() != n * k) {
          return make_error(Errc::kInvalidRequest, "a learn batch's lists differ in length");
        }
        std::vector<Feedback> feedback(n);
        for (std::size_t i = 0; i < n; ++i) {
          feedback[i].user = batch.users[i];
          feedback[i].step = batch.steps[i];
          feedback[i].slate = std::span<const ItemIndex>(batch.items).subspan(i * k, k);
          feedback[i].ratings = std::span<const float>(batch.ratings).subspan(i * k, k);
          feedback[i].rewards = std::span<const float>(batch.rewards).subspan(i * k, k);
        }
        try {
          self->state.agent->learn(feedback);
        } catch (const std::exception& e) {
          return make_error(Errc::kInvalidRequest, e.what());
        }
        return caf::unit;
      },
      [self](save_atom) {
        std::ostringstream out;
        self->state.agent->save(out);
        return out.str();
      },
  };
}

}  // namespace

caf::actor spawn_agent_actor(caf::actor_system& system, std::unique_ptr<Agent> agent) {
  auto holder = std::make_shared<std::unique_ptr<Agent>>(std::move(agent));
  return system.spawn(agent_behavior, std::move(holder));
}

}  // namespace lusifer
