#include "engine/llm/failure_classification.hpp"

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace lusifer::llm;
using D = FailureDisposition;
using R = FailureReason;

namespace {

struct Case {
  const char* name;
  int status;
  std::string body;
  D disposition;
  R reason;
};

FailureClassification classify(int status, std::string_view body,
                               std::vector<HeaderField> headers = {}) {
  return classify_http_failure(status, parse_error_body(body), headers);
}

}  // namespace

TEST_CASE("HTTP failures are classified by status, body and message", "[llm][classify]") {
  const std::vector<Case> cases = {
      {"429 tokens", 429,
       R"({"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per )"
       R"(min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms.",)"
       R"("type":"tokens","param":null,"code":"rate_limit_exceeded"}})",
       D::kRetry, R::kRateLimitedTokens},
      {"429 requests", 429,
       R"({"error":{"message":"Rate limit reached for gpt-4o in organization org-x on requests )"
       R"(per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.",)"
       R"("type":"requests","param":null,"code":"rate_limit_exceeded"}})",
       D::kRetry, R::kRateLimitedRequests},
      {"429 requests per day, by message only", 429,
       R"({"error":{"message":"Rate limit reached for gpt-4 on requests per day (RPD): Limit 200",)"
       R"("type":"","code":"rate_limit_exceeded"}})",
       D::kRetry, R::kRateLimitedRequests},
      {"429 without details", 429, "", D::kRetry, R::kRateLimited},
      {"429 insufficient_quota", 429,
       R"({"error":{"message":"You exceeded your current quota, please check your plan and )"
       R"(billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})",
       D::kTerminal, R::kQuotaExhausted},
      {"429 credit_balance_exhausted", 429,
       R"({"error":{"message":"Credit balance exhausted","code":"credit_balance_exhausted"}})",
       D::kTerminal, R::kQuotaExhausted},
      {"429 billing_hard_limit_reached", 429,
       R"({"error":{"message":"Billing hard limit has been reached","type":"invalid_request_error",)"
       R"("code":"billing_hard_limit_reached"}})",
       D::kTerminal, R::kQuotaExhausted},
      {"429 request too large for TPM", 429,
       R"({"error":{"message":"Request too large for gpt-4o in organization org-x on tokens per )"
       R"(min (TPM): Limit 30000, Requested 31538. The input or output tokens must be reduced in )"
       R"(order to run successfully. Visit https://platform.openai.com/account/rate-limits to )"
       R"(learn more.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})",
       D::kTerminal, R::kRequestTooLargeForTpm},
      {"400 context_length_exceeded code", 400,
       R"({"error":{"message":"This model's maximum context length is 128000 tokens. However, )"
       R"(your messages resulted in 130012 tokens. Please reduce the length of the messages.",)"
       R"("type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})",
       D::kTerminal, R::kContextLengthExceeded},
      {"400 vLLM context message, flat", 400,
       R"({"object":"error","message":"This model's maximum context length is 4096 tokens. )"
       R"(However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). )"
       R"(Please reduce the length of the messages or completion.","type":"BadRequestError",)"
       R"("param":null,"code":400})",
       D::kTerminal, R::kContextLengthExceeded},
      {"400 vLLM max model length", 400,
       R"({"error":{"message":"The decoder prompt (length 5000) is longer than the maximum model )"
       R"(length of 4096.","type":"BadRequestError","param":null,"code":400}})",
       D::kTerminal, R::kContextLengthExceeded},
      {"400 llama.cpp context size", 400,
       R"({"error":{"code":400,"message":"the request exceeds the available context size, try )"
       R"(increasing it","type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":8192}})",
       D::kTerminal, R::kContextLengthExceeded},
      {"400 plain", 400,
       R"({"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error",)"
       R"("param":"temperature","code":null}})",
       D::kTerminal, R::kBadRequest},
      {"401", 401,
       R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error",)"
       R"("code":"invalid_api_key"}})",
       D::kTerminal, R::kAuthentication},
      {"403", 403, R"({"error":{"message":"Country not supported"}})", D::kTerminal,
       R::kPermissionDenied},
      {"404 model", 404, R"({"error":{"message":"The model `gpt-9` does not exist"}})",
       D::kTerminal, R::kNotFound},
      {"404 ollama string", 404, R"({"error":"model \"llama9\" not found, try pulling it first"})",
       D::kTerminal, R::kNotFound},
      {"408", 408, "", D::kRetry, R::kRequestTimeout},
      {"409", 409, "", D::kRetry, R::kConflict},
      {"413", 413, "<html><title>413 Request Entity Too Large</title></html>", D::kTerminal,
       R::kPayloadTooLarge},
      {"422", 422, R"({"detail":[{"msg":"Field required"}]})", D::kTerminal, R::kUnprocessable},
      {"418", 418, "", D::kTerminal, R::kOtherClientError},
      {"500", 500,
       R"({"error":{"message":"The server had an error while processing your request."}})",
       D::kRetry, R::kServerError},
      {"502 html", 502, "<html><head><title>502 Bad Gateway</title></head></html>", D::kRetry,
       R::kBadGateway},
      {"503", 503, R"({"error":{"message":"The engine is currently overloaded"}})", D::kRetry,
       R::kServerOverloaded},
      {"503 plain", 503, "Service Unavailable", D::kRetry, R::kServiceUnavailable},
      {"503 llama.cpp loading", 503,
       R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})", D::kRetry,
       R::kModelLoading},
      {"503 ollama queue full", 503,
       R"({"error":"server busy, please try again.  maximum pending requests exceeded"})",
       D::kRetry, R::kServerOverloaded},
      {"504", 504, "", D::kRetry, R::kGatewayTimeout},
      {"529", 529, "", D::kRetry, R::kServerOverloaded},
      {"501", 501, "", D::kRetry, R::kServerError},
      {"301", 301, "", D::kTerminal, R::kUnexpectedStatus},
      {"100", 100, "", D::kTerminal, R::kUnexpectedStatus},
      {"0", 0, "", D::kTerminal, R::kUnexpectedStatus},
      {"700", 700, "", D::kTerminal, R::kUnexpectedStatus},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto result = classify(c.status, c.body);
    CHECK(failure_disposition_name(result.disposition) == failure_disposition_name(c.disposition));
    CHECK(failure_reason_name(result.reason) == failure_reason_name(c.reason));
    CHECK_FALSE(result.decided_by_header);
  }
}

