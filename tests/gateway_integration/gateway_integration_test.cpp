// The gateway pool end to end: real CAF actors, the real HTTP client, and the
// mock LLM server (or a scripted server, where a test needs exact control of
// the wire) on loopback.

#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "actors/gateway_pool.hpp"
#include "engine/gateway/compact_task_codec.hpp"
#include "engine/mock/mock_llm_server.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/gateway_integration/gateway_harness.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;
using namespace std::chrono_literals;

namespace {

caf::actor start_pool(caf::actor_system& system, GatewaySettings settings) {
  GatewayPoolOptions options;
  options.settings = std::make_shared<const GatewaySettings>(std::move(settings));
  options.codec = std::make_shared<const CompactTaskCodec>();
  options.seed = 42;
  return spawn_gateway_pool(system, std::move(options));
}

bool is_lusifer_error(const caf::error& error, Errc code) {
  return error.category() == kErrorCategory && error.code() == static_cast<std::uint8_t>(code);
}

std::uint64_t error_count(const GatewayStats& stats, std::string_view name) {
  for (std::size_t i = 0; i < stats.error_classes.size(); ++i) {
    if (stats.error_classes[i] == name)
      return stats.error_counts[i];
  }
  return 0;
}

// OpenAI's 429 for an exhausted requests-per-minute limit, asking for a pause.
HttpResponse rate_limited_response(std::string retry_after_ms, std::string retry_after) {
  HttpResponse response;
  response.status = 429;
  response.headers.set("retry-after-ms", std::move(retry_after_ms));
  response.headers.set("retry-after", std::move(retry_after));
  response.body =
      R"({"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM).",)"
      R"("type":"requests","param":null,"code":"rate_limit_exceeded"}})";
  return response;
}

// OpenAI's 500 for a failure on its side (retryable).
HttpResponse server_error_response() {
  HttpResponse response;
  response.status = 500;
  response.body = R"({"error":{"message":"The server had an error while processing your request.",)"
                  R"("type":"server_error","param":null,"code":null}})";
  return response;
}

// A completion that gives every item the request asks about `rating`.
HttpResponse rating_every_item(const HttpServerRequest& request, int rating) {
  std::string content = "{";
  const auto items = items_asked(request.body);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      content += ", ";
    content +=
        fmt::format(R"("item_{}": {{"explanation": "Yes.", "rating": {}}})", items[i], rating);
  }
  HttpResponse response;
  response.body = completion_body(content + "}");
  return response;
}

// Rating tasks for users 0 to n-1, each for its own item.
std::vector<LlmTask> one_item_tasks(UserIndex n) {
  std::vector<LlmTask> tasks;
  for (UserIndex user = 0; user < n; ++user)
    tasks.push_back(rating_task(user, {user}));
  return tasks;
}

// Every candidate of a rating task is either rated or reported missing, once.
void check_rating_reply(const LlmTask& task, const LlmTaskReply& reply) {
  std::multiset<ItemIndex> expected(task.candidates.begin(), task.candidates.end());
  std::multiset<ItemIndex> seen;
  for (const auto& rating : reply.result.ratings) {
    seen.insert(rating.item);
    CHECK(rating.rating >= 1.0f);
    CHECK(rating.rating <= 5.0f);
  }
  for (const auto item : reply.result.missing)
    seen.insert(item);
  CHECK(seen == expected);
  CHECK(reply.calls >= 1);
}

}  // namespace

