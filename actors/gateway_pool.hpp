#pragma once

// The LLM gateway: a pool of gateway actors behind one entry point, sharing
// one admission state (rate limits, adaptive concurrency, circuit breaker,
// budget), one HTTP client and one response cache.
//
// Callers send an LlmTask to the pool and get an LlmTaskReply or an error of
// the "lusifer" category (messages/errors.hpp), never silence: kOverloaded
// when an actor's bounded queue is full (per actor: the queue's capacity
// plus the one call waiting for admission), kBudgetExhausted when the run's
// budget cap would be passed (logged once), kReplayMiss in replay-only cache
// mode, kLlmFailed with the classified reason ("quota_exhausted after 1
// attempt (...)", "server_error after 5 attempts (...)"), kShuttingDown when
// the pool stops with the request open. The answer comes at the latest one
// request timeout ([llm] request_timeout) after the call's deadline ([llm.retry]
// deadline): no attempt starts after the deadline, a call still queued then
// fails when it reaches the head of its queue, and an actor that stops answers
// its open requests. Callers therefore need no CAF request timeout of their
// own, and should not add one: CAF 0.17 registers and cancels every request
// timeout on its single clock thread, which woke on every call (bench/README.md,
// "Threads of the gateway"). Tasks are routed by user, so the
// rating requests of one user meet in one actor and are batched there; an
// answer that lacks items is re-asked for those items only. The pool
// answers (stats_atom) with GatewayStats, whose attempts plus http_resends
// equal the requests the endpoint received.
//
// Retries live in the gateway actors only (the HTTP client re-sends only a
// request that a closing keep-alive connection provably lost; callers should
// not retry what the gateway gave up on): one logical call makes at most
// `retry.max_attempts` attempts before its deadline, each admitted by the
// shared limiter, with full-jitter backoff that yields to Retry-After (which
// also pauses the whole pool), all under one Idempotency-Key. Terminal
// failures are never retried. Interactive calls are admitted before bulk
// ones. Cache hits use no rate-limit budget and make no HTTP request.
//
// Nothing here blocks a scheduler thread during a run: HTTP runs on the
// client's threads (responses are parsed there), SQLite on the detached
// cache actor. Stopping the pool joins the HTTP client's threads.

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/data/dataset.hpp"
#include "engine/gateway/gateway_settings.hpp"
#include "engine/gateway/task_codec.hpp"

namespace lusifer {

struct GatewayPoolOptions {
  std::shared_ptr<const GatewaySettings> settings;
  std::shared_ptr<const TaskCodec> codec;
  // The dataset's external id of each user index, for call records.
  std::shared_ptr<const std::vector<ExternalId>> user_ids;
  // Receives an LlmCallRecord per finished call; may be invalid.
  caf::actor call_log;
  std::uint64_t seed = 0;
};

// Starts the HTTP client, opens the response cache, resolves the API key
// from the environment, and spawns the pool. Throws (with a message for the
// user) when any of these fails. The returned actor owns everything; the
// pool shuts down when it is killed (send it an exit message).
caf::actor spawn_gateway_pool(caf::actor_system& system, GatewayPoolOptions options);

}  // namespace lusifer
