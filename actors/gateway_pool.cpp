#include "actors/gateway_pool.hpp"

#include <caf/actor_pool.hpp>
#include <caf/all.hpp>
#include <caf/scoped_execution_unit.hpp>
#include <spdlog/spdlog.h>

#include "actors/cache_actor.hpp"
#include "actors/gateway_actor.hpp"
#include "engine/core/random.hpp"
#include "engine/gateway/http_attempt.hpp"
#include "engine/llm/backend_profile.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

// Tasks go to the actor of their user, so that one user's rating requests
// meet in one batcher; everything else goes round the pool.
caf::actor_pool::policy route_by_user() {
  struct Policy {
    void operator()(caf::actor_system&, caf::actor_pool::uplock& guard,
                    const caf::actor_pool::actor_vec& workers, caf::mailbox_element_ptr& element,
                    caf::execution_unit* host) {
      const auto& content = element->content();
      std::size_t index = 0;
      if (content.match_elements<LlmTask>()) {
        index = content.get_as<LlmTask>(0).user % workers.size();
      } else if (!content.match_element<stats_atom>(0)) {
        index = next++ % workers.size();
      }
      caf::actor selected = workers[index];
      guard.unlock();
      selected->enqueue(std::move(element), host);
    }
    std::size_t next = 0;
  };
  return Policy{};
}

}  // namespace

caf::actor spawn_gateway_pool(caf::actor_system& system, GatewayPoolOptions options) {
  const GatewaySettings& settings = *options.settings;
  if (!settings.uses_llm) {
    throw std::logic_error("spawn_gateway_pool: the offline model needs no gateway");
  }
  auto context = std::make_shared<GatewayContext>();
  context->settings = options.settings;
  context->codec = std::move(options.codec);
  context->user_ids = std::move(options.user_ids);
  context->call_log = std::move(options.call_log);
  context->seed = options.seed;
  context->idempotency_nonce = derive_seed(
      options.seed,
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
  if (settings.api_key)
    context->api_key = settings.api_key->resolve();  // registered for redaction
  context->endpoint = llm::chat_completions_url(settings.profile);
  context->endpoint_request = endpoint_request(settings, context->api_key);
  context->admission = std::make_shared<SharedAdmission>(settings, limits::Clock::now());

  HttpClientOptions http;
  http.io_threads = settings.http_threads;
  http.max_connections_per_origin = settings.max_connections;
  http.max_queued_per_origin = settings.queue_capacity_interactive + settings.queue_capacity_bulk;
  http.connect_timeout = settings.connect_timeout;
  http.request_timeout = settings.request_timeout;
  http.ca_file = settings.ca_file.string();
  context->http = std::make_shared<HttpClient>(http);

  if (settings.cache_mode != CacheMode::kOff) {
    context->cache = spawn_cache_actor(system, settings.cache_path, settings.cache_mode,
                                       settings.cache_commit_interval);
  }
  spdlog::info("LLM gateway: {} ({} actors; cache {}{})", describe_backend(settings),
               settings.gateway_actors, cache_mode_name(settings.cache_mode),
               settings.cache_mode == CacheMode::kOff ? "" : " at " + settings.cache_path.string());

  caf::scoped_execution_unit host{&system};
  std::size_t index = 0;
  auto pool = caf::actor_pool::make(
      &host, settings.gateway_actors, [&] { return spawn_gateway_actor(system, context, index++); },
      route_by_user());
  if (context->cache) {
    // The cache actor runs detached: stop it with the pool.
    pool->attach_functor(
        [cache = context->cache] { caf::anon_send_exit(cache, caf::exit_reason::user_shutdown); });
  }
  return pool;
}

}  // namespace lusifer
