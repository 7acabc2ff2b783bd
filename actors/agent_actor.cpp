#include "actors/agent_actor.hpp"

#include <sstream>
#include <stdexcept>

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
        // The agent reads the batch's columns in place: a record per user
        // would be the step's largest allocation at a million users.
        FeedbackView feedback;
        try {
          feedback = FeedbackView::from_columns(batch.users, batch.steps, batch.slate_size,
                                                batch.items, batch.ratings, batch.rewards);
        } catch (const std::invalid_argument&) {
          return make_error(Errc::kInvalidRequest, "a learn batch's lists differ in length");
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