TEST_CASE("fault storm: every request ends in an answer or a classified error, counts reconcile",
          "[gateway][integration]") {
  mock::MockLlmOptions mock_options;
  mock_options.seed = 11;
  mock_options.latency.distribution = mock::LatencyDistribution::kFixed;
  mock_options.latency.fixed = 20ms;
  mock_options.faults.all = 0.2;
  mock_options.fault_retry_after = 200ms;
  mock_options.max_hang = 5s;
  mock::MockLlmServer mock(mock_options);
  mock.start();

  std::vector<LlmTask> tasks;
  for (UserIndex user = 0; user < 240; ++user) {
    if (user % 4 == 3) {
      tasks.push_back(profile_task(user));
    } else {
      tasks.push_back(rating_task(user, {user + 1, user + 2, user + 3, user + 4}));
    }
  }
  GatewaySettings settings = loopback_settings(mock.api_base_url());
  settings.request_timeout = 1'000ms;  // hang faults end here
  // The mock's rate_limit faults announce a 500 RPM limit, which a gateway
  // with unknown limits learns and then keeps to (slowly); known, higher
  // limits keep the test short, and their buckets start empty all the same.
  settings.rate.requests_per_minute = 600'000;
  settings.rate.tokens_per_minute = 1'000'000'000;

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 60s);
  const GatewayStats stats = pool_stats(harness.system, pool);
  stop_pool(harness.system, pool);
  const mock::MockCounters seen = mock.counters();

  std::size_t answered = 0;
  std::size_t quota_failures = 0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    INFO("task " << i);
    const auto& outcome = outcomes[i];
    if (outcome.answered) {
      ++answered;
      if (tasks[i].kind == TaskKind::kRateItems) {
        check_rating_reply(tasks[i], outcome.reply);
      } else if (outcome.reply.result.problem.empty()) {
        CHECK_FALSE(outcome.reply.result.profile.empty());
      }
      continue;
    }
    // Not lost, not timed out: a lusifer error saying why.
    INFO(describe(outcome.error));
    REQUIRE(outcome.error.category() == kErrorCategory);
    CHECK(is_lusifer_error(outcome.error, Errc::kLlmFailed));
    // "llm_failed: <failure class> after N attempts (<verdict>; <detail>)"
    const std::string text = describe(outcome.error);
    CHECK(text.size() > 30);
    if (text.starts_with("llm_failed: quota_exhausted after "))
      ++quota_failures;
  }

  // The storm happened, and most requests still got through.
  CHECK(seen.outcome(mock::ChatOutcome::kFault) > 40);
  CHECK(seen.fault(mock::FaultKind::kHang) > 0);
  CHECK(seen.fault(mock::FaultKind::kWrongContent) > 0);
  CHECK(answered >= tasks.size() * 8 / 10);
  // Quota exhaustion is terminal: each such fault ended exactly one request
  // (tasks are of distinct users, so no call carries two), never retried.
  CHECK(quota_failures == seen.fault(mock::FaultKind::kInsufficientQuota));
  CHECK(error_count(stats, "quota_exhausted") == seen.fault(mock::FaultKind::kInsufficientQuota));

  // What the gateway counted is what the server saw.
  CHECK(stats.logical_requests == tasks.size());
  CHECK(stats.attempts + stats.http_resends == seen.chat_requests);
  CHECK(stats.prompt_tokens - stats.unreported_prompt_tokens == seen.prompt_tokens);
  CHECK(stats.completion_tokens - stats.unreported_completion_tokens == seen.completion_tokens);
  CHECK(stats.cached_prompt_tokens == seen.cached_tokens);
  CHECK(stats.in_flight == 0);
  CHECK(stats.queued == 0);
  CHECK(stats.latency_p50_ms > 0.0);
  CHECK(stats.latency_p99_ms >= stats.latency_p50_ms);
  // Retries stay bounded: far fewer than max_attempts per call.
  CHECK(stats.attempts <= stats.calls * 2);
}

