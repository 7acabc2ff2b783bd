#include "engine/llm/failure_classification.hpp"

#include "engine/llm/ascii_text.hpp"

namespace lusifer::llm {
namespace {

using D = FailureDisposition;
using R = FailureReason;

constexpr FailureClassification make(D disposition, R reason) noexcept {
  return {disposition, reason, false};
}

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) noexcept {
  for (const auto needle : needles) {
    if (ascii_icontains(text, needle))
      return true;
  }
  return false;
}

bool code_or_type_is(const ErrorBody& body,
                     std::initializer_list<std::string_view> names) noexcept {
  for (const auto name : names) {
    if (ascii_iequals(body.code, name) || ascii_iequals(body.type, name))
      return true;
  }
  return false;
}

bool is_quota_exhausted(const ErrorBody& body) noexcept {
  return code_or_type_is(body, {"insufficient_quota", "credit_balance_exhausted",
                                "billing_hard_limit_reached", "billing_not_active"}) ||
         contains_any(body.message, {"exceeded your current quota", "insufficient_quota",
                                     "credit balance", "billing hard limit"});
}

bool is_context_length_error(const ErrorBody& body) noexcept {
  return code_or_type_is(body, {"context_length_exceeded", "exceed_context_size_error",
                                "model_context_window_exceeded"}) ||
         is_context_length_message(body.message);
}

bool is_rate_limit_error(const ErrorBody& body) noexcept {
  return code_or_type_is(body, {"rate_limit_exceeded", "rate_limit_error", "tokens", "requests"}) ||
         contains_any(body.message, {"rate limit"});
}

FailureClassification classify_429(const ErrorBody& body) noexcept {
  if (is_quota_exhausted(body))
    return make(D::kTerminal, R::kQuotaExhausted);
  // "Request too large for gpt-4o in organization ... on tokens per min (TPM):
  // Limit 30000, Requested 31538": waiting never makes it fit.
  if (ascii_icontains(body.message, "request too large")) {
    return make(D::kTerminal, R::kRequestTooLargeForTpm);
  }
  if (ascii_iequals(body.type, "tokens") ||
      contains_any(body.message, {"tokens per min", "(tpm)", "tokens per day", "(tpd)"})) {
    return make(D::kRetry, R::kRateLimitedTokens);
  }
  if (ascii_iequals(body.type, "requests") ||
      contains_any(body.message, {"requests per min", "(rpm)", "requests per day", "(rpd)"})) {
    return make(D::kRetry, R::kRateLimitedRequests);
  }
  return make(D::kRetry, R::kRateLimited);
}

FailureClassification classify_5xx(int status, const ErrorBody& body) noexcept {
  if (ascii_icontains(body.message, "loading model"))
    return make(D::kRetry, R::kModelLoading);
  if (status == 529 ||
      contains_any(body.message, {"server busy", "maximum pending requests", "overloaded"})) {
    return make(D::kRetry, R::kServerOverloaded);
  }
  switch (status) {
    case 502:
      return make(D::kRetry, R::kBadGateway);
    case 503:
      return make(D::kRetry, R::kServiceUnavailable);
    case 504:
      return make(D::kRetry, R::kGatewayTimeout);
    default:
      return make(D::kRetry, R::kServerError);
  }
}

FailureClassification classify_status(int status, const ErrorBody& body) noexcept {
  if (status == 429)
    return classify_429(body);
  if (status >= 500 && status <= 599)
    return classify_5xx(status, body);
  if (status >= 400 && status <= 499) {
    if (status == 408)
      return make(D::kRetry, R::kRequestTimeout);
    if (status == 409)
      return make(D::kRetry, R::kConflict);
    if (is_context_length_error(body))
      return make(D::kTerminal, R::kContextLengthExceeded);
    if (is_quota_exhausted(body))
      return make(D::kTerminal, R::kQuotaExhausted);
    switch (status) {
      case 400:
        return make(D::kTerminal, R::kBadRequest);
      case 401:
        return make(D::kTerminal, R::kAuthentication);
      case 403:
        return make(D::kTerminal, R::kPermissionDenied);
      case 404:
        return make(D::kTerminal, R::kNotFound);
      case 413:
        return make(D::kTerminal, R::kPayloadTooLarge);
      case 422:
        return make(D::kTerminal, R::kUnprocessable);
      default:
        return make(D::kTerminal, R::kOtherClientError);
    }
  }
  return make(D::kTerminal, R::kUnexpectedStatus);
}

// The status an error object inside a 2xx body stands for, or 0.
int status_of_embedded_error(const ErrorBody& body) noexcept {
  if (body.numeric_code && *body.numeric_code >= 400 && *body.numeric_code <= 599) {
    return static_cast<int>(*body.numeric_code);
  }
  if (is_quota_exhausted(body) || is_rate_limit_error(body))
    return 429;
  if (is_context_length_error(body))
    return 400;
  return 0;
}

}  // namespace

std::string_view failure_disposition_name(FailureDisposition disposition) noexcept {
  switch (disposition) {
    case D::kRetry:
      return "retry";
    case D::kReask:
      return "reask";
    case D::kTerminal:
      return "terminal";
  }
  return "terminal";
}