TEST_CASE("x-should-retry overrides the status rule", "[llm][classify]") {
  const auto forced_retry =
      classify(400, R"({"error":{"message":"bad"}})", {{"X-Should-Retry", "true"}});
  CHECK(forced_retry.disposition == D::kRetry);
  CHECK(forced_retry.reason == R::kBadRequest);
  CHECK(forced_retry.decided_by_header);
  CHECK(forced_retry.should_retry());

  const auto forced_stop = classify(503, "", {{"x-should-retry", " false "}});
  CHECK(forced_stop.disposition == D::kTerminal);
  CHECK(forced_stop.reason == R::kServiceUnavailable);
  CHECK(forced_stop.decided_by_header);

  // Agreeing with the rule is not an override; garbage is ignored.
  const auto agree = classify(503, "", {{"x-should-retry", "true"}});
  CHECK(agree.should_retry());
  CHECK_FALSE(agree.decided_by_header);
  const auto garbage = classify(400, "", {{"x-should-retry", "maybe"}});
  CHECK(garbage.disposition == D::kTerminal);
  CHECK_FALSE(garbage.decided_by_header);

  const std::vector<HeaderField> none;
  CHECK_FALSE(should_retry_header(none));
  const std::vector<HeaderField> yes{{"Content-Type", "application/json"},
                                     {"X-SHOULD-RETRY", "TRUE"}};
  CHECK(should_retry_header(yes) == true);
}

TEST_CASE("error objects inside 2xx bodies", "[llm][classify]") {
  CHECK(classify(200, R"({"error":{"message":"Rate limit exceeded","code":429}})").reason ==
        R::kRateLimited);
  CHECK(classify(200, R"({"error":{"message":"x","code":502}})").reason == R::kBadGateway);
  CHECK(classify(200, R"({"error":{"message":"You exceeded your current quota"}})").reason ==
        R::kQuotaExhausted);
  CHECK(classify(200, R"({"error":{"message":"prompt is too long: 215000 tokens"}})").reason ==
        R::kContextLengthExceeded);
  const auto unknown = classify(200, R"({"error":{"message":"something odd"}})");
  CHECK(unknown.disposition == D::kReask);
  CHECK(unknown.reason == R::kMalformedSuccessBody);
}

