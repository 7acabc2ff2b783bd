#pragma once

// Messages between a coordinator node and the `lusifer worker` processes
// that host shards of its user actors (docs/distributed.md).
//
// Remote round trips are slow on CAF 0.17's middleman (a few thousand per
// second), so nothing crosses the network one user at a time: a shard proxy
// on the coordinator node gathers the messages addressed to its worker's
// users into ShardCalls, and the worker's user shard answers with
// ShardReplies, which also carry the rows its users recorded meanwhile.
//
//   coordinator node                          worker
//   ShardSetup  ----------------------------> worker endpoint -> ShardReady
//   ShardCalls  ----------------------------> user shard -> user actors
//   ShardReplies <--------------------------- user shard <- user actors

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>

#include "engine/data/dataset.hpp"
#include "messages/store_messages.hpp"

namespace lusifer {

// One message to one hosted user. `content` is the message exactly as the
// user actor would have received it locally (a RateRequest, a ProfileJob,
// (reset_atom, episode), ...), so any message a user understands crosses
// unchanged; `id` matches the answer to the caller waiting for it.
struct ShardCall {
  std::uint64_t id = 0;
  std::uint32_t slot = 0;  // the user's index in its shard (ShardSetup::users)
  caf::message content;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShardCall& x) {
  return f(caf::meta::type_name("shard_call"), x.id, x.slot, x.content);
}

struct ShardCalls {
  std::vector<ShardCall> calls;  // each user's calls in the order they were sent
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShardCalls& x) {
  return f(caf::meta::type_name("shard_calls"), x.calls);
}

// A user's answer to the call `id`, exactly as the user actor answered it
// (an error included).
struct ShardReply {
  std::uint64_t id = 0;
  caf::message content;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShardReply& x) {
  return f(caf::meta::type_name("shard_reply"), x.id, x.content);
}

// Answers, and every row the shard's users sent the store before giving
// them: the proxy hands `records` to the store writer before it delivers
// any answer, so a caller that flushes the store after an answer finds the
// rows behind it durable, as in a single process.
struct ShardReplies {
  std::vector<ShardReply> replies;
  StoreBatch records;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShardReplies& x) {
  return f(caf::meta::type_name("shard_replies"), x.replies, x.records);
}

// (ShardSetup) -> ShardReady: the worker builds the run's world from
// `config` (the coordinator's effective configuration: the same seed and
// data give the same world) and spawns the actors of `users`, in that
// order; their LLM tasks go to `gateway` (invalid with the offline model)
// and the shard answers `proxy`, whose end ends the shard.
struct ShardSetup {
  std::string worker;  // the worker's address as the coordinator names it, for messages
  std::string config;  // TOML
  std::vector<UserIndex> users;
  caf::actor gateway;
  caf::actor proxy;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShardSetup& x) {
  return f(caf::meta::type_name("shard_setup"), x.worker, x.config, x.users, x.gateway, x.proxy);
}

struct ShardReady {
  caf::actor shard;
  std::uint64_t users = 0;
  double seconds = 0.0;  // spent building the world and spawning the users
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShardReady& x) {
  return f(caf::meta::type_name("shard_ready"), x.shard, x.users, x.seconds);
}

}  // namespace lusifer
