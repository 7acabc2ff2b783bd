#pragma once

// What the gateway's integration tests share: an actor system with lusifer's
// message types, settings aimed at a loopback server, a driver that sends
// many tasks to the pool at once and waits for every answer, and a scripted
// HTTP server for exact wire-level checks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "engine/gateway/gateway_settings.hpp"
#include "engine/http/http_server.hpp"
#include "engine/sim/llm_task.hpp"
#include "messages/llm_messages.hpp"

namespace lusifer::testing {

struct GatewayTestConfig : caf::actor_system_config {
  GatewayTestConfig();
};

// An actor system with two scheduler threads, like the machine's cores.
struct ActorSystemHarness {
  GatewayTestConfig config;
  caf::actor_system system{config};
};

// OpenAI-compatible settings for a server at `api_base_url` (".../v1"):
// short timeouts and backoff so faults resolve quickly, no cache.
GatewaySettings loopback_settings(const std::string& api_base_url);

// The end of one logical request: a reply or an error.
struct TaskOutcome {
  bool answered = false;
  LlmTaskReply reply;
  caf::error error;
};

// Sends every task to `pool` at once (each with `timeout`, so a request the
// gateway never answers ends in caf's request_timeout) and waits for all.
// Outcomes are in task order. Fails the test (REQUIRE) if the driver itself
// does not finish within timeout plus a margin.
std::vector<TaskOutcome> run_tasks(caf::actor_system& system, const caf::actor& pool,
                                   const std::vector<LlmTask>& tasks,
                                   std::chrono::milliseconds timeout);

GatewayStats pool_stats(caf::actor_system& system, const caf::actor& pool);

// Stops the pool and waits until its actors (and its cache actor) are gone.
void stop_pool(caf::actor_system& system, caf::actor& pool);

LlmTask rating_task(UserIndex user, std::vector<ItemIndex> candidates,
                    TaskPriority priority = TaskPriority::kInteractive);
LlmTask profile_task(UserIndex user, TaskPriority priority = TaskPriority::kBulk);

// An OpenAI chat-completion body with `content` and the given usage.
std::string completion_body(std::string_view content, std::int64_t prompt_tokens = 50,
                            std::int64_t completion_tokens = 20);

// The item numbers a compact-codec request asks about ("item_N" keys), in order.
std::vector<ItemIndex> items_asked(std::string_view request_body);

// An HTTP server whose answers a test scripts, recording each arrival.
class ScriptedServer {
 public:
  struct Arrival {
    std::chrono::steady_clock::time_point at;
    HttpServerRequest request;
  };
  // `script(request, index)` answers the index-th request (from 0).
  using Script = std::function<HttpResponse(const HttpServerRequest& request, std::size_t index)>;

  explicit ScriptedServer(Script script);
  ~ScriptedServer();

  std::string api_base_url() const;
  std::vector<Arrival> arrivals() const;
  // When the index-th answer was handed to the server.
  std::vector<std::chrono::steady_clock::time_point> answered_at() const;

 private:
  Script script_;
  mutable std::mutex mutex_;
  std::vector<Arrival> arrivals_;
  std::vector<std::chrono::steady_clock::time_point> answered_at_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace lusifer::testing
