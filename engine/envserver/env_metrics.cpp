#include "engine/envserver/env_metrics.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace lusifer::envserver {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

void add_counter(std::string& out, std::string_view name, std::string_view help,
                 std::uint64_t value) {
  fmt::format_to(
      std::back_inserter(out),
      "# HELP lusifer_env_{0} {1}\n# TYPE lusifer_env_{0} counter\nlusifer_env_{0} {2}\n", name,
      help, value);
}

}  // namespace

std::string_view endpoint_name(Endpoint endpoint) noexcept {
  switch (endpoint) {
    case Endpoint::kCreate:
      return "create";
    case Endpoint::kReset:
      return "reset";
    case Endpoint::kStep:
      return "step";
    case Endpoint::kClose:
      return "close";
    case Endpoint::kCatalog:
      return "catalog";
    case Endpoint::kHealth:
      return "healthz";
    case Endpoint::kMetrics:
      return "metrics";
    case Endpoint::kOther:
      return "other";
  }
  return "other";
}

void EnvMetrics::request(Endpoint endpoint) noexcept {
  requests_[static_cast<std::size_t>(endpoint)].fetch_add(1, kRelaxed);
}

void EnvMetrics::error(EnvErrorKind kind) noexcept {
  errors_[static_cast<std::size_t>(kind)].fetch_add(1, kRelaxed);
}

void EnvMetrics::session_created() noexcept {
  sessions_created_.fetch_add(1, kRelaxed);
}

void EnvMetrics::sessions_expired(std::uint64_t count) noexcept {
  sessions_expired_.fetch_add(count, kRelaxed);
}

void EnvMetrics::reset() noexcept {
  resets_.fetch_add(1, kRelaxed);
}

void EnvMetrics::step(std::chrono::nanoseconds latency, std::uint64_t active_users,
                      std::uint64_t late, std::uint64_t failed) noexcept {
  steps_.fetch_add(1, kRelaxed);
  user_steps_.fetch_add(active_users, kRelaxed);
  late_.fetch_add(late, kRelaxed);
  failed_.fetch_add(failed, kRelaxed);
  const double seconds = std::chrono::duration<double>(latency).count();
  std::size_t bucket = 0;
  while (bucket < kStepLatencyBuckets.size() && seconds > kStepLatencyBuckets[bucket])
    ++bucket;
  latency_buckets_[bucket].fetch_add(1, kRelaxed);
  latency_count_.fetch_add(1, kRelaxed);
  latency_sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0)),
                            kRelaxed);
}

EnvMetricsSnapshot EnvMetrics::snapshot() const noexcept {
  EnvMetricsSnapshot s;
  s.sessions_created = sessions_created_.load(kRelaxed);
  s.sessions_expired = sessions_expired_.load(kRelaxed);
  for (std::size_t i = 0; i < kEndpointCount; ++i)
    s.requests[i] = requests_[i].load(kRelaxed);
  s.resets = resets_.load(kRelaxed);
  s.steps = steps_.load(kRelaxed);
  s.user_steps = user_steps_.load(kRelaxed);
  s.late_user_steps = late_.load(kRelaxed);
  s.failed_user_steps = failed_.load(kRelaxed);
  for (std::size_t i = 0; i < kEnvErrorKindCount; ++i)
    s.errors[i] = errors_[i].load(kRelaxed);
  for (std::size_t i = 0; i < s.step_latency_buckets.size(); ++i)
    s.step_latency_buckets[i] = latency_buckets_[i].load(kRelaxed);
  s.step_latency_count = latency_count_.load(kRelaxed);
  s.step_latency_sum_ns = latency_sum_ns_.load(kRelaxed);
  return s;
}

std::string render_prometheus(const EnvMetricsSnapshot& m) {
  std::string out;
  out.reserve(4096);
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP lusifer_env_sessions_open Sessions open now.\n"
                 "# TYPE lusifer_env_sessions_open gauge\n"
                 "lusifer_env_sessions_open {}\n",
                 m.sessions_open);
  add_counter(out, "sessions_created_total", "Sessions created.", m.sessions_created);
  add_counter(out, "sessions_expired_total", "Idle sessions closed to make room for new ones.",
              m.sessions_expired);
  fmt::format_to(it,
                 "# HELP lusifer_env_requests_total Requests routed to an endpoint.\n"
                 "# TYPE lusifer_env_requests_total counter\n");
  for (std::size_t i = 0; i < kEndpointCount; ++i) {
    fmt::format_to(it, "lusifer_env_requests_total{{endpoint=\"{}\"}} {}\n",
                   endpoint_name(static_cast<Endpoint>(i)), m.requests[i]);
  }
  add_counter(out, "resets_total", "Successful resets.", m.resets);
  add_counter(out, "steps_total", "Successful steps.", m.steps);
  add_counter(out, "user_steps_total", "Active users in successful steps.", m.user_steps);
  add_counter(out, "late_user_steps_total", "User-steps whose feedback missed the deadline.",
              m.late_user_steps);
  add_counter(out, "failed_user_steps_total", "User-steps whose simulator failed.",
              m.failed_user_steps);
  fmt::format_to(it,
                 "# HELP lusifer_env_errors_total Error answers by HTTP status and error type.\n"
                 "# TYPE lusifer_env_errors_total counter\n");
  for (std::size_t i = 0; i < kEnvErrorKindCount; ++i) {
    const auto kind = static_cast<EnvErrorKind>(i);
    fmt::format_to(it, "lusifer_env_errors_total{{status=\"{}\",type=\"{}\"}} {}\n",
                   http_status_of(kind), error_type_name(kind), m.errors[i]);
  }
  fmt::format_to(it,
                 "# HELP lusifer_env_step_latency_seconds Time from a step request to the "
                 "simulation's answer.\n"
                 "# TYPE lusifer_env_step_latency_seconds histogram\n");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kStepLatencyBuckets.size(); ++i) {
    cumulative += m.step_latency_buckets[i];
    fmt::format_to(it, "lusifer_env_step_latency_seconds_bucket{{le=\"{}\"}} {}\n",
                   kStepLatencyBuckets[i], cumulative);
  }
  cumulative += m.step_latency_buckets.back();
  fmt::format_to(it, "lusifer_env_step_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  fmt::format_to(it, "lusifer_env_step_latency_seconds_sum {}\n",
                 static_cast<double>(m.step_latency_sum_ns) / 1e9);
  fmt::format_to(it, "lusifer_env_step_latency_seconds_count {}\n", m.step_latency_count);
  return out;
}

}  // namespace lusifer::envserver