TEST_CASE("a recorded run replays offline with no HTTP request; a replay miss is an error",
          "[gateway][integration][cache]") {
  mock::MockLlmServer mock(mock::MockLlmOptions{});
  mock.start();
  TempDir dir;
  std::vector<LlmTask> tasks;
  for (UserIndex user = 0; user < 30; ++user) {
    tasks.push_back(user % 3 == 0 ? profile_task(user) : rating_task(user, {user, user + 7}));
  }
  GatewaySettings settings = loopback_settings(mock.api_base_url());
  settings.cache_path = dir.path() / "responses.sqlite";

  std::vector<TaskOutcome> recorded;
  {
    settings.cache_mode = CacheMode::kReadWrite;
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    recorded = run_tasks(harness.system, pool, tasks, 30s);
    const auto stats = pool_stats(harness.system, pool);
    CHECK(stats.cache_hits == 0);
    CHECK(stats.attempts == tasks.size());
    stop_pool(harness.system, pool);
  }
  for (const auto& outcome : recorded)
    REQUIRE(outcome.answered);
  const auto requests_recorded = mock.counters().chat_requests;
  CHECK(requests_recorded == tasks.size());

  SECTION("replay-only answers everything from the cache, identically") {
    settings.cache_mode = CacheMode::kReplayOnly;
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    const auto replayed = run_tasks(harness.system, pool, tasks, 30s);
    const auto stats = pool_stats(harness.system, pool);
    stop_pool(harness.system, pool);
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      INFO("task " << i);
      REQUIRE(replayed[i].answered);
      CHECK(replayed[i].reply.cache_hits == replayed[i].reply.calls);
      CHECK(replayed[i].reply.result.profile == recorded[i].reply.result.profile);
      REQUIRE(replayed[i].reply.result.ratings.size() == recorded[i].reply.result.ratings.size());
      for (std::size_t k = 0; k < replayed[i].reply.result.ratings.size(); ++k) {
        CHECK(replayed[i].reply.result.ratings[k].rating ==
              recorded[i].reply.result.ratings[k].rating);
        CHECK(replayed[i].reply.result.ratings[k].explanation ==
              recorded[i].reply.result.ratings[k].explanation);
      }
    }
    CHECK(stats.attempts == 0);
    CHECK(stats.cache_hits == tasks.size());
    CHECK(mock.counters().chat_requests == requests_recorded);  // zero HTTP requests
  }

  SECTION("a request never recorded fails in replay-only mode, without calling the endpoint") {
    settings.cache_mode = CacheMode::kReplayOnly;
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    const auto outcomes = run_tasks(harness.system, pool, {rating_task(999, {5, 6})}, 30s);
    stop_pool(harness.system, pool);
    REQUIRE_FALSE(outcomes[0].answered);
    CHECK(is_lusifer_error(outcomes[0].error, Errc::kReplayMiss));
    CHECK(describe(outcomes[0].error).find("replay") != std::string::npos);
    CHECK(mock.counters().chat_requests == requests_recorded);
  }

  SECTION("read-write mode serves a repeated run from the cache, spending no rate limit") {
    settings.cache_mode = CacheMode::kReadWrite;
    settings.rate.requests_per_minute = 1;  // one call a minute: any call would stall the run
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    const auto again = run_tasks(harness.system, pool, tasks, 30s);
    const auto stats = pool_stats(harness.system, pool);
    stop_pool(harness.system, pool);
    for (const auto& outcome : again)
      CHECK(outcome.answered);
    CHECK(stats.cache_hits == tasks.size());
    CHECK(stats.attempts == 0);
    CHECK(mock.counters().chat_requests == requests_recorded);
  }
}

TEST_CASE("rating requests of one user are merged into one call and the answer split back",
          "[gateway][integration][batching]") {
  mock::MockLlmServer mock(mock::MockLlmOptions{});
  mock.start();
  GatewaySettings settings = loopback_settings(mock.api_base_url());
  settings.batch_window = 300ms;

  SECTION("three callers, one call") {
    const std::vector<LlmTask> tasks = {rating_task(7, {1, 2}), rating_task(7, {3, 4}),
                                        rating_task(7, {2, 5})};
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
    const auto stats = pool_stats(harness.system, pool);
    stop_pool(harness.system, pool);
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      REQUIRE(outcomes[i].answered);
      CHECK(outcomes[i].reply.result.missing.empty());
      check_rating_reply(tasks[i], outcomes[i].reply);
      CHECK(outcomes[i].reply.calls == 1);
    }
    // Item 2 was asked once and its rating given to both requests.
    CHECK(outcomes[0].reply.result.ratings[1].rating == outcomes[2].reply.result.ratings[0].rating);
    CHECK(mock.counters().chat_requests == 1);
    CHECK(stats.calls == 1);
    CHECK(stats.logical_requests == 3);
  }

  SECTION("a batch never exceeds max_items_per_call") {
    settings.max_items_per_call = 3;
    const std::vector<LlmTask> tasks = {rating_task(8, {1, 2}), rating_task(8, {3, 4, 5}),
                                        rating_task(8, {6, 7})};
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
    stop_pool(harness.system, pool);
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      REQUIRE(outcomes[i].answered);
      check_rating_reply(tasks[i], outcomes[i].reply);
      CHECK(outcomes[i].reply.result.missing.empty());
    }
    CHECK(mock.counters().chat_requests == 3);  // 7 items, at most 3 per call
  }
}

