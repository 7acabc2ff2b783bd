// Load generator for the LLM gateway pool against a running mock LLM server
// (`lusifer mock-llm`, a separate process, so that getrusage here measures the
// client alone). bench/gateway.sh starts the mock and runs the scenarios;
// bench/README.md has the figures.
//
//   bench_gateway --url http://127.0.0.1:PORT/v1 --requests 50000 --concurrency 256
//                 [--prompt-bytes 1000] [--rpm N --tpm N] [--timeout-ms 10000]
//                 [--actors 2] [--http-threads 1] [--caf-workers N]
//                 [--caf-policy sharing|stealing] [--label NAME]
//                 [--render-only]
//
// One load-generator actor keeps `concurrency` logical requests in flight
// (bounded) until `requests` have ended. Each request is a rating task for one
// item of its own user, rendered by CompactTaskCodec into a ~prompt_bytes
// json_object request (max_items_per_call = 1: every task is one call at
// once). The load generator asks as the simulation's user actors do: without
// a CAF request timeout, since the pool answers every request by its
// deadline (gateway_pool.hpp); CAF 0.17 would register and cancel each
// timeout on its one clock thread. The scheduler is laid out as `lusifer`
// lays it out for a run with this many HTTP threads (scheduler_layout.hpp;
// --caf-workers and --caf-policy override it, to compare layouts).
// Rendering the simulation's real prompts (PromptCodec) is excluded;
// --render-only measures CompactTaskCodec rendering alone.
//
// Prints one line of key=value figures: requests/s, client CPU per request
// (user + system, the whole process: actors, HTTP, JSON), attempts per
// request, errors by class, and the mock's /counters deltas.

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "actors/gateway_pool.hpp"
#include "engine/core/scheduler_layout.hpp"
#include "engine/gateway/compact_task_codec.hpp"
#include "engine/http/http_client.hpp"
#include "engine/llm/backend_profile.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

using namespace lusifer;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string url;
  std::string label = "gateway";
  std::size_t requests = 20'000;
  std::size_t concurrency = 256;
  std::size_t prompt_bytes = 1'000;
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> tpm;
  std::chrono::milliseconds timeout{10'000};
  std::size_t actors = 2;
  std::size_t http_threads = 1;
  std::size_t caf_workers = 0;  // 0: as scheduler_layout(http_threads), as lusifer runs
  std::string caf_policy;       // empty: as scheduler_layout(http_threads)
  bool render_only = false;
};

[[noreturn]] void usage(std::string_view problem) {
  std::cerr
      << "bench_gateway: " << problem << "\n"
      << "usage: bench_gateway --url URL [--requests N] [--concurrency N] [--prompt-bytes N]\n"
         "       [--rpm N] [--tpm N] [--timeout-ms N] [--actors N] [--http-threads N]\n"
         "       [--caf-workers N] [--caf-policy sharing|stealing] [--label NAME]\n"
         "       [--render-only]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(fmt::format("{} needs a value", arg));
      return argv[++i];
    };
    const auto number = [&]() -> std::int64_t {
      const std::string text = value();
      char* end = nullptr;
      const long long n = std::strtoll(text.c_str(), &end, 10);
      if (end == text.c_str() || *end != '\0' || n < 1)
        usage(fmt::format("{}: bad number {}", arg, text));
      return n;
    };
    if (arg == "--url")
      o.url = value();
    else if (arg == "--label")
      o.label = value();
    else if (arg == "--requests")
      o.requests = static_cast<std::size_t>(number());
    else if (arg == "--concurrency")
      o.concurrency = static_cast<std::size_t>(number());
    else if (arg == "--prompt-bytes")
      o.prompt_bytes = static_cast<std::size_t>(number());
    else if (arg == "--rpm")
      o.rpm = number();
    else if (arg == "--tpm")
      o.tpm = number();
    else if (arg == "--timeout-ms")
      o.timeout = std::chrono::milliseconds(number());
    else if (arg == "--actors")
      o.actors = static_cast<std::size_t>(number());
    else if (arg == "--http-threads")
      o.http_threads = static_cast<std::size_t>(number());
    else if (arg == "--caf-workers")
      o.caf_workers = static_cast<std::size_t>(number());
    else if (arg == "--caf-policy") {
      o.caf_policy = value();
      if (o.caf_policy != "sharing" && o.caf_policy != "stealing")
        usage("--caf-policy is sharing or stealing");
    } else if (arg == "--render-only")
      o.render_only = true;
    else
      usage(fmt::format("unknown argument {}", arg));
  }
  if (o.url.empty() && !o.render_only)
    usage("--url is required");
  return o;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

