// The mock LLM server over loopback, seen through lusifer's own HTTP client
// and protocol parsers: success bodies, errors, limits, cached tokens,
// streams, endpoints and counters.

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/llm/chat_response.hpp"
#include "engine/llm/chat_stream.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/failure_classification.hpp"
#include "engine/llm/rate_limit_headers.hpp"
#include "engine/sim/answer_schema.hpp"
#include "tests/mock/mock_test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;
using namespace std::chrono_literals;
using mock::ChatOutcome;
using mock::MockLlmOptions;
using nlohmann::json;

namespace {

llm::ChatResponse parse_ok(const HttpResult& r) {
  INFO(r.error_message << " " << r.body);
  REQUIRE(r.ok());
  REQUIRE(r.status == 200);
  llm::ChatResponseParser parser;
  llm::ChatResponse response;
  const auto result = parser.parse(r.body, response);
  INFO(result.reason);
  REQUIRE(result.ok());
  return response;
}

llm::FailureClassification classify(const HttpResult& r) {
  REQUIRE(r.ok());
  return llm::classify_http_failure(r.status, llm::parse_error_body(r.body), r.headers.fields());
}

llm::RateLimitHeaders hints(const HttpResult& r) {
  return llm::parse_rate_limit_headers(r.headers.fields(), std::chrono::system_clock::now());
}

llm::ChatRequest rating_request(std::vector<ExternalId> items) {
  auto r = simple_request("Rate these movies as this person would. Answer in JSON.");
  r.response_format = llm::ResponseFormat::json_schema("lusifer_rate_items",
                                                       rating_answer_schema(items, RatingScale{}));
  r.max_output_tokens = 50 + 100 * static_cast<std::int64_t>(items.size());
  r.temperature = 0.0;
  r.seed = 7;
  return r;
}

}  // namespace

TEST_CASE("a success body is OpenAI's, field for field", "[mock][server]") {
  MockHarness h({});
  const auto request = rating_request({5, 9, 42});
  const auto r = h.post(body_of(request));
  const auto response = parse_ok(r);
  CHECK(response.id.starts_with("chatcmpl-"));
  CHECK(response.model == "gpt-4o-mini");
  CHECK(response.system_fingerprint.starts_with("fp_"));
  CHECK(response.finish_reason == llm::FinishReason::kStop);
  CHECK_FALSE(response.refusal);
  REQUIRE(response.has_usage);
  CHECK(response.usage.prompt_tokens > 0);
  CHECK(response.usage.completion_tokens > 0);
  CHECK(response.usage.total_tokens ==
        response.usage.prompt_tokens + response.usage.completion_tokens);
  CHECK(response.usage.cached_prompt_tokens == 0);
  const json content = json::parse(response.content);
  for (const char* key : {"item_5", "item_9", "item_42"}) {
    REQUIRE(content.contains(key));
    CHECK(content[key]["rating"].is_number_integer());
  }

  CHECK(r.headers.find("content-type") == "application/json");
  CHECK(r.headers.find("x-request-id").value_or("").starts_with("req_"));
  CHECK(r.headers.find("openai-processing-ms") == "0");
  CHECK_FALSE(r.headers.find("x-ratelimit-limit-requests"));  // no limits configured

  // Member order and the fields the parser skips.
  const json body = json::parse(r.body);
  const json ordered = json::parse(r.body);
  CHECK(r.body.find(R"({"id":"chatcmpl-)") == 0);
  CHECK(r.body.find(R"(,"object":"chat.completion","created":)") != std::string::npos);
  CHECK(r.body.find(R"("message":{"role":"assistant","content":)") != std::string::npos);
  CHECK(
      r.body.find(R"(,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"})") !=
      std::string::npos);
  CHECK(r.body.find(R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0})") !=
        std::string::npos);
  CHECK(
      r.body.find(
          R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0})") !=
      std::string::npos);
  CHECK(r.body.find(R"(,"service_tier":"default","system_fingerprint":"fp_)") != std::string::npos);
  CHECK(std::abs(body["created"].get<std::int64_t>() -
                 std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count()) < 60);
  CHECK(ordered["choices"].size() == 1);

  // The same request gets the same answer (as at temperature 0), a new id.
  const auto again = parse_ok(h.post(body_of(request)));
  CHECK(again.content == response.content);
  CHECK(again.id != response.id);
}