TEST_CASE("a partial answer is re-asked for the missing items only",
          "[gateway][integration][batching]") {
  // The first answer rates only the first two items it was asked; later
  // answers rate everything asked.
  ScriptedServer server([](const HttpServerRequest& request, std::size_t index) {
    const auto items = items_asked(request.body);
    std::string content = "{";
    const std::size_t rated = index == 0 ? std::min<std::size_t>(2, items.size()) : items.size();
    for (std::size_t i = 0; i < rated; ++i) {
      if (i > 0)
        content += ", ";
      content += fmt::format(R"("item_{}": {{"explanation": "Fits the taste.", "rating": {}}})",
                             items[i], 1 + items[i] % 5);
    }
    content += "}";
    HttpResponse response;
    response.body = completion_body(content);
    return response;
  });
  GatewaySettings settings = loopback_settings(server.api_base_url());
  settings.batch_window = 300ms;
  const std::vector<LlmTask> tasks = {rating_task(3, {11, 12, 13}), rating_task(3, {14, 15})};

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  stop_pool(harness.system, pool);

  const auto arrivals = server.arrivals();
  REQUIRE(arrivals.size() == 2);
  CHECK(items_asked(arrivals[0].request.body) == std::vector<ItemIndex>{11, 12, 13, 14, 15});
  CHECK(items_asked(arrivals[1].request.body) == std::vector<ItemIndex>{13, 14, 15});
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    REQUIRE(outcomes[i].answered);
    CHECK(outcomes[i].reply.result.missing.empty());
    check_rating_reply(tasks[i], outcomes[i].reply);
    for (const auto& rating : outcomes[i].reply.result.ratings) {
      CHECK(rating.rating == static_cast<float>(1 + rating.item % 5));
    }
  }
  CHECK(outcomes[0].reply.calls == 2);
  CHECK(outcomes[1].reply.calls == 2);
}

TEST_CASE("the budget cap stops new work before it would be passed, and says so",
          "[gateway][integration][budget]") {
  mock::MockLlmServer mock(mock::MockLlmOptions{});
  mock.start();
  GatewaySettings settings = loopback_settings(mock.api_base_url());
  // $1,000 per million tokens: a call costs well under a dollar, 40 cost more than 6.
  settings.prices.set("gpt-4o-mini", limits::ModelPrice{1'000.0, std::nullopt, 1'000.0});
  settings.budget_usd = 6.0;
  settings.max_output_tokens = 200;
  const std::vector<LlmTask> tasks = one_item_tasks(40);

  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("budget-test", sink));

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  const auto stats = pool_stats(harness.system, pool);
  stop_pool(harness.system, pool);
  spdlog::set_default_logger(previous);

  std::size_t answered = 0;
  std::size_t refused = 0;
  for (const auto& outcome : outcomes) {
    if (outcome.answered) {
      ++answered;
      continue;
    }
    INFO(describe(outcome.error));
    CHECK(is_lusifer_error(outcome.error, Errc::kBudgetExhausted));
    CHECK(describe(outcome.error).find("budget") != std::string::npos);
    ++refused;
  }
  CHECK(answered >= 1);
  CHECK(refused >= 1);
  CHECK(answered + refused == tasks.size());
  CHECK(stats.cost_usd > 0.0);
  CHECK(stats.cost_usd <= 6.0);
  CHECK_FALSE(stats.budget_refusal.empty());
  // No HTTP request was made for refused work.
  CHECK(mock.counters().chat_requests == answered);
  CHECK(stats.attempts == answered);
  CHECK(captured.str().find("budget cap") != std::string::npos);
}

