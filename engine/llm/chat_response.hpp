#pragma once

// Reading a successful chat-completions body (HTTP 2xx) with simdjson
// On-Demand, in one pass over the top-level object.
//
// Extracted: id, model, system_fingerprint, the first choice's
// message.content, message.refusal and finish_reason, and usage (prompt,
// completion, total and cached prompt tokens). Everything else (vLLM's
// stop_reason, prompt_token_ids, metrics, reasoning fields, logprobs,
// service_tier...) is skipped.
//
// Failures are values, not exceptions: `parse` returns a ResponseDefect and a
// one-line reason, and leaves `out` unspecified. A body that is not a usable
// answer (malformed or truncated JSON, no choices, null content...) is always
// reported, never half-accepted. Lenient only where servers legitimately
// differ: null or absent id/model/system_fingerprint become empty; absent or
// null usage means "not reported" (zeros, has_usage false); inside usage a
// null count reads as 0, a missing total_tokens as prompt + completion, and
// absent or null prompt_tokens_details as 0 cached tokens.
//
// Not thread-safe: one ChatResponseParser per thread. It keeps its buffers
// between calls, so parsing a steady stream of bodies does not allocate
// once the buffers have grown (strings in a reused ChatResponse keep their
// capacity too).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer::llm {

enum class FinishReason {
  kStop,           // natural end or a stop sequence
  kLength,         // max tokens or context reached: the output is truncated
  kContentFilter,  // the provider withheld or cut the output
  kToolCalls,      // includes the legacy "function_call"
  kOther,          // a server-specific value (see finish_reason_text)
  kNotReported     // null or absent
};

// "stop", "length", "content_filter", "tool_calls", "other", "not_reported".
std::string_view finish_reason_name(FinishReason reason) noexcept;

struct TokenUsage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  // usage.prompt_tokens_details.cached_tokens: prompt tokens served from the
  // provider's prompt cache (0 when not reported). Not lusifer's response cache.
  std::int64_t cached_prompt_tokens = 0;
};

struct ChatResponse {
  std::string id;
  std::string model;
  std::string system_fingerprint;
  std::string content;
  std::optional<std::string> refusal;  // message.refusal when a string
  FinishReason finish_reason = FinishReason::kNotReported;
  std::string finish_reason_text;  // as sent, for kOther and for logs
  bool has_usage = false;
  TokenUsage usage;

  // finish_reason "length" is the only signal that the output was cut.
  bool truncated() const noexcept { return finish_reason == FinishReason::kLength; }
};

enum class ResponseDefect {
  kNone,
  kEmptyBody,
  kMalformedJson,     // invalid or truncated JSON, or text after it
  kNotAnObject,       // valid JSON, but the top level is not an object
  kErrorObject,       // an {"error": ...} body delivered with a 2xx status
  kNoChoices,         // choices absent, null, not an array, or empty
  kNoMessage,         // the first choice has no message object
  kNullContent,       // message.content absent or null (see refusal)
  kRefusal,           // content null and message.refusal given
  kUnexpectedType,    // a known field has the wrong JSON type or a negative count
  kIncompleteStream,  // a streamed answer ended before data: [DONE]
  kTooLarge           // a streamed event or answer exceeded the configured bound
};

// "none", "empty_body", "malformed_json", "not_an_object", "error_object",
// "no_choices", "no_message", "null_content", "refusal", "unexpected_type",
// "incomplete_stream", "too_large".
std::string_view response_defect_name(ResponseDefect defect) noexcept;

struct ResponseParseResult {
  ResponseDefect defect = ResponseDefect::kNone;
  std::string reason;  // one line, empty on success

  bool ok() const noexcept { return defect == ResponseDefect::kNone; }
  explicit operator bool() const noexcept { return ok(); }
};

class ChatResponseParser {
 public:
  ChatResponseParser();
  ~ChatResponseParser();
  ChatResponseParser(ChatResponseParser&&) noexcept;
  ChatResponseParser& operator=(ChatResponseParser&&) noexcept;

  // Parses `body` into `out`. On kRefusal, `out.refusal` holds the text.
  ResponseParseResult parse(std::string_view body, ChatResponse& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer::llm
