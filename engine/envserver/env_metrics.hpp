#pragma once

// What the environment server counts, for GET /metrics (Prometheus text
// format 0.0.4, metric names prefixed with lusifer_env_):
//   sessions_open                 gauge   sessions open now
//   sessions_created_total        counter
//   sessions_expired_total        counter idle sessions evicted to make room
//   requests_total{endpoint}      counter requests routed to an endpoint
//   resets_total, steps_total     counter successful resets and steps
//   user_steps_total              counter active users in successful steps
//   late_user_steps_total         counter user-steps whose feedback was late
//   failed_user_steps_total       counter user-steps whose simulator failed
//   errors_total{status,type}     counter error answers, by status and type
//   step_latency_seconds          histogram of successful steps, from the
//                                 request to the service's answer
// 401 and 413 answers are sent by the HTTP server before a request reaches
// the environment layer, so they are not in errors_total.
//
// Thread-safety: every member function may be called from any thread
// (relaxed atomics; a snapshot is consistent per field).

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/envserver/env_error.hpp"

namespace lusifer::envserver {

enum class Endpoint { kCreate, kReset, kStep, kClose, kCatalog, kHealth, kMetrics, kOther };
inline constexpr std::size_t kEndpointCount = 8;

// "create", "reset", "step", "close", "catalog", "healthz", "metrics", "other".
std::string_view endpoint_name(Endpoint endpoint) noexcept;

// Upper bounds of the step latency buckets, in seconds (+Inf follows).
inline constexpr std::array<double, 14> kStepLatencyBuckets = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0};

struct EnvMetricsSnapshot {
  std::uint64_t sessions_open = 0;  // filled in by the server from its session table
  std::uint64_t sessions_created = 0;
  std::uint64_t sessions_expired = 0;
  std::array<std::uint64_t, kEndpointCount> requests{};
  std::uint64_t resets = 0;
  std::uint64_t steps = 0;
  std::uint64_t user_steps = 0;
  std::uint64_t late_user_steps = 0;
  std::uint64_t failed_user_steps = 0;
  std::array<std::uint64_t, kEnvErrorKindCount> errors{};
  // Per bucket, not cumulative; the last is +Inf.
  std::array<std::uint64_t, kStepLatencyBuckets.size() + 1> step_latency_buckets{};
  std::uint64_t step_latency_count = 0;
  std::uint64_t step_latency_sum_ns = 0;

  std::uint64_t requests_to(Endpoint e) const noexcept {
    return requests[static_cast<std::size_t>(e)];
  }
  std::uint64_t errors_of(EnvErrorKind kind) const noexcept {
    return errors[static_cast<std::size_t>(kind)];
  }
};

class EnvMetrics {
 public:
  void request(Endpoint endpoint) noexcept;
  void error(EnvErrorKind kind) noexcept;
  void session_created() noexcept;
  void sessions_expired(std::uint64_t count) noexcept;
  void reset() noexcept;
  // A successful step: its latency and how its users fared.
  void step(std::chrono::nanoseconds latency, std::uint64_t active_users, std::uint64_t late,
            std::uint64_t failed) noexcept;

  EnvMetricsSnapshot snapshot() const noexcept;

 private:
  using Counter = std::atomic<std::uint64_t>;

  Counter sessions_created_{0};
  Counter sessions_expired_{0};
  std::array<Counter, kEndpointCount> requests_{};
  Counter resets_{0};
  Counter steps_{0};
  Counter user_steps_{0};
  Counter late_{0};
  Counter failed_{0};
  std::array<Counter, kEnvErrorKindCount> errors_{};
  std::array<Counter, kStepLatencyBuckets.size() + 1> latency_buckets_{};
  Counter latency_count_{0};
  Counter latency_sum_ns_{0};
};

std::string render_prometheus(const EnvMetricsSnapshot& metrics);

}  // namespace lusifer::envserver