TEST_CASE("Retry-After pauses the whole pool, not just the call that got it",
          "[gateway][integration][limits]") {
  ScriptedServer server([](const HttpServerRequest& request, std::size_t index) {
    if (index == 0)
      return rate_limited_response("700", "1");
    return rating_every_item(request, 4);
  });
  GatewaySettings settings = loopback_settings(server.api_base_url());
  // One call at a time: when the first call's 429 frees the slot, another
  // actor's call is ready to go at once unless the pool is paused.
  settings.concurrency.initial_limit = 1;
  settings.concurrency.max_limit = 1;
  const std::vector<LlmTask> tasks = one_item_tasks(6);

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  const auto stats = pool_stats(harness.system, pool);
  stop_pool(harness.system, pool);

  for (const auto& outcome : outcomes)
    CHECK(outcome.answered);
  const auto arrivals = server.arrivals();
  const auto answered_at = server.answered_at();
  REQUIRE(arrivals.size() == tasks.size() + 1);
  // Nothing reached the server while the pause was in force.
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    INFO("arrival " << i);
    CHECK(arrivals[i].at - answered_at[0] >= 650ms);
  }
  CHECK(stats.attempts == tasks.size() + 1);
  CHECK(error_count(stats, "rate_limited_requests") + error_count(stats, "rate_limited") == 1);
}

TEST_CASE("a call held by a server's pause fails at its deadline, not when the pause ends",
          "[gateway][integration][limits]") {
  // Every answer pauses the pool for 3 s, far past each call's 400 ms deadline.
  ScriptedServer server(
      [](const HttpServerRequest&, std::size_t) { return rate_limited_response("3000", "3"); });
  GatewaySettings settings = loopback_settings(server.api_base_url());
  settings.concurrency.initial_limit = 1;
  settings.concurrency.max_limit = 1;
  settings.retry.call_deadline = 400ms;
  const std::vector<LlmTask> tasks = one_item_tasks(3);

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto started = std::chrono::steady_clock::now();
  // The callers' own timeout (2 s) ends before the pause: only the gateway's
  // deadline can end these calls with a classified error.
  const auto outcomes = run_tasks(harness.system, pool, tasks, 2s);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  stop_pool(harness.system, pool);

  for (const auto& outcome : outcomes) {
    CHECK_FALSE(outcome.answered);
    INFO(describe(outcome.error));
    CHECK(is_lusifer_error(outcome.error, Errc::kLlmFailed));
  }
  CHECK(elapsed < 1500ms);
  // Nothing was sent while the pause was in force.
  CHECK(server.arrivals().size() == 1);
}

TEST_CASE("every retry of a call carries the call's one Idempotency-Key, and calls differ",
          "[gateway][integration][retry]") {
  // The first arrival of each key fails with a retryable 500; its retry is
  // answered. A retry under a new key would be a second generation to bill.
  std::map<std::string, int> seen;
  std::mutex seen_mutex;
  ScriptedServer server([&](const HttpServerRequest& request, std::size_t) {
    const std::string key(request.headers.find("idempotency-key").value_or(""));
    int arrival = 0;
    {
      std::lock_guard lock(seen_mutex);
      arrival = ++seen[key];
    }
    return arrival == 1 ? server_error_response() : rating_every_item(request, 4);
  });
  const std::vector<LlmTask> tasks = one_item_tasks(5);

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, loopback_settings(server.api_base_url()));
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  stop_pool(harness.system, pool);

  for (const auto& outcome : outcomes)
    CHECK(outcome.answered);
  std::lock_guard lock(seen_mutex);
  CHECK(seen.size() == tasks.size());
  for (const auto& [key, arrivals] : seen) {
    INFO("key " << key);
    CHECK_FALSE(key.empty());
    CHECK(arrivals == 2);
  }
}