LlmTask task_for(std::size_t n) {
  LlmTask task;
  task.kind = TaskKind::kRateItems;
  task.user = static_cast<UserIndex>(n % 100'000);
  task.profile = "Enjoys quiet character dramas and dry comedies; avoids horror.";
  task.candidates = {static_cast<ItemIndex>(n % 1'682)};
  task.priority = TaskPriority::kInteractive;
  return task;
}

// The mock's /counters, one figure at a time (the first occurrence of "key":N).
std::uint64_t counter(const std::string& json, std::string_view key) {
  const auto pos = json.find(fmt::format("\"{}\":", key));
  if (pos == std::string::npos)
    return 0;
  return std::strtoull(json.c_str() + pos + key.size() + 3, nullptr, 10);
}

std::string mock_counters(const std::string& api_url) {
  HttpClient client;
  HttpRequest request;
  request.url = api_url.substr(0, api_url.rfind("/v1")) + "/counters";
  const auto result = client.send_and_wait(std::move(request));
  return result.ok() ? result.body : std::string();
}

struct RunResult {
  std::size_t ok = 0;
  std::size_t failed = 0;
  std::map<std::string, std::size_t> failures;
};

int render_only(const Options& o) {
  CompactTaskCodec codec(o.prompt_bytes);
  GatewaySettings settings;
  settings.profile = llm::default_backend_profile(llm::BackendKind::kOpenAI);
  settings.model = "gpt-4o-mini";
  std::size_t bytes = 0;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t n = 0; n < o.requests; ++n) {
    bytes += prepare_call(task_for(n), codec, settings, 1).body->size();
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(
      "label={} requests={} mean_body_bytes={} render_and_prepare_us_per_request={:.2f} "
      "wall_s={:.2f}\n",
      o.label, o.requests, bytes / o.requests, (cpu_seconds() - cpu0) * 1e6 / o.requests, wall);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.render_only)
    return render_only(o);
  spdlog::set_level(spdlog::level::warn);

  GatewaySettings settings;
  settings.uses_llm = true;
  settings.profile = llm::default_backend_profile(llm::BackendKind::kOpenAI);
  settings.profile.base_url = o.url;
  settings.model = "gpt-4o-mini";
  settings.request_timeout = o.timeout;
  settings.rate.requests_per_minute = o.rpm;
  settings.rate.tokens_per_minute = o.tpm;
  // The mock, like OpenAI, charges the estimate at admission and does not
  // refund it after the answer.
  settings.rate.refund_unused_estimate = false;
  settings.concurrency.initial_limit = static_cast<int>(o.concurrency);
  // Fixed concurrency: the benchmark measures the gateway's own costs, not how
  // adaptive concurrency reacts to the faults it injects.
  settings.concurrency.min_limit = static_cast<int>(o.concurrency);
  settings.concurrency.max_limit = static_cast<int>(o.concurrency);
  settings.retry.max_attempts = 6;
  settings.retry.backoff.base = 50ms;
  settings.retry.backoff.cap = 2s;
  settings.breaker.consecutive_failures = 1'000;
  settings.breaker.cool_down = 200ms;
  settings.breaker.quota_cool_down = 200ms;
  settings.max_items_per_call = 1;
  settings.batch_window = 1ms;
  settings.cache_mode = CacheMode::kOff;
  settings.gateway_actors = o.actors;
  settings.queue_capacity_interactive = o.concurrency * 2;
  settings.max_connections = o.concurrency;
  settings.http_threads = o.http_threads;

  caf::actor_system_config config;
  register_message_types(config);
  const SchedulerLayout layout = scheduler_layout(o.http_threads);
  config.set("scheduler.max-threads", o.caf_workers != 0 ? o.caf_workers : layout.workers);
  config.set("scheduler.policy",
             caf::atom_from_string(o.caf_policy.empty() ? layout.policy : o.caf_policy));
  caf::actor_system system{config};

  GatewayPoolOptions pool_options;
  pool_options.settings = std::make_shared<const GatewaySettings>(settings);
  pool_options.codec = std::make_shared<const CompactTaskCodec>(o.prompt_bytes);
  pool_options.seed = 7;
  auto pool = spawn_gateway_pool(system, std::move(pool_options));

  const std::string before = mock_counters(o.url);
  auto result = std::make_shared<RunResult>();
  std::promise<void> done;
  auto finished = done.get_future();
  // The load generator's state lives here, used only from its actor's handlers.
  std::size_t sent = 0;
  std::size_t ended = 0;
  std::function<void()> send_next;
  // The first requests warm up (connections, TLS context, allocator pools);
  // the figures cover the rest.
  const std::size_t warmup = std::min<std::size_t>(1'000, o.requests / 10);
  double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  const auto on_end = [&] {
    if (++ended == warmup) {
      cpu0 = cpu_seconds();
      t0 = std::chrono::steady_clock::now();
    }
    if (ended == o.requests)
      done.set_value();
    else if (sent < o.requests)
      send_next();
  };
  system.spawn([&](caf::event_based_actor* self) {
    // Keeps `concurrency` requests in flight; each end sends the next.
    send_next = [&, self] {
      self->request(pool, caf::infinite, task_for(sent++))
          .then(
              [&](const LlmTaskReply&) {
                ++result->ok;
                on_end();
              },
              [&](const caf::error& error) {
                ++result->failed;
                const auto text = describe(error);
                ++result->failures[text.substr(0, text.find(':'))];
                on_end();
              });
    };
    for (std::size_t i = 0; i < std::min(o.concurrency, o.requests); ++i)
      send_next();
  });
  finished.wait();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;

  caf::scoped_actor self{system};
  GatewayStats stats;
  self->request(pool, 10s, stats_atom_v)
      .receive([&](GatewayStats& s) { stats = std::move(s); }, [&](caf::error&) {});
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  const std::string after = mock_counters(o.url);
  const auto delta = [&](std::string_view key) {
    return counter(after, key) - counter(before, key);
  };

  std::uint64_t throttled = 0;
  std::string errors;
  for (std::size_t i = 0; i < stats.error_classes.size(); ++i) {
    if (stats.error_classes[i].starts_with("rate_limited"))
      throttled += stats.error_counts[i];
    errors += fmt::format("{}{}:{}", errors.empty() ? "" : ",", stats.error_classes[i],
                          stats.error_counts[i]);
  }
  std::string failures;
  for (const auto& [name, count] : result->failures) {
    failures += fmt::format("{}{}:{}", failures.empty() ? "" : ",", name, count);
  }
  const double n = static_cast<double>(o.requests - warmup);
  fmt::print(
      "label={} requests={} measured={} concurrency={} ok={} failed={} wall_s={:.2f} "
      "req_per_s={:.0f} "
      "cpu_s={:.2f} cpu_us_per_req={:.1f} attempts={} attempts_per_request={:.3f} "
      "throttled_share={:.4f} http_resends={} p50_ms={:.1f} p99_ms={:.1f} mock_chat_requests={} "
      "mock_rate_limited={} mock_request_bytes_per_req={:.0f} mock_prompt_tokens={} errors=[{}] "
      "failures=[{}]\n",
      o.label, o.requests, o.requests - warmup, o.concurrency, result->ok, result->failed, wall,
      n / wall, cpu, cpu * 1e6 / n, stats.attempts,
      static_cast<double>(stats.attempts) / static_cast<double>(o.requests),
      stats.attempts ? static_cast<double>(throttled) / static_cast<double>(stats.attempts) : 0.0,
      stats.http_resends, stats.latency_p50_ms, stats.latency_p99_ms, delta("chat_requests"),
      delta("rate_limited"),
      static_cast<double>(delta("request_bytes")) /
          std::max<double>(1.0, static_cast<double>(delta("chat_requests"))),
      delta("prompt_tokens"), errors, failures);
  return result->ok > 0 ? 0 : 1;
}
