#pragma once

// One HTTP attempt at a chat completion, from the prepared request to what
// its result means for the gateway: a usable answer, a failure to retry, an
// answer to re-ask, or a terminal error; and what it tells the shared
// admission state (usage, rate-limit hints, outcome).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/gateway/gateway_settings.hpp"
#include "engine/gateway/shared_admission.hpp"
#include "engine/gateway/task_codec.hpp"
#include "engine/http/http_client.hpp"
#include "engine/llm/chat_response.hpp"
#include "engine/llm/failure_classification.hpp"

namespace lusifer {

// A task rendered for the endpoint: what every attempt and the cache need.
struct PreparedCall {
  llm::ChatRequest request;
  std::string cache_key;  // hex fingerprint: endpoint, model, messages, parameters (or empty)
  std::int64_t estimated_tokens = 0;  // prompt estimate + max output, for TPM
  // The rendered body, shared by every attempt of the call (attempt_request).
  std::shared_ptr<const std::string> body;
};

// What every call to the settings' endpoint sends alike: the method, the
// chat-completions URL, the content type and the authentication (`api_key`
// may be empty for local servers). Built once per endpoint and copied into
// each call, so that calls do not rebuild the URL and headers.
HttpRequest endpoint_request(const GatewaySettings& settings, std::string_view api_key);

// Renders `task` and completes it with the settings' model and sampling
// parameters. The cache key (a hash of the canonical request) is computed
// only when `with_cache_key`: without a cache or a call log nobody reads it.
PreparedCall prepare_call(const LlmTask& task, const TaskCodec& codec,
                          const GatewaySettings& settings, std::optional<std::int64_t> seed,
                          bool with_cache_key = true);

// One attempt of `call`: `endpoint` (from endpoint_request for the settings
// the call was prepared with) with the call's shared body and its
// Idempotency-Key. Every transport retry of one logical call carries the
// same key, so a server that honours it never runs (and bills) one
// generation twice.
HttpRequest attempt_request(const HttpRequest& endpoint, const PreparedCall& call,
                            std::string idempotency_key);

struct AttemptResult {
  bool answered = false;  // a usable chat response arrived (its content may still be bad)
  llm::ChatResponse response;
  std::string body;  // the raw body of an answered attempt, for the cache
  std::optional<llm::FailureClassification> failure;  // set when !answered
  std::string failure_detail;                         // one line, for logs and errors
  std::optional<limits::Duration> server_delay;       // Retry-After, when sent
  AttemptReport report;                               // for SharedAdmission::finish
  // Set for answers close to an Ollama num_ctx truncation.
  std::string context_warning;
};

// Interprets an HTTP result (taken by value: an answered body moves into the
// result). `parser` is reused for speed (one per thread).
AttemptResult interpret_http_result(HttpResult http, const PreparedCall& call,
                                    const GatewaySettings& settings,
                                    llm::ChatResponseParser& parser,
                                    std::chrono::system_clock::time_point now);

// The outcome the shared admission state should learn from a failure.
AttemptOutcome outcome_of(const llm::FailureClassification& failure) noexcept;

}  // namespace lusifer