TEST_CASE("a full queue refuses work with an explicit overload error",
          "[gateway][integration][backpressure]") {
  mock::MockLlmOptions mock_options;
  mock_options.latency.distribution = mock::LatencyDistribution::kFixed;
  mock_options.latency.fixed = 300ms;
  mock::MockLlmServer mock(mock_options);
  mock.start();
  GatewaySettings settings = loopback_settings(mock.api_base_url());
  settings.gateway_actors = 1;
  settings.concurrency.initial_limit = 1;
  settings.concurrency.max_limit = 1;
  settings.queue_capacity_interactive = 3;
  std::vector<LlmTask> tasks;
  for (UserIndex user = 0; user < 12; ++user)
    tasks.push_back(profile_task(user, TaskPriority::kInteractive));

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  stop_pool(harness.system, pool);
  std::size_t overloaded = 0;
  std::size_t answered = 0;
  for (const auto& outcome : outcomes) {
    if (outcome.answered) {
      ++answered;
    } else {
      INFO(describe(outcome.error));
      CHECK(is_lusifer_error(outcome.error, Errc::kOverloaded));
      ++overloaded;
    }
  }
  // One in flight, one taken from the queue waiting for admission, three
  // queued; the rest are refused at once.
  CHECK(answered == 5);
  CHECK(overloaded == tasks.size() - 5);
  CHECK(mock.counters().chat_requests == 5);
}

TEST_CASE("interactive work is admitted before bulk work", "[gateway][integration][priority]") {
  ScriptedServer server([](const HttpServerRequest& request, std::size_t index) {
    // The first call is slow, so every other task is queued when it ends.
    if (index == 0)
      std::this_thread::sleep_for(300ms);
    if (!items_asked(request.body).empty())
      return rating_every_item(request, 3);
    HttpResponse response;
    response.body = completion_body(R"({"profile": "Likes films.", "change": ""})");
    return response;
  });
  GatewaySettings settings = loopback_settings(server.api_base_url());
  settings.gateway_actors = 1;
  settings.concurrency.initial_limit = 1;
  settings.concurrency.max_limit = 1;
  settings.batch_window = 1ms;
  settings.queue_aging_step = std::chrono::milliseconds(60'000);  // no aging within the test
  // Bulk profile tasks first, then interactive rating tasks, all at once:
  // after the first call, every interactive call goes before the rest of the bulk.
  std::vector<LlmTask> tasks;
  for (UserIndex user = 0; user < 6; ++user)
    tasks.push_back(profile_task(user, TaskPriority::kBulk));
  for (UserIndex user = 10; user < 14; ++user)
    tasks.push_back(rating_task(user, {user}));

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  stop_pool(harness.system, pool);
  for (const auto& outcome : outcomes)
    CHECK(outcome.answered);
  const auto arrivals = server.arrivals();
  REQUIRE(arrivals.size() == tasks.size());
  CHECK(items_asked(arrivals[0].request.body).empty());  // the bulk call that went first
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    INFO("arrival " << i);
    const bool interactive = !items_asked(arrivals[i].request.body).empty();
    CHECK(interactive == (i <= 4));
  }
}

