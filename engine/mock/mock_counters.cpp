#include "engine/mock/mock_counters.hpp"

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"

namespace lusifer::mock {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
  counter.fetch_add(n, kRelaxed);
}

std::uint64_t positive(std::int64_t v) noexcept {
  return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string_view chat_outcome_name(ChatOutcome outcome) noexcept {
  switch (outcome) {
    case ChatOutcome::kSuccess:
      return "success";
    case ChatOutcome::kInvalidRequest:
      return "invalid_request";
    case ChatOutcome::kUnauthorized:
      return "unauthorized";
    case ChatOutcome::kNotFound:
      return "not_found";
    case ChatOutcome::kRateLimited:
      return "rate_limited";
    case ChatOutcome::kFault:
      return "fault";
  }
  return "success";
}

std::string_view limit_hit_name(LimitHit hit) noexcept {
  switch (hit) {
    case LimitHit::kRequests:
      return "requests";
    case LimitHit::kTokens:
      return "tokens";
    case LimitHit::kTooLarge:
      return "tokens_too_large";
  }
  return "requests";
}

void CounterSet::http_request(std::size_t body_bytes) noexcept {
  add(http_requests_, 1);
  add(request_bytes_, body_bytes);
}

void CounterSet::response(std::size_t body_bytes) noexcept {
  add(response_bytes_, body_bytes);
}

void CounterSet::chat_request() noexcept {
  add(chat_requests_, 1);
}

void CounterSet::outcome(ChatOutcome o) noexcept {
  add(outcomes_[static_cast<std::size_t>(o)], 1);
}

void CounterSet::fault(FaultKind kind) noexcept {
  add(faults_[static_cast<std::size_t>(kind)], 1);
}

void CounterSet::limited(LimitHit hit) noexcept {
  add(rate_limited_[static_cast<std::size_t>(hit)], 1);
}

void CounterSet::streamed() noexcept {
  add(streamed_, 1);
}

void CounterSet::usage(std::int64_t prompt, std::int64_t completion, std::int64_t cached) noexcept {
  add(prompt_tokens_, positive(prompt));
  add(completion_tokens_, positive(completion));
  add(cached_tokens_, positive(cached));
}

void CounterSet::latency(std::chrono::nanoseconds latency) noexcept {
  const double seconds = static_cast<double>(latency.count()) * 1e-9;
  std::size_t bucket = 0;
  while (bucket < kLatencyBucketSeconds.size() && seconds > kLatencyBucketSeconds[bucket])
    ++bucket;
  add(latency_buckets_[bucket], 1);
  add(latency_count_, 1);
  add(latency_sum_ns_, positive(latency.count()));
}

MockCounters CounterSet::snapshot() const noexcept {
  MockCounters c;
  c.http_requests = http_requests_.load(kRelaxed);
  c.chat_requests = chat_requests_.load(kRelaxed);
  for (std::size_t i = 0; i < kChatOutcomeCount; ++i)
    c.outcomes[i] = outcomes_[i].load(kRelaxed);
  for (std::size_t i = 0; i < kFaultKindCount; ++i)
    c.faults[i] = faults_[i].load(kRelaxed);
  for (std::size_t i = 0; i < kLimitHitCount; ++i)
    c.rate_limited[i] = rate_limited_[i].load(kRelaxed);
  c.streamed = streamed_.load(kRelaxed);
  c.prompt_tokens = prompt_tokens_.load(kRelaxed);
  c.completion_tokens = completion_tokens_.load(kRelaxed);
  c.cached_tokens = cached_tokens_.load(kRelaxed);
  c.request_bytes = request_bytes_.load(kRelaxed);
  c.response_bytes = response_bytes_.load(kRelaxed);
  for (std::size_t i = 0; i < latency_buckets_.size(); ++i)
    c.latency_buckets[i] = latency_buckets_[i].load(kRelaxed);
  c.latency_count = latency_count_.load(kRelaxed);
  c.latency_sum_ns = latency_sum_ns_.load(kRelaxed);
  return c;
}

std::string render_prometheus(const MockCounters& c) {
  std::string out;
  out.reserve(4096);
  auto line = [&](std::string_view name, std::uint64_t value) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
  };
  header(out, "mock_llm_http_requests_total", "counter", "Requests handled, any path.");
  line("mock_llm_http_requests_total", c.http_requests);
  header(out, "mock_llm_chat_requests_total", "counter", "Chat-completions requests.");
  line("mock_llm_chat_requests_total", c.chat_requests);
  header(out, "mock_llm_chat_outcomes_total", "counter",
         "Chat-completions requests by how they ended.");
  for (std::size_t i = 0; i < kChatOutcomeCount; ++i) {
    fmt::format_to(std::back_inserter(out), "mock_llm_chat_outcomes_total{{outcome=\"{}\"}} {}\n",
                   chat_outcome_name(static_cast<ChatOutcome>(i)), c.outcomes[i]);
  }
  header(out, "mock_llm_faults_total", "counter", "Injected faults by kind.");
  for (std::size_t i = 1; i < kFaultKindCount; ++i) {
    fmt::format_to(std::back_inserter(out), "mock_llm_faults_total{{kind=\"{}\"}} {}\n",
                   fault_kind_name(static_cast<FaultKind>(i)), c.faults[i]);
  }
  header(out, "mock_llm_rate_limited_total", "counter",
         "429 answers of the configured limits, by limit.");
  for (std::size_t i = 0; i < kLimitHitCount; ++i) {
    fmt::format_to(std::back_inserter(out), "mock_llm_rate_limited_total{{limit=\"{}\"}} {}\n",
                   limit_hit_name(static_cast<LimitHit>(i)), c.rate_limited[i]);
  }
  header(out, "mock_llm_streamed_total", "counter", "Answers sent as server-sent events.");
  line("mock_llm_streamed_total", c.streamed);
  header(out, "mock_llm_prompt_tokens_total", "counter", "Prompt tokens reported in usage.");
  line("mock_llm_prompt_tokens_total", c.prompt_tokens);
  header(out, "mock_llm_completion_tokens_total", "counter",
         "Completion tokens reported in usage.");
  line("mock_llm_completion_tokens_total", c.completion_tokens);
  header(out, "mock_llm_cached_tokens_total", "counter", "Cached prompt tokens reported in usage.");
  line("mock_llm_cached_tokens_total", c.cached_tokens);
  header(out, "mock_llm_request_bytes_total", "counter", "Request body bytes received.");
  line("mock_llm_request_bytes_total", c.request_bytes);
  header(out, "mock_llm_response_bytes_total", "counter", "Response body bytes sent.");
  line("mock_llm_response_bytes_total", c.response_bytes);
  header(out, "mock_llm_latency_seconds", "histogram", "Simulated latency of delayed answers.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBucketSeconds.size(); ++i) {
    cumulative += c.latency_buckets[i];
    fmt::format_to(std::back_inserter(out), "mock_llm_latency_seconds_bucket{{le=\"{}\"}} {}\n",
                   kLatencyBucketSeconds[i], cumulative);
  }
  cumulative += c.latency_buckets.back();
  fmt::format_to(std::back_inserter(out), "mock_llm_latency_seconds_bucket{{le=\"+Inf\"}} {}\n",
                 cumulative);
  fmt::format_to(std::back_inserter(out), "mock_llm_latency_seconds_sum {}\n",
                 static_cast<double>(c.latency_sum_ns) * 1e-9);
  line("mock_llm_latency_seconds_count", c.latency_count);
  header(out, "mock_llm_connections_accepted_total", "counter", "TCP connections accepted.");
  line("mock_llm_connections_accepted_total", c.connections_accepted);
  header(out, "mock_llm_active_connections", "gauge", "TCP connections open now.");
  line("mock_llm_active_connections", c.active_connections);
  return out;
}

