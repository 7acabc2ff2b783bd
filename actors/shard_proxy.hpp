#pragma once

// The coordinator node's side of a distributed run (docs/distributed.md):
// one shard proxy per `lusifer worker`, and one local stub per remote user.
//
// The coordinator, the profile builder and the evaluation talk to users
// through `users[i]` handles with plain messages and requests, and user
// messages do not name their user. A stub stands in for one remote user:
// it hands every message it gets, with its sender and request id intact
// (CAF's delegate), to its worker's proxy together with the user's slot in
// the shard. The proxy batches those into ShardCalls for the remote user
// shard and, when ShardReplies come back, answers each original sender
// exactly as the user actor would have: a response for a request, an
// ordinary message for a plain send. The callers cannot tell the
// difference, so the coordinator runs unchanged.
//
// A worker that stops (its process died, its connection broke) fails every
// call waiting on it and every later one with Errc::kShuttingDown naming
// the worker; the coordinator ends the run with that error.
//
// Stubs are linked to their proxy: stopping the users (SimulationRunner's
// destructor) stops the proxy, which ends the worker's shard.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace lusifer {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// "host:port" or "[v6-address]:port"; port 0 is allowed (any free port).
// Throws std::invalid_argument naming `what` and the text.
HostPort parse_host_port(std::string_view text, std::string_view what);

// localhost, 127.0.0.0/8 or ::1.
bool is_loopback_host(std::string_view host);

// `worker` names the worker in messages ("host:port"); `store` receives the
// rows the worker's users record (invalid: dropped).
caf::actor spawn_shard_proxy(caf::actor_system& system, std::string worker, caf::actor store);

// (attach: request (caf::actor shard, std::uint32_t users)) ->
// std::vector<caf::actor>: the proxy monitors `shard`, spawns `users` stubs
// linked to itself (stub j stands for the shard's user j) and answers them.
// Local only.
std::vector<caf::actor> attach_shard(caf::actor_system& system, const caf::actor& proxy,
                                     const caf::actor& shard, std::uint32_t users);

}  // namespace lusifer
