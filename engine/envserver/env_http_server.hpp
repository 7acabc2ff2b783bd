#pragma once

// The environment server: Gymnasium-style vectorised environments over
// HTTP/1.1 + JSON (docs/env-api.md), in front of an EnvService.
//
//   POST   /v1/envs                create a session      -> 201
//   POST   /v1/envs/{id}/reset     start an episode      -> 200
//   POST   /v1/envs/{id}/step      one slate per user    -> 200
//   DELETE /v1/envs/{id}           close the session     -> 200
//   GET    /v1/catalog?offset&limit   the items          -> 200
//   GET    /healthz                liveness (no token needed)
//   GET    /metrics                Prometheus text (env_metrics.hpp)
//
// Each request is routed, parsed strictly (env_protocol.hpp), checked
// against the session (session_table.hpp) and the bounds of the settings,
// handed to the service, and its typed answer rendered as JSON. Every
// refusal is a 4xx (or 5xx on our side) with the body
// {"error":{"type","message","field"}}; unknown paths get 404 not_found,
// known paths with another method 405 method_not_allowed (with Allow).
// Two requests never run on one session at once: the second gets 409
// session_busy. The HTTP server itself answers 401 (a token is set and the
// request lacks it; /healthz is exempt), 413 (body over max_body_bytes) and
// 503 (the service did not answer within response_timeout), with bodies
// {"error":{"message","type"}}.
//
// Threads: the server runs settings.threads I/O threads; requests on
// different sessions are served concurrently. Service completions may arrive
// on any thread; rendering happens there.
//
// Lifecycle: the constructor binds and serves (std::invalid_argument for
// unusable settings, such as a non-loopback host without a token;
// std::runtime_error when the port cannot be bound). stop() (also run by the
// destructor) stops accepting and closes connections after letting
// in-flight answers go out for a moment. Completions the service delivers
// after stop() are discarded safely. The service is shared, so it may
// outlive the server; it is never called after stop() returns, except for
// completions already in flight.

#include <cstdint>
#include <memory>
#include <string>

#include "engine/envserver/env_metrics.hpp"
#include "engine/envserver/env_server_settings.hpp"
#include "engine/envserver/env_service.hpp"

namespace lusifer::envserver {

class EnvHttpServer {
 public:
  EnvHttpServer(EnvServerSettings settings, std::shared_ptr<EnvService> service);
  ~EnvHttpServer();
  EnvHttpServer(const EnvHttpServer&) = delete;
  EnvHttpServer& operator=(const EnvHttpServer&) = delete;

  std::uint16_t port() const noexcept;
  // "http://127.0.0.1:8765".
  std::string base_url() const;

  void stop();

  EnvMetricsSnapshot metrics() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer::envserver