TEST_CASE("vLLM and llama.cpp personalities answer in their own shapes", "[mock][server]") {
  for (const auto personality : {mock::Personality::kVllm, mock::Personality::kLlamaCpp}) {
    MockLlmOptions o;
    o.personality = personality;
    MockHarness h(o);
    auto profile = llm::default_backend_profile(personality == mock::Personality::kVllm
                                                    ? llm::BackendKind::kVllm
                                                    : llm::BackendKind::kLlamaCpp);
    const auto r = h.post(body_of(rating_request({1}), profile));
    const auto response = parse_ok(r);
    CHECK(json::parse(response.content).contains("item_1"));
    const json body = json::parse(r.body);
    if (personality == mock::Personality::kVllm) {
      CHECK(body["system_fingerprint"].is_null());
      CHECK(body["choices"][0]["stop_reason"].is_null());
      CHECK(body["usage"]["prompt_tokens_details"].is_null());
      CHECK_FALSE(body.contains("service_tier"));
    } else {
      CHECK(body.contains("timings"));
      CHECK_FALSE(body["usage"].contains("prompt_tokens_details"));
    }
    // Their error shapes.
    const auto bad = h.post(R"({"model":"m","messages":[]})");
    REQUIRE(bad.ok());
    CHECK(bad.status == 400);
    const auto error = llm::parse_error_body(bad.body);
    CHECK(error.numeric_code == 400);
    CHECK(error.shape == (personality == mock::Personality::kVllm ? llm::ErrorBodyShape::kFlat
                                                                  : llm::ErrorBodyShape::kNested));
  }
}

TEST_CASE("max tokens cut the answer with finish_reason length", "[mock][server]") {
  MockHarness h({});
  auto request = simple_request("Tell me a long story.");
  request.max_output_tokens = 4;
  const auto response = parse_ok(h.post(body_of(request)));
  CHECK(response.truncated());
  CHECK(response.usage.completion_tokens <= 4);
  CHECK(response.usage.completion_tokens > 0);
  CHECK(llm::classify_unusable_answer(response).reason == llm::FailureReason::kOutputTruncated);

  // Stop sequences end the answer early, with finish_reason stop.
  const std::string body =
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me a story."}],"stop":["."]})";
  const auto stopped = parse_ok(h.post(body));
  CHECK(stopped.finish_reason == llm::FinishReason::kStop);
  CHECK(stopped.content.find('.') == std::string::npos);
}

TEST_CASE("n choices when the server allows them", "[mock][server]") {
  MockLlmOptions o;
  o.allow_n = true;
  MockHarness h(o);
  auto request = rating_request({3, 4});
  request.n = 3;
  auto profile = openai_profile();
  profile.supports_n = true;
  const auto r = h.post(body_of(request, profile));
  parse_ok(r);
  const json body = json::parse(r.body);
  REQUIRE(body["choices"].size() == 3);
  std::int64_t completion = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(body["choices"][i]["index"] == i);
    const json content = json::parse(body["choices"][i]["message"]["content"].get<std::string>());
    CHECK(content.contains("item_3"));
    CHECK(content.contains("item_4"));
  }
  completion = body["usage"]["completion_tokens"];
  CHECK(completion > 0);
  CHECK(body["choices"][0]["message"]["content"] != body["choices"][1]["message"]["content"]);
}

TEST_CASE("a streamed answer is server-sent events the client reassembles", "[mock][server]") {
  MockHarness h({});
  auto request = rating_request({11, 12});
  request.stream = true;
  const auto r = h.post(body_of(request));
  REQUIRE(r.ok());
  REQUIRE(r.status == 200);
  CHECK(r.headers.find("content-type").value_or("").starts_with("text/event-stream"));
  CHECK(r.body.ends_with("data: [DONE]\n\n"));
  llm::ChatStreamAccumulator stream;
  // Fed in awkward pieces, as the network would.
  for (std::size_t i = 0; i < r.body.size(); i += 7)
    REQUIRE(stream.feed(std::string_view(r.body).substr(i, 7)).ok());
  CHECK(stream.done());
  CHECK(stream.usage_seen());
  llm::ChatResponse response;
  REQUIRE(stream.finish(response).ok());
  CHECK(response.has_usage);
  const json content = json::parse(response.content);
  CHECK(content.contains("item_11"));
  CHECK(content.contains("item_12"));
  CHECK(response.finish_reason == llm::FinishReason::kStop);
  CHECK(response.usage.completion_tokens > 0);
  const auto counters = h.server().counters();
  CHECK(counters.streamed == 1);
  CHECK(counters.completion_tokens == static_cast<std::uint64_t>(response.usage.completion_tokens));
}

