#pragma once

// lusifer's message vocabulary: every message type and atom, with stable
// type ids, so that every node of a distributed run speaks the same one.
// Register it with `register_message_types` before creating an actor system.

#include <memory>

#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "engine/gateway/http_attempt.hpp"
#include "messages/agent_messages.hpp"
#include "messages/cache_messages.hpp"
#include "messages/llm_messages.hpp"
#include "messages/rl_messages.hpp"
#include "messages/shard_messages.hpp"
#include "messages/store_messages.hpp"
#include "messages/user_messages.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(lusifer, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(lusifer, (lusifer::LlmTask))
CAF_ADD_TYPE_ID(lusifer, (lusifer::LlmTaskResult))
CAF_ADD_TYPE_ID(lusifer, (lusifer::LlmTaskReply))
CAF_ADD_TYPE_ID(lusifer, (lusifer::LlmCallRecord))
CAF_ADD_TYPE_ID(lusifer, (lusifer::GatewayStats))
CAF_ADD_TYPE_ID(lusifer, (lusifer::CachedResponse))
CAF_ADD_TYPE_ID(lusifer, (lusifer::CacheLookup))
CAF_ADD_TYPE_ID(lusifer, (lusifer::StoreBatch))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ProfileJob))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ProfileOutcome))
CAF_ADD_TYPE_ID(lusifer, (lusifer::RateRequest))
CAF_ADD_TYPE_ID(lusifer, (lusifer::UserFeedback))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ProfileSnapshot))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ActRequest))
CAF_ADD_TYPE_ID(lusifer, (lusifer::SlateBatch))
CAF_ADD_TYPE_ID(lusifer, (lusifer::LearnBatch))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ProgressReport))
CAF_ADD_TYPE_ID(lusifer, (lusifer::AgentRunSummary))

// Gateway
CAF_ADD_ATOM(lusifer, lusifer, flush_atom, "flush")
CAF_ADD_ATOM(lusifer, lusifer, pump_atom, "pump")
CAF_ADD_ATOM(lusifer, lusifer, retry_atom, "retry")
CAF_ADD_ATOM(lusifer, lusifer, attempt_atom, "attempt")
CAF_ADD_ATOM(lusifer, lusifer, stats_atom, "stats")
// User actors
CAF_ADD_ATOM(lusifer, lusifer, reset_atom, "reset")
CAF_ADD_ATOM(lusifer, lusifer, profile_atom, "profile")
// Agents
CAF_ADD_ATOM(lusifer, lusifer, act_atom, "act")
CAF_ADD_ATOM(lusifer, lusifer, learn_atom, "learn")
CAF_ADD_ATOM(lusifer, lusifer, save_atom, "save")
// Coordinator
CAF_ADD_ATOM(lusifer, lusifer, run_atom, "run")
CAF_ADD_ATOM(lusifer, lusifer, deadline_atom, "deadline")
CAF_ADD_ATOM(lusifer, lusifer, progress_atom, "progress")
// Response cache
CAF_ADD_ATOM(lusifer, lusifer, lookup_atom, "lookup")
CAF_ADD_ATOM(lusifer, lusifer, store_atom, "store")
CAF_ADD_ATOM(lusifer, lusifer, commit_atom, "commit")
// Checkpoint and resume
CAF_ADD_TYPE_ID(lusifer, (lusifer::CheckpointRecord))
CAF_ADD_TYPE_ID(lusifer, (lusifer::UserStateSnapshot))
CAF_ADD_TYPE_ID(lusifer, (lusifer::UserStateRestored))
CAF_ADD_ATOM(lusifer, lusifer, snapshot_atom, "snapshot")
CAF_ADD_ATOM(lusifer, lusifer, restore_atom, "restore")
// Distribution: user shards on `lusifer worker` processes
CAF_ADD_TYPE_ID(lusifer, (lusifer::ShardSetup))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ShardReady))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ShardCalls))
CAF_ADD_TYPE_ID(lusifer, (lusifer::ShardReplies))
// After the rest, so that the ids above keep their numbers.
CAF_ADD_TYPE_ID(lusifer, (lusifer::ProfileRestarted))
CAF_ADD_ATOM(lusifer, lusifer, restart_atom, "restart")

CAF_END_TYPE_ID_BLOCK(lusifer)

namespace lusifer {

// Adds lusifer's message types and error category to `config`.
void register_message_types(caf::actor_system_config& config);

}  // namespace lusifer
