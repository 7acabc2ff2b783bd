#pragma once

// Deciding what a failed chat-completions attempt means: try again later,
// ask again, or give up; and why, in one of a fixed set of reasons for
// "errors by class" accounting.
//
// Dispositions:
//   kRetry     transient: send the same request again after a backoff
//              (honouring Retry-After where given).
//   kReask     the server answered (HTTP 2xx) but the answer is unusable;
//              asking again may give a usable one. The failed answer was
//              billed, so re-asks must be bounded and counted.
//   kTerminal  asking again cannot help (bad request, auth, quota, too large
//              for the context or the TPM limit, ...).
//
// Rules, from the wire-protocol notes and openai-python's retry policy:
//   408, 409, 429 (rate limit), 5xx             -> retry
//   429 insufficient_quota / credit_balance_exhausted / billing_hard_limit_reached /
//       billing_not_active, or "exceeded your current quota"        -> terminal (quota)
//   429 "Request too large ... tokens per min (TPM)" (same rate_limit_exceeded
//       code as a retryable 429; told apart by the message)           -> terminal
//   any 4xx with context_length_exceeded or a context-length message
//       (OpenAI, vLLM, llama.cpp phrasings)                           -> terminal
//   400, 401, 403, 404, 413, 422, other 4xx                          -> terminal
//   503 "Loading model" (llama.cpp), "server busy ... maximum pending requests"
//       (Ollama's full queue), 529 or "overloaded"                   -> retry, own reasons
//   1xx/3xx (redirects are not followed)                             -> terminal
//   x-should-retry: true|false overrides the status-based decision (the reason
//   is kept), as openai-python does.
//   Transport: DNS or connect failure, connect/response timeout, reset,
//   malformed HTTP, truncated body, our own pool being full -> retry; an
//   invalid request, a TLS failure (certificates, protocol) and a response
//   over our size limit -> terminal, since they repeat identically; a
//   cancellation -> terminal.
//   2xx with an unusable body -> reask, except a refusal or a content
//   filter, which repeat for the same prompt -> terminal, and a stream cut
//   before [DONE] -> retry (like a truncated body) or an oversized one ->
//   terminal.
//
// The magnitude of Retry-After is not judged here: whether a long wait is
// worth it is the retry policy's call. Pure functions; thread-safe.

#include <optional>
#include <string_view>

#include "engine/llm/chat_response.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/header_field.hpp"

namespace lusifer::llm {

enum class FailureDisposition { kRetry, kReask, kTerminal };

// "retry", "reask", "terminal".
std::string_view failure_disposition_name(FailureDisposition disposition) noexcept;

enum class FailureReason {
  // HTTP 429
  kRateLimitedRequests,    // RPM/RPD exhausted
  kRateLimitedTokens,      // TPM/TPD exhausted
  kRateLimited,            // 429 that does not say which
  kQuotaExhausted,         // billing quota or credit: terminal
  kRequestTooLargeForTpm,  // one request exceeds the whole TPM budget: terminal
  // Other 4xx
  kContextLengthExceeded,
  kBadRequest,        // 400
  kAuthentication,    // 401
  kPermissionDenied,  // 403
  kNotFound,          // 404 (often an unknown model or wrong base URL)
  kRequestTimeout,    // 408
  kConflict,          // 409
  kPayloadTooLarge,   // 413
  kUnprocessable,     // 422
  kOtherClientError,  // any other 4xx
  // 5xx
  kServerError,         // 500 and 5xx without a reason of their own
  kBadGateway,          // 502
  kServiceUnavailable,  // 503
  kGatewayTimeout,      // 504
  kModelLoading,        // llama.cpp's 503 "Loading model"
  kServerOverloaded,    // Ollama's full queue, 529, "overloaded"
  // Other statuses
  kUnexpectedStatus,  // 1xx, 3xx, or outside 100-599
  // A 2xx whose body is not a usable answer
  kMalformedSuccessBody,  // unparseable or incomplete JSON, missing fields
  kRefusal,
  kContentFiltered,
  kOutputTruncated,   // finish_reason "length" and the content could not be used
  kIncompleteStream,  // a streamed answer ended before [DONE]
  // Transport
  kInvalidRequest,
  kResolveFailed,
  kConnectFailed,
  kConnectTimeout,
  kTlsFailure,
  kClientOverloaded,
  kConnectionReset,
  kResponseTimeout,
  kMalformedResponse,
  kResponseTooLarge,
  kTruncatedBody,
  kCancelled,
};

// snake_case names for accounting: "rate_limited_tokens", "context_length_exceeded", ...
std::string_view failure_reason_name(FailureReason reason) noexcept;

// What the HTTP layer reports when no (complete) response arrived.
enum class TransportFailure {
  kInvalidRequest,     // bad URL, header or method: nothing was sent
  kResolveFailed,      // DNS resolution failed: nothing was sent
  kConnectFailed,      // refused, unreachable: nothing was sent
  kConnectTimeout,     // no connection in time: nothing was sent
  kTlsFailure,         // handshake or certificate failure
  kClientOverloaded,   // our own connection pool's queue was full: nothing was sent
  kConnectionReset,    // reset or closed by the peer before the response was complete
  kResponseTimeout,    // sent, but no complete response in time (may be billed)
  kMalformedResponse,  // the bytes were not valid HTTP
  kResponseTooLarge,   // the response exceeded our size limit
  kTruncatedBody,      // fewer body bytes than the framing promised
  kCancelled,          // the caller cancelled the attempt
};

std::string_view transport_failure_name(TransportFailure failure) noexcept;

struct FailureClassification {
  FailureDisposition disposition = FailureDisposition::kTerminal;
  FailureReason reason = FailureReason::kUnexpectedStatus;
  bool decided_by_header = false;  // x-should-retry overrode the status rule

  bool should_retry() const noexcept { return disposition == FailureDisposition::kRetry; }
};

// An HTTP response with a non-2xx status, its parsed body and its headers.
// A 2xx status is accepted too, for an error object inside a success body
// (ResponseDefect::kErrorObject): the error's numeric code is used as the
// status when it is one (400-599), otherwise it is a malformed success body.
FailureClassification classify_http_failure(int status, const ErrorBody& body,
                                            HeaderList headers) noexcept;

FailureClassification classify_transport_failure(TransportFailure failure) noexcept;

// A 2xx whose body the ChatResponseParser rejected.
FailureClassification classify_response_defect(ResponseDefect defect) noexcept;

// A 2xx that parsed but whose content the caller could not use (it expected
// JSON of some shape, say): truncated output, a content filter, or plain
// unusable text.
FailureClassification classify_unusable_answer(const ChatResponse& response) noexcept;

// x-should-retry as a decision; nullopt when absent or neither true nor false.
std::optional<bool> should_retry_header(HeaderList headers) noexcept;

// True when an error message says the prompt does not fit the model's
// context window (OpenAI, vLLM, llama.cpp and common proxy phrasings).
bool is_context_length_message(std::string_view message) noexcept;

}  // namespace lusifer::llm
