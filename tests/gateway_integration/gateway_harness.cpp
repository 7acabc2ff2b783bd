#include "tests/gateway_integration/gateway_harness.hpp"

#include <future>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "engine/llm/backend_profile.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer::testing {

using namespace std::chrono_literals;

GatewayTestConfig::GatewayTestConfig() {
  register_message_types(*this);
  set("scheduler.max-threads", 2);
}

GatewaySettings loopback_settings(const std::string& api_base_url) {
  GatewaySettings s;
  s.uses_llm = true;
  s.profile = llm::default_backend_profile(llm::BackendKind::kOpenAI);
  s.profile.base_url = api_base_url;
  s.model = "gpt-4o-mini";
  s.connect_timeout = 1'000ms;
  s.request_timeout = 2'000ms;
  s.retry.max_attempts = 8;
  s.retry.call_deadline = 60s;
  s.retry.backoff.base = 10ms;
  s.retry.backoff.cap = 200ms;
  s.retry.backoff.max_server_delay = 10s;
  s.max_repairs = 3;
  s.breaker.consecutive_failures = 25;
  s.breaker.cool_down = 100ms;
  s.breaker.quota_cool_down = 100ms;
  s.concurrency.initial_limit = 16;
  s.concurrency.min_limit = 1;
  s.concurrency.max_limit = 64;
  s.batch_window = 5ms;
  s.max_items_per_call = 10;
  s.cache_mode = CacheMode::kOff;
  s.gateway_actors = 4;
  s.max_connections = 64;
  s.http_threads = 1;
  return s;
}

std::vector<TaskOutcome> run_tasks(caf::actor_system& system, const caf::actor& pool,
                                   const std::vector<LlmTask>& tasks,
                                   std::chrono::milliseconds timeout) {
  struct Shared {
    std::vector<TaskOutcome> outcomes;
    std::size_t left = 0;
    std::promise<void> done;
  };
  auto shared = std::make_shared<Shared>();
  shared->outcomes.resize(tasks.size());
  shared->left = tasks.size();
  auto finished = shared->done.get_future();
  if (tasks.empty())
    return {};
  system.spawn([shared, pool, tasks, timeout](caf::event_based_actor* self) {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      // The handlers run one at a time in this actor; the promise publishes
      // the outcomes to the waiting thread.
      self->request(pool, timeout, tasks[i])
          .then(
              [shared, i](LlmTaskReply& reply) {
                shared->outcomes[i].answered = true;
                shared->outcomes[i].reply = std::move(reply);
                if (--shared->left == 0)
                  shared->done.set_value();
              },
              [shared, i](caf::error& error) {
                shared->outcomes[i].error = std::move(error);
                if (--shared->left == 0)
                  shared->done.set_value();
              });
    }
  });
  REQUIRE(finished.wait_for(timeout + 10s) == std::future_status::ready);
  return shared->outcomes;
}

GatewayStats pool_stats(caf::actor_system& system, const caf::actor& pool) {
  caf::scoped_actor self{system};
  GatewayStats out;
  bool ok = false;
  self->request(pool, 10s, stats_atom_v)
      .receive(
          [&](GatewayStats& stats) {
            out = std::move(stats);
            ok = true;
          },
          [&](caf::error& error) { FAIL("stats request failed: " << describe(error)); });
  REQUIRE(ok);
  return out;
}

void stop_pool(caf::actor_system& system, caf::actor& pool) {
  caf::scoped_actor self{system};
  self->monitor(pool);
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
  pool = caf::actor{};
}

LlmTask rating_task(UserIndex user, std::vector<ItemIndex> candidates, TaskPriority priority) {
  LlmTask task;
  task.kind = TaskKind::kRateItems;
  task.user = user;
  task.profile = "Likes slow science fiction.";
  task.candidates = std::move(candidates);
  task.priority = priority;
  return task;
}

LlmTask profile_task(UserIndex user, TaskPriority priority) {
  LlmTask task;
  task.kind = TaskKind::kCreateProfile;
  task.user = user;
  // A history of the user's own: identical prompts share one cache entry.
  task.interactions = {{user + 3, 4.0f, 100}, {user + 9, 2.0f, 200}};
  task.priority = priority;
  return task;
}

std::string completion_body(std::string_view content, std::int64_t prompt_tokens,
                            std::int64_t completion_tokens) {
  std::string escaped;
  for (const char c : content) {
    if (c == '"' || c == '\\')
      escaped += '\\';
    escaped += c;
  }
  return fmt::format(
      R"({{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",)"
      R"("choices":[{{"index":0,"message":{{"role":"assistant","content":"{}"}},)"
      R"("finish_reason":"stop"}}],"usage":{{"prompt_tokens":{},"completion_tokens":{},)"
      R"("total_tokens":{}}}}})",
      escaped, prompt_tokens, completion_tokens, prompt_tokens + completion_tokens);
}

std::vector<ItemIndex> items_asked(std::string_view body) {
  std::vector<ItemIndex> items;
  constexpr std::string_view kKey = "item_";
  for (auto pos = body.find(kKey); pos != std::string_view::npos; pos = body.find(kKey, pos)) {
    pos += kKey.size();
    ItemIndex value = 0;
    bool digits = false;
    while (pos < body.size() && body[pos] >= '0' && body[pos] <= '9') {
      value = value * 10 + static_cast<ItemIndex>(body[pos] - '0');
      digits = true;
      ++pos;
    }
    if (digits)
      items.push_back(value);
  }
  return items;
}

ScriptedServer::ScriptedServer(Script script) : script_(std::move(script)) {
  HttpServerOptions options;
  options.io_threads = 1;
  server_ =
      std::make_unique<HttpServer>(options, [this](HttpServerRequest request, Responder responder) {
        std::size_t index = 0;
        {
          std::lock_guard lock(mutex_);
          index = arrivals_.size();
          arrivals_.push_back({std::chrono::steady_clock::now(), request});
        }
        HttpResponse response = script_(request, index);
        {
          std::lock_guard lock(mutex_);
          answered_at_.resize(std::max(answered_at_.size(), index + 1));
          answered_at_[index] = std::chrono::steady_clock::now();
        }
        responder.respond(std::move(response));
      });
}

ScriptedServer::~ScriptedServer() {
  server_->stop();
}

std::string ScriptedServer::api_base_url() const {
  return server_->base_url() + "/v1";
}

std::vector<ScriptedServer::Arrival> ScriptedServer::arrivals() const {
  std::lock_guard lock(mutex_);
  return arrivals_;
}

std::vector<std::chrono::steady_clock::time_point> ScriptedServer::answered_at() const {
  std::lock_guard lock(mutex_);
  return answered_at_;
}

}  // namespace lusifer::testing
