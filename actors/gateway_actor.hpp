#pragma once

// One gateway actor of the pool (see gateway_pool.hpp for the contract the
// pool offers). It owns the requests routed to it: their batches, their
// place in the bounded priority queue, their attempts, retries and repairs.
// What all actors of the pool share sits in GatewayContext.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/data/dataset.hpp"
#include "engine/gateway/gateway_settings.hpp"
#include "engine/gateway/shared_admission.hpp"
#include "engine/gateway/task_codec.hpp"
#include "engine/http/http_client.hpp"

namespace lusifer {

struct GatewayContext {
  std::shared_ptr<const GatewaySettings> settings;
  std::shared_ptr<const TaskCodec> codec;
  std::shared_ptr<const std::vector<ExternalId>> user_ids;
  std::shared_ptr<SharedAdmission> admission;
  std::shared_ptr<HttpClient> http;
  caf::actor cache;              // invalid when the cache is off
  caf::actor call_log;           // invalid when nobody records calls
  std::string api_key;           // registered for redaction; empty for local servers
  std::string endpoint;          // the chat-completions URL, for cache entries
  HttpRequest endpoint_request;  // what every call sends alike (see endpoint_request)
  std::uint64_t seed = 0;
  // Makes idempotency keys unique across runs (servers keep keys for a day).
  std::uint64_t idempotency_nonce = 0;
  std::atomic<bool> budget_reported{false};  // the budget cap was logged once
  std::atomic<std::uint64_t> queued{0};      // calls waiting in all actors' queues
  std::atomic<std::uint64_t> calls{0};       // LLM calls made or served from the cache
};

caf::actor spawn_gateway_actor(caf::actor_system& system, std::shared_ptr<GatewayContext> context,
                               std::size_t index);

}  // namespace lusifer
