#pragma once

// The bodies of successful chat completions, as each imitated server writes
// them: one JSON object, or server-sent events when the request streams.
//
// openai (field order as OpenAI sends it):
//   {"id":"chatcmpl-...","object":"chat.completion","created":1741569952,"model":"...",
//    "choices":[{"index":0,"message":{"role":"assistant","content":"...","refusal":null,
//                "annotations":[]},"logprobs":null,"finish_reason":"stop"}],
//    "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
//             "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
//             "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,
//                 "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
//    "service_tier":"default","system_fingerprint":"fp_..."}
// vllm: system_fingerprint null, stop_reason per choice, prompt_tokens_details
//   null, prompt_logprobs null, no service_tier.
// llama.cpp: usage with the three counts only, and llama.cpp's "timings".
// Streams: a first chunk with the role, one chunk per token piece
// (token_count.hpp), a last chunk with the finish_reason, then (with
// include_usage) a chunk with "choices":[] and the usage, and "data: [DONE]".
// Other chunks carry "usage":null when include_usage is set.
//
// Pure; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/mock/wire_format.hpp"

namespace lusifer::mock {

struct ChoiceText {
  std::string_view content;
  bool cut = false;  // stopped by max tokens: finish_reason "length"
};

struct CompletionFields {
  std::string_view id;
  std::string_view model;
  std::int64_t created = 0;  // Unix seconds
  std::string_view system_fingerprint;
  std::span<const ChoiceText> choices;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  std::int64_t latency_ms = 0;  // for llama.cpp's timings
  Personality personality = Personality::kOpenAI;
};

void append_completion_body(std::string& out, const CompletionFields& fields);

void append_completion_stream(std::string& out, const CompletionFields& fields, bool include_usage);

}  // namespace lusifer::mock
