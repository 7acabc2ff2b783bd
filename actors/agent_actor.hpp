#pragma once

// An agent actor: a thin owner of one recommender agent (engine/agents).
//
//   (act_atom, ActRequest)     -> SlateBatch   slates for every user of a step
//   (learn_atom, LearnBatch)   -> void         online learning from feedback
//   (save_atom)                -> std::string  the agent's checkpoint bytes
//
// The agent's work is CPU-bound and bounded by the batch, so it runs on the
// scheduler; it never blocks on I/O.

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/agents/agent.hpp"

namespace lusifer {

caf::actor spawn_agent_actor(caf::actor_system& system, std::unique_ptr<Agent> agent);

}  // namespace lusifer