std::string render_counters_json(const MockCounters& c) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("http_requests", c.http_requests).field("chat_requests", c.chat_requests);
  json.key("outcomes").begin_object();
  for (std::size_t i = 0; i < kChatOutcomeCount; ++i)
    json.field(chat_outcome_name(static_cast<ChatOutcome>(i)), c.outcomes[i]);
  json.end_object();
  json.key("faults").begin_object();
  for (std::size_t i = 1; i < kFaultKindCount; ++i)
    json.field(fault_kind_name(static_cast<FaultKind>(i)), c.faults[i]);
  json.end_object();
  json.key("rate_limited").begin_object();
  for (std::size_t i = 0; i < kLimitHitCount; ++i)
    json.field(limit_hit_name(static_cast<LimitHit>(i)), c.rate_limited[i]);
  json.end_object();
  json.field("streamed", c.streamed)
      .field("prompt_tokens", c.prompt_tokens)
      .field("completion_tokens", c.completion_tokens)
      .field("cached_tokens", c.cached_tokens)
      .field("request_bytes", c.request_bytes)
      .field("response_bytes", c.response_bytes)
      .field("latency_count", c.latency_count)
      .field("latency_sum_seconds", static_cast<double>(c.latency_sum_ns) * 1e-9)
      .field("connections_accepted", c.connections_accepted)
      .field("active_connections", c.active_connections);
  json.end_object();
  return out;
}

}  // namespace lusifer::mock