TEST_CASE("invalid requests get OpenAI's 400s, which the client treats as terminal",
          "[mock][server]") {
  MockHarness h({});
  const auto r = h.post(
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"temperature":5})");
  REQUIRE(r.ok());
  CHECK(r.status == 400);
  const auto error = llm::parse_error_body(r.body);
  CHECK(error.type == "invalid_request_error");
  CHECK(error.param == "temperature");
  CHECK(error.code == "decimal_above_max_value");
  const auto c = classify(r);
  CHECK(c.disposition == llm::FailureDisposition::kTerminal);
  CHECK(c.reason == llm::FailureReason::kBadRequest);
  CHECK(r.headers.find("x-request-id"));

  CHECK(h.post("not json").status == 400);
  const auto counters = h.server().counters();
  CHECK(counters.outcome(ChatOutcome::kInvalidRequest) == 2);
  CHECK(counters.chat_requests == 2);
}

TEST_CASE("a prompt beyond the context window is context_length_exceeded", "[mock][server]") {
  MockLlmOptions o;
  o.context_window = 100;
  MockHarness h(o);
  std::string words;
  for (int i = 0; i < 120; ++i)
    words += " word";
  const auto r = h.post(body_of(simple_request(words)));
  REQUIRE(r.ok());
  CHECK(r.status == 400);
  const auto error = llm::parse_error_body(r.body);
  CHECK(error.code == "context_length_exceeded");
  CHECK(error.message.starts_with("This model's maximum context length is 100 tokens."));
  CHECK(classify(r).reason == llm::FailureReason::kContextLengthExceeded);
  auto request = simple_request("short");
  request.max_output_tokens = 95;
  const auto asked = h.post(body_of(request));
  CHECK(asked.status == 400);
  CHECK(llm::parse_error_body(asked.body).message.find("in the completion") != std::string::npos);
}

TEST_CASE("the bearer token is checked, with OpenAI's 401 bodies", "[mock][server]") {
  MockLlmOptions o;
  o.bearer_token = "mock-secret-token-123";
  MockHarness h(o);
  const auto missing = h.post(body_of(simple_request()));
  REQUIRE(missing.ok());
  CHECK(missing.status == 401);
  CHECK(llm::parse_error_body(missing.body).message.starts_with("You didn't provide an API key."));
  CHECK(classify(missing).reason == llm::FailureReason::kAuthentication);

  auto wrong = h.request("/v1/chat/completions", body_of(simple_request()));
  wrong.headers.add("Authorization", "Bearer not-the-token");
  const auto bad = h.client().send_and_wait(wrong);
  CHECK(bad.status == 401);
  CHECK(llm::parse_error_body(bad.body).code == "invalid_api_key");
  CHECK(bad.body.find("not-the-token") == std::string::npos);  // keys are never echoed

  auto right = h.request("/v1/chat/completions", body_of(simple_request()));
  right.headers.add("Authorization", "Bearer mock-secret-token-123");
  CHECK(h.client().send_and_wait(right).status == 200);
  // Azure's header.
  auto azure = h.request("/openai/deployments/gpt4/chat/completions?api-version=2024-10-21",
                         body_of(simple_request()));
  azure.headers.add("api-key", "mock-secret-token-123");
  CHECK(h.client().send_and_wait(azure).status == 200);
  // Health needs no token; metrics do.
  CHECK(h.get("/healthz").status == 200);
  CHECK(h.get("/metrics").status == 401);
  CHECK(h.server().counters().outcome(ChatOutcome::kUnauthorized) == 2);
}

