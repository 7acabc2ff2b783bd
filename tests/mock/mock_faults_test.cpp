// Injected faults over loopback: each kind as the client's classification
// sees it, and seeded fault rates that hold statistically and repeat.

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/llm/chat_response.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/failure_classification.hpp"
#include "engine/llm/rate_limit_headers.hpp"
#include "engine/sim/answer_json.hpp"
#include "engine/sim/answer_schema.hpp"
#include "tests/mock/mock_test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;
using namespace std::chrono_literals;
using mock::FaultKind;
using mock::MockLlmOptions;

namespace {

MockLlmOptions always(FaultKind kind) {
  MockLlmOptions o;
  o.faults[kind] = 1.0;
  o.fault_retry_after = 1500ms;
  o.max_hang = 2s;
  return o;
}

std::string rating_body() {
  auto r = simple_request("Rate the movies. Answer in JSON.");
  const std::vector<ExternalId> items = {1, 2, 3, 4};
  r.response_format =
      llm::ResponseFormat::json_schema("lusifer_rate_items", rating_answer_schema(items, {}));
  r.max_output_tokens = 450;
  return body_of(r);
}

llm::FailureClassification classify(const HttpResult& r) {
  REQUIRE(r.ok());
  return llm::classify_http_failure(r.status, llm::parse_error_body(r.body), r.headers.fields());
}

// A fresh connection per request, so that no reset can be taken for a stale
// keep-alive connection (which the client would quietly re-send).
HttpResult post_fresh(MockHarness& h, const std::string& body) {
  auto request = h.request("/v1/chat/completions", body);
  request.headers.add("Connection", "close");
  return h.client().send_and_wait(request);
}

}  // namespace

TEST_CASE("rate_limit faults are retryable 429s with Retry-After", "[mock][faults]") {
  MockHarness h(always(FaultKind::kRateLimit));
  const auto r = h.post(rating_body());
  REQUIRE(r.ok());
  CHECK(r.status == 429);
  const auto c = classify(r);
  CHECK(c.disposition == llm::FailureDisposition::kRetry);
  CHECK(c.reason == llm::FailureReason::kRateLimitedRequests);
  const auto hints =
      llm::parse_rate_limit_headers(r.headers.fields(), std::chrono::system_clock::now());
  CHECK(hints.retry_after == llm::HintDuration(1500ms));
  CHECK(hints.remaining_requests == 0);
  CHECK(r.headers.find("retry-after") == "2");
  CHECK(llm::parse_error_body(r.body).message.find("Please try again in 1.5s.") !=
        std::string::npos);
  CHECK(h.server().counters().fault(FaultKind::kRateLimit) == 1);
}

