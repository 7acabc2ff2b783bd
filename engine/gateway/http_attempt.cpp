#include "engine/gateway/http_attempt.hpp"

#include <fmt/format.h>

#include "engine/llm/backend_quirks.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/rate_limit_headers.hpp"
#include "engine/llm/request_fingerprint.hpp"
#include "engine/llm/token_estimate.hpp"

namespace lusifer {
namespace {

using llm::FailureReason;

llm::TransportFailure transport_failure(const HttpResult& http) {
  switch (http.error) {
    case HttpError::kInvalidRequest:
      return llm::TransportFailure::kInvalidRequest;
    case HttpError::kResolveFailed:
      return llm::TransportFailure::kResolveFailed;
    case HttpError::kConnectFailed:
      return llm::TransportFailure::kConnectFailed;
    case HttpError::kTlsError:
      return llm::TransportFailure::kTlsFailure;
    case HttpError::kTimeout:
      return http.request_sent ? llm::TransportFailure::kResponseTimeout
                               : llm::TransportFailure::kConnectTimeout;
    case HttpError::kConnectionReset:
      return llm::TransportFailure::kConnectionReset;
    case HttpError::kMalformedResponse:
      return llm::TransportFailure::kMalformedResponse;
    case HttpError::kResponseTooLarge:
      return llm::TransportFailure::kResponseTooLarge;
    case HttpError::kOverloaded:
      return llm::TransportFailure::kClientOverloaded;
    case HttpError::kCancelled:
    case HttpError::kNone:
      break;
  }
  return llm::TransportFailure::kCancelled;
}

limits::ServerRateHints to_hints(const llm::RateLimitHeaders& h) {
  limits::ServerRateHints hints;
  hints.limit_requests = h.limit_requests;
  hints.limit_tokens = h.limit_tokens;
  hints.remaining_requests = h.remaining_requests;
  hints.remaining_tokens = h.remaining_tokens;
  if (h.reset_requests)
    hints.reset_requests = std::chrono::duration_cast<limits::Duration>(*h.reset_requests);
  if (h.reset_tokens)
    hints.reset_tokens = std::chrono::duration_cast<limits::Duration>(*h.reset_tokens);
  if (h.retry_after)
    hints.retry_after = std::chrono::duration_cast<limits::Duration>(*h.retry_after);
  return hints;
}

limits::TokenUsage to_usage(const llm::TokenUsage& u) {
  return limits::TokenUsage{u.prompt_tokens, u.completion_tokens, u.cached_prompt_tokens};
}

}  // namespace

HttpRequest endpoint_request(const GatewaySettings& settings, std::string_view api_key) {
  HttpRequest http;
  http.method = HttpMethod::kPost;
  http.url = llm::chat_completions_url(settings.profile);
  http.headers.set("Content-Type", "application/json");
  if (const auto auth = llm::auth_header(settings.profile, api_key)) {
    http.headers.set(auth->name, auth->value);
  }
  http.timeout = settings.request_timeout;
  return http;
}

PreparedCall prepare_call(const LlmTask& task, const TaskCodec& codec,
                          const GatewaySettings& settings, std::optional<std::int64_t> seed,
                          bool with_cache_key) {
  PreparedCall call;
  call.request = codec.render(task);
  call.request.model = settings.model;
  call.request.temperature = settings.temperature;
  // The codec knows how long an answer to this task can be; the setting is the fallback.
  if (!call.request.max_output_tokens)
    call.request.max_output_tokens = settings.max_output_tokens;
  if (settings.send_seed)
    call.request.seed = seed;
  if (!settings.json_schema &&
      call.request.response_format.kind() == llm::ResponseFormat::Kind::kJsonSchema) {
    call.request.response_format = llm::ResponseFormat::json_object();
  }
  if (with_cache_key)
    call.cache_key = llm::request_fingerprint(settings.profile, call.request).hex();
  call.estimated_tokens = llm::estimate_tokens_to_reserve(call.request, settings.max_output_tokens);
  call.body =
      std::make_shared<const std::string>(llm::chat_request_body(call.request, settings.profile));
  return call;
}

HttpRequest attempt_request(const HttpRequest& endpoint, const PreparedCall& call,
                            std::string idempotency_key) {
  HttpRequest request = endpoint;
  request.shared_body = call.body;
  request.headers.set("Idempotency-Key", std::move(idempotency_key));
  return request;
}

AttemptOutcome outcome_of(const llm::FailureClassification& failure) noexcept {
  switch (failure.reason) {
    case FailureReason::kRateLimitedRequests:
    case FailureReason::kRateLimitedTokens:
    case FailureReason::kRateLimited:
      return AttemptOutcome::kThrottled;
    case FailureReason::kQuotaExhausted:
      return AttemptOutcome::kQuotaExhausted;
    case FailureReason::kServiceUnavailable:
    case FailureReason::kServerOverloaded:
    case FailureReason::kModelLoading:
    case FailureReason::kGatewayTimeout:
    case FailureReason::kResponseTimeout:
    case FailureReason::kConnectTimeout:
      return AttemptOutcome::kOverloaded;
    case FailureReason::kCancelled:
    case FailureReason::kInvalidRequest:
    case FailureReason::kClientOverloaded:
      return AttemptOutcome::kNotCounted;
    default:
      return AttemptOutcome::kFailure;
  }
}

AttemptResult interpret_http_result(HttpResult http, const PreparedCall& call,
                                    const GatewaySettings& settings,
                                    llm::ChatResponseParser& parser,
                                    std::chrono::system_clock::time_point now) {
  AttemptResult r;
  r.report.latency = std::chrono::duration_cast<limits::Duration>(http.timings.total);
  r.report.model = settings.model;
  const auto fail = [&](llm::FailureClassification failure, std::string detail) {
    r.failure = failure;
    r.failure_detail = std::move(detail);
    r.report.outcome = outcome_of(failure);
    r.report.error_class = std::string(llm::failure_reason_name(failure.reason));
  };

  if (!http.ok()) {
    fail(llm::classify_transport_failure(transport_failure(http)),
         fmt::format("{}: {}", http_error_name(http.error), http.error_message));
    r.report.may_have_been_billed = http.request_sent && http.error == HttpError::kTimeout;
    return r;
  }
  const llm::HeaderList headers(http.headers.fields());
  const auto rate_headers = llm::parse_rate_limit_headers(headers, now);
  r.report.hints = to_hints(rate_headers);
  r.server_delay = r.report.hints.retry_after;
  if (http.status < 200 || http.status >= 300) {
    const auto error = llm::parse_error_body(http.body);
    auto failure = llm::classify_http_failure(http.status, error, headers);
    if (!r.server_delay && http.status == 429) {
      // "Please try again in 644ms": the message is the only hint some servers give.
      if (const auto hint = llm::retry_hint_from_message(error.message)) {
        r.server_delay = std::chrono::duration_cast<limits::Duration>(*hint);
      }
    }
    fail(failure, fmt::format("HTTP {}: {}", http.status, error.summary()));
    return r;
  }
  const auto parsed = parser.parse(http.body, r.response);
  if (!parsed) {
    // An error object delivered with a 2xx status says what went wrong in its own words.
    const auto failure =
        parsed.defect == llm::ResponseDefect::kErrorObject
            ? llm::classify_http_failure(http.status, llm::parse_error_body(http.body), headers)
            : llm::classify_response_defect(parsed.defect);
    fail(failure, parsed.reason);
    r.report.may_have_been_billed = parsed.defect != llm::ResponseDefect::kErrorObject;
    return r;
  }
  if (r.response.has_usage) {
    llm::TokenUsage usage = r.response.usage;
    const std::int64_t estimated_prompt = llm::estimate_prompt_tokens(call.request);
    usage.prompt_tokens =
        llm::prompt_tokens_for_accounting(settings.profile, usage, estimated_prompt);
    r.report.usage = to_usage(usage);
    const auto window =
        llm::check_context_window(settings.profile, r.response.usage, estimated_prompt);
    r.context_warning = window.warning;
  } else {
    r.report.may_have_been_billed = true;
  }
  if (r.response.truncated() || r.response.refusal) {
    const auto failure = llm::classify_unusable_answer(r.response);
    if (failure.disposition != llm::FailureDisposition::kReask || r.response.refusal) {
      fail(failure, fmt::format("unusable answer ({})", llm::failure_reason_name(failure.reason)));
      return r;
    }
  }
  r.answered = true;
  r.body = std::move(http.body);
  r.report.outcome = AttemptOutcome::kSuccess;
  return r;
}

}  // namespace lusifer