TEST_CASE("the API key never reaches a log line, also on error paths",
          "[gateway][integration][secrets]") {
  const std::string key = "sk-lusifer-test-5f1c9a7e33b04d2c8e61";
  ::setenv("LUSIFER_GATEWAY_TEST_KEY", key.c_str(), 1);
  mock::MockLlmOptions mock_options;
  mock_options.bearer_token = key;
  mock_options.faults[mock::FaultKind::kServerError] = 0.2;
  mock_options.faults[mock::FaultKind::kMalformedJson] = 0.1;
  mock::MockLlmServer mock(mock_options);
  mock.start();

  // Raw capture: no redacting formatter, so this checks that the gateway
  // never writes the key, not that redaction would catch it.
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_pattern("[%l] %v");
  auto logger = std::make_shared<spdlog::logger>("secrets-test", sink);
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  std::vector<std::string> error_texts;
  const auto run = [&](const std::string& base_url, const char* variable, std::size_t count) {
    GatewaySettings settings = loopback_settings(base_url);
    settings.api_key = EnvSecret(variable, "test.toml", 1, "api_key_env");
    settings.retry.max_attempts = 2;
    std::vector<LlmTask> tasks;
    for (UserIndex user = 0; user < count; ++user)
      tasks.push_back(rating_task(user, {user, user + 1}));
    ActorSystemHarness harness;
    auto pool = start_pool(harness.system, settings);
    const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
    stop_pool(harness.system, pool);
    for (const auto& outcome : outcomes) {
      if (!outcome.answered)
        error_texts.push_back(describe(outcome.error));
    }
    return outcomes;
  };
  // The right key, with server errors and malformed answers along the way.
  run(mock.api_base_url(), "LUSIFER_GATEWAY_TEST_KEY", 30);
  // A wrong key (the server refuses it), and an endpoint nobody listens on.
  ::setenv("LUSIFER_GATEWAY_TEST_WRONG_KEY", (key + "-wrong").c_str(), 1);
  const auto refused = run(mock.api_base_url(), "LUSIFER_GATEWAY_TEST_WRONG_KEY", 3);
  for (const auto& outcome : refused)
    CHECK_FALSE(outcome.answered);
  std::uint16_t closed_port = 0;
  {
    mock::MockLlmServer gone(mock::MockLlmOptions{});
    closed_port = gone.start();
  }
  const auto unreachable =
      run(fmt::format("http://127.0.0.1:{}/v1", closed_port), "LUSIFER_GATEWAY_TEST_KEY", 3);
  for (const auto& outcome : unreachable)
    CHECK_FALSE(outcome.answered);
  spdlog::set_default_logger(previous);

  const std::string logs = captured.str();
  INFO(logs);
  CHECK(logs.find("LLM gateway") != std::string::npos);  // the capture worked
  CHECK(logs.find("failed") != std::string::npos);       // and saw the error paths
  CHECK(logs.find(key) == std::string::npos);
  CHECK(logs.find(key.substr(3, 20)) == std::string::npos);
  CHECK(error_texts.size() >= 6);
  for (const auto& text : error_texts) {
    INFO(text);
    CHECK(text.find(key) == std::string::npos);
  }
  ::unsetenv("LUSIFER_GATEWAY_TEST_KEY");
  ::unsetenv("LUSIFER_GATEWAY_TEST_WRONG_KEY");
}

TEST_CASE("the circuit breaker stops calls to a failing endpoint for its cool-down",
          "[gateway][integration][breaker]") {
  // The first three requests fail with 500; the endpoint then recovers.
  ScriptedServer server([](const HttpServerRequest& request, std::size_t index) {
    return index < 3 ? server_error_response() : rating_every_item(request, 2);
  });
  GatewaySettings settings = loopback_settings(server.api_base_url());
  settings.concurrency.initial_limit = 1;
  settings.concurrency.max_limit = 1;
  settings.breaker.consecutive_failures = 3;
  settings.breaker.window_size = 0;
  settings.breaker.cool_down = 400ms;
  const std::vector<LlmTask> tasks = one_item_tasks(4);

  ActorSystemHarness harness;
  auto pool = start_pool(harness.system, settings);
  const auto outcomes = run_tasks(harness.system, pool, tasks, 30s);
  const auto stats = pool_stats(harness.system, pool);
  stop_pool(harness.system, pool);

  for (const auto& outcome : outcomes)
    CHECK(outcome.answered);
  const auto arrivals = server.arrivals();
  const auto answered_at = server.answered_at();
  REQUIRE(arrivals.size() == tasks.size() + 3);
  // Backoff alone would have retried within 200 ms; the open breaker held
  // every call for its cool-down.
  CHECK(arrivals[3].at - answered_at[2] >= 350ms);
  CHECK(error_count(stats, "server_error") == 3);
  CHECK(stats.breaker == "closed");
}
