#pragma once

// The bytes the mock LLM server puts on the wire besides the completion
// itself: error bodies in each server's dialect, OpenAI's rate-limit headers
// and Go-style durations, and the ids OpenAI gives requests and completions.
//
// Error bodies (one "personality" per imitated server):
//   openai     {"error":{"message":"...","type":"...","param":null,"code":"..."}}
//              (param and code are JSON null when absent; Azure uses the same)
//   vllm       {"object":"error","message":"...","type":"...","param":null,"code":429}
//              (older vLLM's flat shape; code is the HTTP status)
//   llama.cpp  {"error":{"code":503,"message":"...","type":"..."}}
// Rate-limit headers (OpenAI):
//   x-ratelimit-limit-requests: 60            x-ratelimit-limit-tokens: 150000
//   x-ratelimit-remaining-requests: 59        x-ratelimit-remaining-tokens: 149984
//   x-ratelimit-reset-requests: 1s            x-ratelimit-reset-tokens: 6m0s
// where "reset" is the time until the bucket is full again.
//
// Pure functions; thread-safe; no exceptions except std::bad_alloc.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/http/http_headers.hpp"

namespace lusifer::mock {

enum class Personality { kOpenAI, kVllm, kLlamaCpp };

// "openai", "vllm", "llama.cpp".
std::string_view personality_name(Personality personality) noexcept;
// Also accepts "llamacpp" and "llama-cpp"; nullopt otherwise.
std::optional<Personality> parse_personality(std::string_view name) noexcept;

// An API error as OpenAI describes it; rendered per personality.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;
  std::optional<std::string> code;
};

std::string error_body(const ApiError& error, Personality personality);

// llama.cpp's answer while it loads a model, byte for byte:
// {"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}
std::string_view llama_cpp_loading_body() noexcept;

// A duration as Go's time.Duration.String() writes it, after rounding up to
// whole milliseconds (so a wait is never shown shorter than it is):
// "0s", "12ms", "644ms", "1s", "1.5s", "6m0s", "1h2m3.004s".
std::string format_go_duration(std::chrono::nanoseconds duration);

// Whole milliseconds, rounded up; negative durations are 0.
std::int64_t ceil_milliseconds(std::chrono::nanoseconds duration) noexcept;

struct LimitHeaderValues {
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::chrono::nanoseconds reset{0};
};

// Adds the three x-ratelimit-*-requests or *-tokens fields.
void add_rate_limit_headers(HttpHeaders& headers, std::string_view unit,
                            const LimitHeaderValues& values);

// Adds retry-after (whole seconds, rounded up, at least 1) and retry-after-ms.
void add_retry_after_headers(HttpHeaders& headers, std::chrono::nanoseconds wait);

// "req_" + 32 lower-case hex digits, from `value`.
std::string request_id(std::uint64_t value);
// "chatcmpl-" + 29 letters and digits, from `value`.
std::string completion_id(std::uint64_t value);
// "fp_" + 10 lower-case hex digits, from `value`.
std::string system_fingerprint(std::uint64_t value);

}  // namespace lusifer::mock
