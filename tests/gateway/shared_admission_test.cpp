#include <catch2/catch.hpp>

#include "engine/gateway/shared_admission.hpp"

using namespace lusifer;
using namespace std::chrono_literals;

namespace {

GatewaySettings settings_with(std::optional<std::int64_t> rpm, std::optional<std::int64_t> tpm) {
  GatewaySettings s;
  s.uses_llm = true;
  s.model = "m";
  s.rate.requests_per_minute = rpm;
  s.rate.tokens_per_minute = tpm;
  s.concurrency.initial_limit = 2;
  s.concurrency.min_limit = 1;
  s.concurrency.max_limit = 4;
  return s;
}

const limits::TimePoint t0{std::chrono::seconds(1000)};

}  // namespace

TEST_CASE("the buckets start empty: the first request waits for the refill", "[admission]") {
  SharedAdmission a(settings_with(60, std::nullopt), t0);
  auto d = a.try_admit(100, TaskPriority::kInteractive, t0, [] {});
  CHECK(d.status == AdmitStatus::kWaitUntil);
  CHECK(d.retry_at == t0 + 1s);  // 60 per minute: one per second
  d = a.try_admit(100, TaskPriority::kInteractive, t0 + 1s, [] {});
  CHECK(d.status == AdmitStatus::kAdmitted);
}

TEST_CASE("unknown limits use the adaptive concurrency limit and wake waiters", "[admission]") {
  SharedAdmission a(settings_with(std::nullopt, std::nullopt), t0);
  const auto p1 = a.try_admit(10, TaskPriority::kInteractive, t0, [] {});
  const auto p2 = a.try_admit(10, TaskPriority::kInteractive, t0, [] {});
  REQUIRE(p1.status == AdmitStatus::kAdmitted);
  REQUIRE(p2.status == AdmitStatus::kAdmitted);
  int woken = 0;
  const auto p3 = a.try_admit(10, TaskPriority::kInteractive, t0, [&] { ++woken; });
  CHECK(p3.status == AdmitStatus::kWaitForCapacity);
  AttemptReport ok;
  ok.usage = limits::TokenUsage{8, 2, 0};
  a.finish(p1.permit, ok, t0 + 10ms);
  CHECK(woken == 1);
  CHECK(a.snapshot(t0).in_flight == 1);
}

TEST_CASE("bulk work yields to waiting interactive work", "[admission]") {
  SharedAdmission a(settings_with(std::nullopt, std::nullopt), t0);
  a.add_waiting_interactive(1);
  int woken = 0;
  CHECK(a.try_admit(10, TaskPriority::kBulk, t0, [&] { ++woken; }).status ==
        AdmitStatus::kWaitForCapacity);
  CHECK(a.try_admit(10, TaskPriority::kInteractive, t0, [] {}).status == AdmitStatus::kAdmitted);
  a.add_waiting_interactive(-1);
  CHECK(woken == 1);
  CHECK(a.try_admit(10, TaskPriority::kBulk, t0, [] {}).status == AdmitStatus::kAdmitted);
}

TEST_CASE("Retry-After pauses the whole pool", "[admission]") {
  SharedAdmission a(settings_with(std::nullopt, std::nullopt), t0);
  const auto p = a.try_admit(10, TaskPriority::kInteractive, t0, [] {});
  AttemptReport throttled;
  throttled.outcome = AttemptOutcome::kThrottled;
  throttled.hints.retry_after = std::chrono::seconds(3);
  throttled.error_class = "rate_limited";
  a.finish(p.permit, throttled, t0);
  const auto d = a.try_admit(10, TaskPriority::kInteractive, t0 + 1s, [] {});
  CHECK(d.status == AdmitStatus::kWaitUntil);
  CHECK(d.retry_at == t0 + 3s);
  CHECK(a.snapshot(t0).errors.at("rate_limited") == 1);
}

TEST_CASE("a request larger than the TPM limit never fits", "[admission]") {
  SharedAdmission a(settings_with(std::nullopt, 1000), t0);
  const auto d = a.try_admit(5000, TaskPriority::kInteractive, t0, [] {});
  CHECK(d.status == AdmitStatus::kNeverFits);
  CHECK_FALSE(d.reason.empty());
}

TEST_CASE("the budget cap refuses work before it would be passed", "[admission]") {
  auto s = settings_with(std::nullopt, std::nullopt);
  s.max_output_tokens = 1'000;
  s.prices.set("m", limits::ModelPrice{1.0, std::nullopt, 1.0});  // $1 per million tokens
  s.budget_usd = 0.0025;                                         // room for two 1,250-token calls
  s.concurrency.initial_limit = 4;
  SharedAdmission a(s, t0);
  const auto p1 = a.try_admit(250, TaskPriority::kInteractive, t0, [] {});
  REQUIRE(p1.status == AdmitStatus::kAdmitted);
  const auto p2 = a.try_admit(250, TaskPriority::kInteractive, t0, [] {});
  REQUIRE(p2.status == AdmitStatus::kAdmitted);
  const auto p3 = a.try_admit(250, TaskPriority::kInteractive, t0, [] {});
  CHECK(p3.status == AdmitStatus::kBudgetExhausted);
  CHECK_THAT(p3.reason, Catch::Contains("budget"));
}

TEST_CASE("a quota error opens the breaker at once", "[admission]") {
  SharedAdmission a(settings_with(std::nullopt, std::nullopt), t0);
  const auto p = a.try_admit(10, TaskPriority::kInteractive, t0, [] {});
  AttemptReport quota;
  quota.outcome = AttemptOutcome::kQuotaExhausted;
  a.finish(p.permit, quota, t0);
  CHECK(a.try_admit(10, TaskPriority::kInteractive, t0 + 1s, [] {}).status ==
        AdmitStatus::kBreakerOpen);
  CHECK(a.snapshot(t0 + 1s).breaker == limits::BreakerState::kOpen);
}