TEST_CASE("transport failures", "[llm][classify]") {
  const std::vector<std::pair<TransportFailure, std::pair<D, R>>> table = {
      {TransportFailure::kInvalidRequest, {D::kTerminal, R::kInvalidRequest}},
      {TransportFailure::kResolveFailed, {D::kRetry, R::kResolveFailed}},
      {TransportFailure::kConnectFailed, {D::kRetry, R::kConnectFailed}},
      {TransportFailure::kConnectTimeout, {D::kRetry, R::kConnectTimeout}},
      {TransportFailure::kTlsFailure, {D::kTerminal, R::kTlsFailure}},
      {TransportFailure::kClientOverloaded, {D::kRetry, R::kClientOverloaded}},
      {TransportFailure::kConnectionReset, {D::kRetry, R::kConnectionReset}},
      {TransportFailure::kResponseTimeout, {D::kRetry, R::kResponseTimeout}},
      {TransportFailure::kMalformedResponse, {D::kRetry, R::kMalformedResponse}},
      {TransportFailure::kResponseTooLarge, {D::kTerminal, R::kResponseTooLarge}},
      {TransportFailure::kTruncatedBody, {D::kRetry, R::kTruncatedBody}},
      {TransportFailure::kCancelled, {D::kTerminal, R::kCancelled}},
  };
  for (const auto& [failure, expected] : table) {
    INFO(transport_failure_name(failure));
    const auto result = classify_transport_failure(failure);
    CHECK(result.disposition == expected.first);
    CHECK(result.reason == expected.second);
  }
}

TEST_CASE("unusable 2xx answers are re-asked, refusals and filters are not", "[llm][classify]") {
  CHECK(classify_response_defect(ResponseDefect::kMalformedJson).disposition == D::kReask);
  CHECK(classify_response_defect(ResponseDefect::kNullContent).reason == R::kMalformedSuccessBody);
  CHECK(classify_response_defect(ResponseDefect::kNoChoices).disposition == D::kReask);
  CHECK(classify_response_defect(ResponseDefect::kErrorObject).disposition == D::kReask);
  CHECK(classify_response_defect(ResponseDefect::kIncompleteStream).reason == R::kIncompleteStream);
  CHECK(classify_response_defect(ResponseDefect::kIncompleteStream).disposition == D::kRetry);
  CHECK(classify_response_defect(ResponseDefect::kTooLarge).reason == R::kResponseTooLarge);
  const auto refusal = classify_response_defect(ResponseDefect::kRefusal);
  CHECK(refusal.disposition == D::kTerminal);
  CHECK(refusal.reason == R::kRefusal);

  ChatResponse answer;
  answer.finish_reason = FinishReason::kLength;
  CHECK(classify_unusable_answer(answer).reason == R::kOutputTruncated);
  CHECK(classify_unusable_answer(answer).disposition == D::kReask);
  answer.finish_reason = FinishReason::kContentFilter;
  CHECK(classify_unusable_answer(answer).disposition == D::kTerminal);
  CHECK(classify_unusable_answer(answer).reason == R::kContentFiltered);
  answer.finish_reason = FinishReason::kStop;
  CHECK(classify_unusable_answer(answer).reason == R::kMalformedSuccessBody);
}

TEST_CASE("context-length phrasings are recognised, rate limits are not", "[llm][classify]") {
  for (const std::string_view message :
       {"This model's maximum context length is 8192 tokens. However, you requested 9100 tokens",
        "'max_tokens' or 'max_completion_tokens' is too large: 1000. This model's maximum context "
        "length is 4096 tokens and your request has 3500 input tokens (1000 > 4096 - 3500).",
        "the request exceeds the available context size, try increasing it",
        "The decoder prompt (length 5000) is longer than the maximum model length of 4096.",
        "prompt is too long: 215000 tokens > 200000 maximum",
        "Input is too long for requested model."}) {
    INFO(message);
    CHECK(is_context_length_message(message));
  }
  for (const std::string_view message :
       {"Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 31538.",
        "Rate limit reached for gpt-4o on requests per min (RPM)", "Loading model", ""}) {
    INFO(message);
    CHECK_FALSE(is_context_length_message(message));
  }
}

TEST_CASE("every reason has its own accounting name", "[llm][classify]") {
  std::set<std::string_view> names;
  const int last = static_cast<int>(R::kCancelled);  // the last reason
  for (int i = 0; i <= last; ++i) {
    const auto name = failure_reason_name(static_cast<R>(i));
    CHECK(name != "unknown");
    CHECK_FALSE(name.empty());
    names.insert(name);
  }
  CHECK(names.size() == static_cast<std::size_t>(last + 1));
  CHECK(failure_disposition_name(D::kReask) == "reask");
  CHECK(transport_failure_name(TransportFailure::kTlsFailure) == "tls_failure");
}