TEST_CASE("endpoints, paths and methods", "[mock][server]") {
  MockLlmOptions o;
  o.models = {"gpt-4o-mini", "gpt-4o"};
  o.reject_unknown_models = true;
  MockHarness h(o);
  CHECK(h.post(body_of(simple_request()), "/chat/completions").status == 200);
  const auto azure =
      h.post(R"({"messages":[{"role":"user","content":"hi"}]})",
             "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21");
  CHECK(parse_ok(azure).model == "my-deployment");
  const auto no_version =
      h.post(body_of(simple_request()), "/openai/deployments/d/chat/completions");
  CHECK(no_version.status == 404);
  CHECK(classify(no_version).reason == llm::FailureReason::kNotFound);

  auto unknown = simple_request();
  unknown.model = "gpt-5-imaginary";
  const auto r = h.post(body_of(unknown));
  CHECK(r.status == 404);
  CHECK(llm::parse_error_body(r.body).code == "model_not_found");
  CHECK(llm::parse_error_body(r.body).message ==
        "The model `gpt-5-imaginary` does not exist or you do not have access to it.");

  const auto models = h.get("/v1/models");
  REQUIRE(models.status == 200);
  const json list = json::parse(models.body);
  CHECK(list["object"] == "list");
  REQUIRE(list["data"].size() == 2);
  CHECK(list["data"][1]["id"] == "gpt-4o");
  CHECK(list["data"][0]["object"] == "model");
  CHECK(json::parse(h.get("/v1/models/gpt-4o").body)["id"] == "gpt-4o");
  CHECK(h.get("/v1/models/nope").status == 404);

  const auto nowhere = h.get("/v1/nothing");
  CHECK(nowhere.status == 404);
  CHECK(llm::parse_error_body(nowhere.body).message == "Invalid URL (GET /v1/nothing)");
  CHECK(h.get("/v1/chat/completions").status == 405);
  CHECK(h.post("{}", "/v1/models").status == 405);
  CHECK(json::parse(h.get("/healthz").body)["status"] == "ok");
  const json counters = json::parse(h.get("/counters").body);
  CHECK(counters["outcomes"]["success"] == 2);
  CHECK(counters["outcomes"]["not_found"] == 2);
  CHECK(counters["chat_requests"] == 5);
}

TEST_CASE("RPM limits answer 429 with OpenAI's body and headers", "[mock][server][limits]") {
  FakeClock clock;
  MockLlmOptions o;
  o.limits.requests_per_minute = 3;
  o.clock = clock.function();
  MockHarness h(o);
  const std::string body = body_of(simple_request());
  for (int i = 0; i < 3; ++i) {
    const auto r = h.post(body);
    REQUIRE(r.status == 200);
    const auto hint = hints(r);
    CHECK(hint.malformed == 0);
    CHECK(hint.limit_requests == 3);
    CHECK(hint.remaining_requests == 2 - i);
    CHECK(hint.reset_requests == llm::HintDuration(20s * (i + 1)));
  }
  const auto limited = h.post(body);
  REQUIRE(limited.status == 429);
  const auto error = llm::parse_error_body(limited.body);
  CHECK(error.type == "requests");
  CHECK(error.code == "rate_limit_exceeded");
  CHECK(error.message ==
        "Rate limit reached for gpt-4o-mini in organization org-mock on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.");
  CHECK(llm::retry_hint_from_message(error.message) == llm::HintDuration(20s));
  const auto c = classify(limited);
  CHECK(c.disposition == llm::FailureDisposition::kRetry);
  CHECK(c.reason == llm::FailureReason::kRateLimitedRequests);
  const auto hint = hints(limited);
  CHECK(hint.retry_after == llm::HintDuration(20s));
  CHECK(limited.headers.find("retry-after") == "20");
  CHECK(hint.remaining_requests == 0);
  CHECK(hint.reset_requests == llm::HintDuration(60s));

  clock.advance(19s);
  CHECK(h.post(body).status == 429);
  clock.advance(1s);
  CHECK(h.post(body).status == 200);
  const auto counters = h.server().counters();
  CHECK(counters.limited(mock::LimitHit::kRequests) == 2);
  CHECK(counters.outcome(ChatOutcome::kRateLimited) == 2);
  CHECK(counters.outcome(ChatOutcome::kSuccess) == 4);
}