TEST_CASE("error-status faults are classified as the client expects", "[mock][faults]") {
  struct Case {
    FaultKind kind;
    int status;
    llm::FailureDisposition disposition;
    llm::FailureReason reason;
  };
  for (const Case& c : {
           Case{FaultKind::kInsufficientQuota, 429, llm::FailureDisposition::kTerminal,
                llm::FailureReason::kQuotaExhausted},
           Case{FaultKind::kServerError, 500, llm::FailureDisposition::kRetry,
                llm::FailureReason::kServerError},
           Case{FaultKind::kOverloaded, 503, llm::FailureDisposition::kRetry,
                llm::FailureReason::kServerOverloaded},
           Case{FaultKind::kModelLoading, 503, llm::FailureDisposition::kRetry,
                llm::FailureReason::kModelLoading},
       }) {
    INFO(mock::fault_kind_name(c.kind));
    MockHarness h(always(c.kind));
    const auto r = h.post(rating_body());
    REQUIRE(r.ok());
    CHECK(r.status == c.status);
    const auto got = classify(r);
    CHECK(got.disposition == c.disposition);
    CHECK(got.reason == c.reason);
    const auto counters = h.server().counters();
    CHECK(counters.fault(c.kind) == 1);
    CHECK(counters.outcome(mock::ChatOutcome::kFault) == 1);
  }
  MockHarness quota(always(FaultKind::kInsufficientQuota));
  const auto body = llm::parse_error_body(quota.post(rating_body()).body);
  CHECK(body.code == "insufficient_quota");
  CHECK(
      body.message.starts_with("You exceeded your current quota, please check your plan and "
                               "billing details."));
  MockHarness loading(always(FaultKind::kModelLoading));
  CHECK(loading.post(rating_body()).body ==
        R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
}

TEST_CASE("connection resets, hangs and truncated bodies are transport failures",
          "[mock][faults]") {
  {
    MockHarness h(always(FaultKind::kConnectionReset));
    const auto r = post_fresh(h, rating_body());
    CHECK(r.error == HttpError::kConnectionReset);
    CHECK(llm::classify_transport_failure(llm::TransportFailure::kConnectionReset).should_retry());
    CHECK(h.server().counters().fault(FaultKind::kConnectionReset) >= 1);
  }
  {
    MockHarness h(always(FaultKind::kHang));
    auto request = h.request("/v1/chat/completions", rating_body());
    request.timeout = 300ms;
    const auto r = h.client().send_and_wait(request);
    CHECK(r.error == HttpError::kTimeout);
    CHECK(r.request_sent);
    CHECK(llm::classify_transport_failure(llm::TransportFailure::kResponseTimeout).should_retry());
    CHECK(h.server().counters().fault(FaultKind::kHang) == 1);
  }
  {
    MockHarness h(always(FaultKind::kTruncatedBody));
    const auto r = post_fresh(h, rating_body());
    CHECK(r.error == HttpError::kConnectionReset);
    CHECK(r.error_message.find("before the response was complete") != std::string::npos);
    CHECK(h.server().counters().fault(FaultKind::kTruncatedBody) == 1);
  }
}

TEST_CASE("a reset after the latency is not mistaken for a stale keep-alive connection",
          "[mock][faults]") {
  MockLlmOptions o = always(FaultKind::kConnectionReset);
  o.latency.distribution = mock::LatencyDistribution::kFixed;
  o.latency.fixed = 150ms;
  MockHarness h(o);
  // A pooled connection first, so that the chat request goes out on a reused one.
  REQUIRE(h.get("/healthz").status == 200);
  const auto r = h.post(rating_body());
  CHECK(r.error == HttpError::kConnectionReset);
  CHECK(r.reused_connection);
  CHECK_FALSE(r.resent);  // the client did not take it for an idle close
  CHECK(h.server().counters().fault(FaultKind::kConnectionReset) == 1);

  // The same holds for a body cut short after the latency.
  MockLlmOptions t = always(FaultKind::kTruncatedBody);
  t.latency = o.latency;
  MockHarness ht(t);
  REQUIRE(ht.get("/healthz").status == 200);
  const auto cut = ht.post(rating_body());
  CHECK(cut.error == HttpError::kConnectionReset);
  CHECK_FALSE(cut.resent);
}

TEST_CASE("malformed and wrong answers are re-asked", "[mock][faults]") {
  {
    MockHarness h(always(FaultKind::kMalformedJson));
    const auto r = h.post(rating_body());
    REQUIRE(r.ok());
    CHECK(r.status == 200);
    llm::ChatResponseParser parser;
    llm::ChatResponse response;
    const auto result = parser.parse(r.body, response);
    CHECK(result.defect == llm::ResponseDefect::kMalformedJson);
    CHECK(llm::classify_response_defect(result.defect).disposition ==
          llm::FailureDisposition::kReask);
  }
  {
    MockHarness h(always(FaultKind::kWrongContent));
    int prose = 0;
    int missing = 0;
    for (int i = 0; i < 40; ++i) {
      // Distinct bodies: the content is seeded by the body.
      auto r = simple_request("Rate the movies. Answer in JSON. Request " + std::to_string(i));
      const std::vector<ExternalId> items = {1, 2, 3, 4};
      r.response_format =
          llm::ResponseFormat::json_schema("lusifer_rate_items", rating_answer_schema(items, {}));
      const auto result = h.post(body_of(r));
      REQUIRE(result.status == 200);
      llm::ChatResponseParser parser;
      llm::ChatResponse response;
      REQUIRE(parser.parse(result.body, response).ok());
      CHECK(llm::classify_unusable_answer(response).disposition == llm::FailureDisposition::kReask);
      const auto extracted = extract_answer_json(response.content);
      if (!extracted.found()) {
        ++prose;
      } else {
        const auto json = nlohmann::json::parse(extracted.json);
        CHECK(json.size() < 4);
        CHECK(json.size() >= 2);
        ++missing;
      }
      CHECK(response.usage.completion_tokens > 0);
    }
    CHECK(prose > 0);
    CHECK(missing > 0);
    const auto counters = h.server().counters();
    CHECK(counters.fault(FaultKind::kWrongContent) == 40);
    CHECK(counters.outcome(mock::ChatOutcome::kSuccess) == 40);
  }
}

namespace {

// The statuses of `n` sequential requests to a fresh server.
std::vector<int> statuses(const MockLlmOptions& options, int n) {
  MockHarness h(options);
  std::vector<int> out;
  const auto body = rating_body();
  for (int i = 0; i < n; ++i) {
    const auto r = h.post(body);
    out.push_back(r.ok() ? r.status : -static_cast<int>(r.error));
  }
  return out;
}

}  // namespace

TEST_CASE("fault rates hold statistically and repeat for a seed", "[mock][faults]") {
  MockLlmOptions o;
  o.seed = 1234;
  o.faults[FaultKind::kServerError] = 0.10;
  o.faults[FaultKind::kRateLimit] = 0.05;
  o.faults[FaultKind::kMalformedJson] = 0.05;
  o.faults.all = 0.0;
  constexpr int kRequests = 1500;
  MockHarness h(o);
  const auto body = rating_body();
  int server_errors = 0;
  int rate_limited = 0;
  int malformed = 0;
  int fine = 0;
  llm::ChatResponseParser parser;
  for (int i = 0; i < kRequests; ++i) {
    const auto r = h.post(body);
    REQUIRE(r.ok());
    if (r.status == 500) {
      ++server_errors;
    } else if (r.status == 429) {
      ++rate_limited;
    } else {
      REQUIRE(r.status == 200);
      llm::ChatResponse response;
      if (parser.parse(r.body, response).ok()) {
        ++fine;
      } else {
        ++malformed;
      }
    }
  }
  const auto near = [](int count, double p) {
    const double sd = std::sqrt(kRequests * p * (1 - p));
    return std::abs(count - kRequests * p) <= 4 * sd;
  };
  CHECK(near(server_errors, 0.10));
  CHECK(near(rate_limited, 0.05));
  CHECK(near(malformed, 0.05));
  CHECK(near(fine, 0.80));
  // The server counted what the client saw.
  const auto c = h.server().counters();
  CHECK(c.fault(FaultKind::kServerError) == static_cast<std::uint64_t>(server_errors));
  CHECK(c.fault(FaultKind::kRateLimit) == static_cast<std::uint64_t>(rate_limited));
  CHECK(c.fault(FaultKind::kMalformedJson) == static_cast<std::uint64_t>(malformed));
  CHECK(c.outcome(mock::ChatOutcome::kSuccess) == static_cast<std::uint64_t>(fine));

  // The same seed and order give the same faults; another seed does not.
  MockLlmOptions spread;
  spread.seed = 99;
  // Without hangs and resets, so that each request gets an HTTP answer quickly.
  for (const auto kind :
       {FaultKind::kRateLimit, FaultKind::kServerError, FaultKind::kOverloaded,
        FaultKind::kInsufficientQuota, FaultKind::kMalformedJson, FaultKind::kWrongContent})
    spread.faults[kind] = 0.05;
  const auto a = statuses(spread, 200);
  const auto b = statuses(spread, 200);
  CHECK(a == b);
  spread.seed = 100;
  CHECK(statuses(spread, 200) != a);
}
