#pragma once

// The worker's side of a distributed run (docs/distributed.md): the user
// shard receives ShardCalls from the coordinator node's shard proxy, sends
// each call's message to its local user actor as a plain message, and
// returns the users' answers in ShardReplies, in batches: at once when no
// call is left unanswered or a few megabytes of checkpoint snapshots wait,
// otherwise at the latest a short window after the first answer waiting.
// Checkpoints and resumes cross like any call: a coordinator's snapshot_atom
// to every user, or a resume's restore_atom calls, leave in a few batches,
// never one message per user. A user answers its messages in order, so the n-th
// answer from a user belongs to its n-th unanswered call.
//
// The shard is also its users' store: the rows they record gather in the
// next ShardReplies, ahead of their answers (see ShardReplies).
//
//   (std::vector<caf::actor> users)  local, once: users[j] is the shard's slot j
//
// It monitors the proxy and quits when the proxy is gone (the run ended or
// the coordinator node was lost).

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace lusifer {

caf::actor spawn_user_shard(caf::actor_system& system, caf::actor proxy, std::string worker);

}  // namespace lusifer