std::string_view failure_reason_name(FailureReason reason) noexcept {
  switch (reason) {
    case R::kRateLimitedRequests:
      return "rate_limited_requests";
    case R::kRateLimitedTokens:
      return "rate_limited_tokens";
    case R::kRateLimited:
      return "rate_limited";
    case R::kQuotaExhausted:
      return "quota_exhausted";
    case R::kRequestTooLargeForTpm:
      return "request_too_large_for_tpm";
    case R::kContextLengthExceeded:
      return "context_length_exceeded";
    case R::kBadRequest:
      return "bad_request";
    case R::kAuthentication:
      return "authentication";
    case R::kPermissionDenied:
      return "permission_denied";
    case R::kNotFound:
      return "not_found";
    case R::kRequestTimeout:
      return "request_timeout";
    case R::kConflict:
      return "conflict";
    case R::kPayloadTooLarge:
      return "payload_too_large";
    case R::kUnprocessable:
      return "unprocessable";
    case R::kOtherClientError:
      return "other_client_error";
    case R::kServerError:
      return "server_error";
    case R::kBadGateway:
      return "bad_gateway";
    case R::kServiceUnavailable:
      return "service_unavailable";
    case R::kGatewayTimeout:
      return "gateway_timeout";
    case R::kModelLoading:
      return "model_loading";
    case R::kServerOverloaded:
      return "server_overloaded";
    case R::kUnexpectedStatus:
      return "unexpected_status";
    case R::kMalformedSuccessBody:
      return "malformed_success_body";
    case R::kRefusal:
      return "refusal";
    case R::kContentFiltered:
      return "content_filtered";
    case R::kOutputTruncated:
      return "output_truncated";
    case R::kIncompleteStream:
      return "incomplete_stream";
    case R::kInvalidRequest:
      return "invalid_request";
    case R::kResolveFailed:
      return "resolve_failed";
    case R::kConnectFailed:
      return "connect_failed";
    case R::kConnectTimeout:
      return "connect_timeout";
    case R::kTlsFailure:
      return "tls_failure";
    case R::kClientOverloaded:
      return "client_overloaded";
    case R::kConnectionReset:
      return "connection_reset";
    case R::kResponseTimeout:
      return "response_timeout";
    case R::kMalformedResponse:
      return "malformed_response";
    case R::kResponseTooLarge:
      return "response_too_large";
    case R::kTruncatedBody:
      return "truncated_body";
    case R::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string_view transport_failure_name(TransportFailure failure) noexcept {
  return failure_reason_name(classify_transport_failure(failure).reason);
}

bool is_context_length_message(std::string_view message) noexcept {
  return contains_any(
      message, {"maximum context length", "context_length_exceeded", "context length exceeded",
                "context window", "exceed_context_size", "available context size",
                "maximum model length", "max_context_length", "prompt is too long",
                "input is too long", "reduce the length of the messages"});
}

std::optional<bool> should_retry_header(HeaderList headers) noexcept {
  const auto value = find_header(headers, "x-should-retry");
  if (!value)
    return std::nullopt;
  if (ascii_iequals(*value, "true"))
    return true;
  if (ascii_iequals(*value, "false"))
    return false;
  return std::nullopt;
}

FailureClassification classify_http_failure(int status, const ErrorBody& body,
                                            HeaderList headers) noexcept {
  if (status >= 200 && status <= 299) {
    status = status_of_embedded_error(body);
    if (status == 0)
      return make(D::kReask, R::kMalformedSuccessBody);
  }
  FailureClassification result = classify_status(status, body);
  if (const auto header = should_retry_header(headers)) {
    const D wanted = *header ? D::kRetry : D::kTerminal;
    if (wanted != result.disposition) {
      result.disposition = wanted;
      result.decided_by_header = true;
    }
  }
  return result;
}

FailureClassification classify_transport_failure(TransportFailure failure) noexcept {
  using T = TransportFailure;
  switch (failure) {
    case T::kInvalidRequest:
      return make(D::kTerminal, R::kInvalidRequest);
    case T::kResolveFailed:
      return make(D::kRetry, R::kResolveFailed);
    case T::kConnectFailed:
      return make(D::kRetry, R::kConnectFailed);
    case T::kConnectTimeout:
      return make(D::kRetry, R::kConnectTimeout);
    case T::kTlsFailure:
      return make(D::kTerminal, R::kTlsFailure);
    case T::kClientOverloaded:
      return make(D::kRetry, R::kClientOverloaded);
    case T::kConnectionReset:
      return make(D::kRetry, R::kConnectionReset);
    case T::kResponseTimeout:
      return make(D::kRetry, R::kResponseTimeout);
    case T::kMalformedResponse:
      return make(D::kRetry, R::kMalformedResponse);
    case T::kResponseTooLarge:
      return make(D::kTerminal, R::kResponseTooLarge);
    case T::kTruncatedBody:
      return make(D::kRetry, R::kTruncatedBody);
    case T::kCancelled:
      return make(D::kTerminal, R::kCancelled);
  }
  return make(D::kTerminal, R::kUnexpectedStatus);
}

FailureClassification classify_response_defect(ResponseDefect defect) noexcept {
  switch (defect) {
    case ResponseDefect::kRefusal:
      return make(D::kTerminal, R::kRefusal);
    case ResponseDefect::kIncompleteStream:
      return make(D::kRetry, R::kIncompleteStream);
    case ResponseDefect::kTooLarge:
      return make(D::kTerminal, R::kResponseTooLarge);
    default:
      return make(D::kReask, R::kMalformedSuccessBody);
  }
}

FailureClassification classify_unusable_answer(const ChatResponse& response) noexcept {
  switch (response.finish_reason) {
    case FinishReason::kContentFilter:
      return make(D::kTerminal, R::kContentFiltered);
    case FinishReason::kLength:
      return make(D::kReask, R::kOutputTruncated);
    default:
      return make(D::kReask, R::kMalformedSuccessBody);
  }
}

}  // namespace lusifer::llm
