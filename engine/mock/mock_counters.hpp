#pragma once

// What the mock LLM server saw, counted, so tests and benchmarks can compare
// it with what the client believes: requests by outcome and by fault kind,
// 429s by limit, tokens, bytes and the simulated latencies.
//
// Every chat-completions request ends in exactly one outcome, so the
// outcomes add up to chat_requests:
//   success          a completion was sent (including wrong_content answers,
//                    whose usage counts like any other)
//   invalid_request  400 (validation, context length) or 405
//   unauthorized     401
//   not_found        404 (unknown model, Azure path without api-version)
//   rate_limited     429 from the configured RPM/TPM limits (see rate_limited)
//   fault            an injected fault (see faults)
// Tokens are counted for success outcomes only. Bytes are request and
// response bodies of every path. Requests the HTTP server rejects before the
// mock sees them (413 oversized bodies; off loopback, 401s) are not counted.
//
// CounterSet is updated with relaxed atomics from any thread; snapshots are
// consistent per field, not across fields while requests are in flight.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/mock/fault_plan.hpp"

namespace lusifer::mock {

enum class ChatOutcome {
  kSuccess,
  kInvalidRequest,
  kUnauthorized,
  kNotFound,
  kRateLimited,
  kFault
};
inline constexpr std::size_t kChatOutcomeCount = 6;

// "success", "invalid_request", "unauthorized", "not_found", "rate_limited", "fault".
std::string_view chat_outcome_name(ChatOutcome outcome) noexcept;

enum class LimitHit { kRequests, kTokens, kTooLarge };
inline constexpr std::size_t kLimitHitCount = 3;

// "requests", "tokens", "tokens_too_large".
std::string_view limit_hit_name(LimitHit hit) noexcept;

// Upper bounds of the latency histogram's buckets, in seconds (+Inf follows).
inline constexpr std::array<double, 14> kLatencyBucketSeconds = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0};

struct MockCounters {
  std::uint64_t http_requests = 0;  // every request the mock handled, any path
  std::uint64_t chat_requests = 0;
  std::array<std::uint64_t, kChatOutcomeCount> outcomes{};
  std::array<std::uint64_t, kFaultKindCount> faults{};
  std::array<std::uint64_t, kLimitHitCount> rate_limited{};
  std::uint64_t streamed = 0;  // successful answers sent as server-sent events
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cached_tokens = 0;
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  // Simulated latency of delayed answers: per bucket (not cumulative; the
  // last is +Inf), count and sum.
  std::array<std::uint64_t, kLatencyBucketSeconds.size() + 1> latency_buckets{};
  std::uint64_t latency_count = 0;
  std::uint64_t latency_sum_ns = 0;
  // From the HTTP server.
  std::uint64_t connections_accepted = 0;
  std::uint64_t active_connections = 0;

  std::uint64_t outcome(ChatOutcome o) const noexcept {
    return outcomes[static_cast<std::size_t>(o)];
  }
  std::uint64_t fault(FaultKind k) const noexcept { return faults[static_cast<std::size_t>(k)]; }
  std::uint64_t limited(LimitHit h) const noexcept {
    return rate_limited[static_cast<std::size_t>(h)];
  }
};

class CounterSet {
 public:
  void http_request(std::size_t body_bytes) noexcept;
  void response(std::size_t body_bytes) noexcept;
  void chat_request() noexcept;
  void outcome(ChatOutcome outcome) noexcept;
  void fault(FaultKind kind) noexcept;
  void limited(LimitHit hit) noexcept;
  void streamed() noexcept;
  void usage(std::int64_t prompt, std::int64_t completion, std::int64_t cached) noexcept;
  void latency(std::chrono::nanoseconds latency) noexcept;

  MockCounters snapshot() const noexcept;

 private:
  using Counter = std::atomic<std::uint64_t>;

  Counter http_requests_{0};
  Counter chat_requests_{0};
  std::array<Counter, kChatOutcomeCount> outcomes_{};
  std::array<Counter, kFaultKindCount> faults_{};
  std::array<Counter, kLimitHitCount> rate_limited_{};
  Counter streamed_{0};
  Counter prompt_tokens_{0};
  Counter completion_tokens_{0};
  Counter cached_tokens_{0};
  Counter request_bytes_{0};
  Counter response_bytes_{0};
  std::array<Counter, kLatencyBucketSeconds.size() + 1> latency_buckets_{};
  Counter latency_count_{0};
  Counter latency_sum_ns_{0};
};

// The Prometheus text exposition format (version 0.0.4), metric names
// prefixed with mock_llm_.
std::string render_prometheus(const MockCounters& counters);

// One JSON object with the same figures.
std::string render_counters_json(const MockCounters& counters);

}  // namespace lusifer::mock