TEST_CASE("TPM limits count the prompt estimate and the max tokens asked",
          "[mock][server][limits]") {
  FakeClock clock;
  MockLlmOptions o;
  o.limits.tokens_per_minute = 1000;
  o.clock = clock.function();
  MockHarness h(o);
  auto request = simple_request("Hello there.");
  request.max_output_tokens = 400;
  // The client's own estimate is what the server charges.
  const std::int64_t prompt = 3 + (4 + 7) + (4 + 3);  // 28 and 12 bytes
  const std::int64_t cost = prompt + 400;
  const std::string body = body_of(request);
  auto r = h.post(body);
  REQUIRE(r.status == 200);
  CHECK(hints(r).limit_tokens == 1000);
  CHECK(hints(r).remaining_tokens == 1000 - cost);
  r = h.post(body);
  REQUIRE(r.status == 200);
  CHECK(hints(r).remaining_tokens == 1000 - 2 * cost);
  r = h.post(body);
  REQUIRE(r.status == 429);
  const auto error = llm::parse_error_body(r.body);
  CHECK(error.type == "tokens");
  CHECK(error.message.find(fmt::format(
            "on tokens per min (TPM): Limit 1000, Used {}, Requested {}.", 2 * cost, cost)) !=
        std::string::npos);
  CHECK(classify(r).reason == llm::FailureReason::kRateLimitedTokens);
  // The wait is until `cost` tokens are there again: 1000 per minute.
  const auto wait = std::chrono::nanoseconds((cost - (1000 - 2 * cost)) * 60'000'000'000LL / 1000);
  CHECK(hints(r).retry_after ==
        llm::HintDuration(std::chrono::ceil<std::chrono::milliseconds>(wait)));

  // A request above the whole limit can never run: terminal, no Retry-After.
  request.max_output_tokens = 2000;
  r = h.post(body_of(request));
  REQUIRE(r.status == 429);
  CHECK(llm::parse_error_body(r.body).message.starts_with(
      "Request too large for gpt-4o-mini in organization org-mock on tokens per min (TPM): Limit "
      "1000, Requested"));
  const auto c = classify(r);
  CHECK(c.disposition == llm::FailureDisposition::kTerminal);
  CHECK(c.reason == llm::FailureReason::kRequestTooLargeForTpm);
  CHECK_FALSE(r.headers.find("retry-after"));
  const auto counters = h.server().counters();
  CHECK(counters.limited(mock::LimitHit::kTokens) == 1);
  CHECK(counters.limited(mock::LimitHit::kTooLarge) == 1);
}

TEST_CASE("long prompts seen recently report cached tokens in 128-token steps",
          "[mock][server][cache]") {
  MockHarness h({});
  std::string words;
  for (int i = 0; i < 1400; ++i)
    words += " word";
  auto request = simple_request(words + " first question");
  const auto first = parse_ok(h.post(body_of(request)));
  CHECK(first.usage.cached_prompt_tokens == 0);
  const auto second = parse_ok(h.post(body_of(request)));
  const auto cached = second.usage.cached_prompt_tokens;
  CHECK(cached >= 1024);
  CHECK(cached % 128 == 0);
  CHECK(cached <= second.usage.prompt_tokens);
  CHECK(second.usage.prompt_tokens - cached < 128 + 3);
  // The same long prefix with another ending still hits the prefix.
  request.messages.back().content = words + " another question entirely";
  const auto third = parse_ok(h.post(body_of(request)));
  CHECK(third.usage.cached_prompt_tokens >= 1024);
  CHECK(third.usage.cached_prompt_tokens <= cached);
  // A short prompt never does.
  const auto short_one = parse_ok(h.post(body_of(simple_request())));
  CHECK(short_one.usage.cached_prompt_tokens == 0);
  CHECK(h.server().counters().cached_tokens ==
        static_cast<std::uint64_t>(cached + third.usage.cached_prompt_tokens));
}

TEST_CASE("simulated latency is served by timers and reported", "[mock][server][latency]") {
  MockLlmOptions o;
  o.latency.distribution = mock::LatencyDistribution::kFixed;
  o.latency.fixed = 40ms;
  HttpClientOptions client_options;
  client_options.max_connections_per_origin = 300;
  MockHarness h(o, client_options);
  const auto one = h.post(body_of(simple_request()));
  REQUIRE(one.status == 200);
  CHECK(one.headers.find("openai-processing-ms") == "40");

  // Many answers wait at once without holding a thread each.
  Results results;
  const std::string body = body_of(simple_request());
  for (int i = 0; i < 300; ++i)
    h.client().send(h.request("/v1/chat/completions", body), results.callback());
  const auto all = results.wait_for(300, 60s);
  REQUIRE(all.size() == 300);
  for (const auto& r : all) {
    REQUIRE(r.ok());
    CHECK(r.status == 200);
  }
  const auto counters = h.server().counters();
  CHECK(counters.latency_count == 301);
  CHECK(counters.latency_sum_ns == std::uint64_t{301} * 40'000'000u);
  // 40 ms falls in the 0.05 s bucket.
  CHECK(counters.latency_buckets[4] == 301);
}

TEST_CASE("/metrics agrees with what the client saw", "[mock][server][metrics]") {
  FakeClock clock;
  MockLlmOptions o;
  o.limits.requests_per_minute = 8;
  o.clock = clock.function();
  MockHarness h(o);
  std::int64_t prompt = 0;
  std::int64_t completion = 0;
  std::uint64_t response_bytes = 0;
  std::uint64_t request_bytes = 0;
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    const auto body = body_of(rating_request({static_cast<ExternalId>(i + 1)}));
    request_bytes += body.size();
    const auto r = h.post(body);
    REQUIRE(r.ok());
    response_bytes += r.body.size();
    if (r.status == 200) {
      const auto response = parse_ok(r);
      prompt += response.usage.prompt_tokens;
      completion += response.usage.completion_tokens;
      ++ok;
    } else {
      CHECK(r.status == 429);
      ++limited;
    }
  }
  const std::string invalid = R"({"model":"m"})";
  request_bytes += invalid.size();
  const auto bad = h.post(invalid);
  response_bytes += bad.body.size();
  CHECK(ok == 8);
  CHECK(limited == 2);

  const auto metrics = h.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.headers.find("content-type").value_or("").starts_with("text/plain; version=0.0.4"));
  const std::string& text = metrics.body;
  const auto value = [&](const std::string& name) -> double {
    const auto at = text.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stod(text.substr(at + name.size() + 2));
  };
  CHECK(value("mock_llm_chat_requests_total") == 11);
  CHECK(value(R"(mock_llm_chat_outcomes_total{outcome="success"})") == 8);
  CHECK(value(R"(mock_llm_chat_outcomes_total{outcome="rate_limited"})") == 2);
  CHECK(value(R"(mock_llm_chat_outcomes_total{outcome="invalid_request"})") == 1);
  CHECK(value(R"(mock_llm_rate_limited_total{limit="requests"})") == 2);
  CHECK(value("mock_llm_prompt_tokens_total") == static_cast<double>(prompt));
  CHECK(value("mock_llm_completion_tokens_total") == static_cast<double>(completion));
  CHECK(value("mock_llm_request_bytes_total") == static_cast<double>(request_bytes));
  CHECK(value("mock_llm_response_bytes_total") == static_cast<double>(response_bytes));
  CHECK(value(R"(mock_llm_latency_seconds_bucket{le="+Inf"})") == 8);
  CHECK(text.find("# TYPE mock_llm_latency_seconds histogram") != std::string::npos);
  CHECK(value("mock_llm_connections_accepted_total") >= 1);

  const auto c = h.server().counters();
  std::uint64_t outcomes = 0;
  for (const auto n : c.outcomes)
    outcomes += n;
  CHECK(outcomes == c.chat_requests);
  CHECK(c.http_requests == 12);  // 11 chats and /metrics
  CHECK(h.server().metrics_text().find("mock_llm_http_requests_total 12") != std::string::npos);
}

TEST_CASE("the server's lifecycle", "[mock][server]") {
  mock::MockLlmServer server({});
  CHECK_FALSE(server.running());
  CHECK(server.port() == 0);
  CHECK(server.base_url().empty());
  const auto port = server.start();
  CHECK(port != 0);
  CHECK(server.running());
  CHECK(server.api_base_url() == "http://127.0.0.1:" + std::to_string(port) + "/v1");
  CHECK_THROWS_AS(server.start(), std::logic_error);
  server.stop();
  CHECK_FALSE(server.running());
  server.stop();  // twice is fine

  MockLlmOptions bad;
  bad.models.clear();
  CHECK_THROWS_AS(mock::MockLlmServer(bad), std::invalid_argument);
  MockLlmOptions exposed;
  exposed.bind_address = "0.0.0.0";
  mock::MockLlmServer open_server(exposed);
  CHECK_THROWS_AS(open_server.start(), std::invalid_argument);  // no token off loopback
}
