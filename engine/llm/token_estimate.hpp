#pragma once

// A cheap, deterministic estimate of a request's prompt tokens, for reserving
// tokens-per-minute budget before the call (the server's real count arrives
// only with the answer, and must then replace the reservation).
//
// The rule (after OpenAI's cookbook, with bytes instead of a tokenizer):
//   prompt = 3                                      reply priming
//          + sum over messages of (4 + ceil(bytes(content) / 4))
//          + ceil(bytes(schema) / 4)                when the request has a json_schema (also
//                                                   where it falls back to json_object: the
//                                                   prompt then has to carry the shape)
//   reserve = prompt + n * max_output_tokens        (default_max_output_tokens when unset)
// Four bytes per token is about right for English; it underestimates CJK
// text and dense JSON, so leave headroom in the limits. Pure, noexcept,
// thread-safe; results saturate instead of overflowing.

#include <cstdint>

#include "engine/llm/chat_request.hpp"

namespace lusifer::llm {

inline constexpr std::int64_t kReplyPrimingTokens = 3;
inline constexpr std::int64_t kTokensPerMessage = 4;
inline constexpr std::int64_t kBytesPerToken = 4;

std::int64_t estimate_prompt_tokens(const ChatRequest& request) noexcept;

// What to reserve against a TPM budget: the prompt estimate plus the most
// the answer may use. `default_max_output_tokens` stands in when the request
// sets no max_output_tokens (use the model's output limit, not a small guess:
// an under-reservation lets bursts overrun the budget).
std::int64_t estimate_tokens_to_reserve(const ChatRequest& request,
                                        std::int64_t default_max_output_tokens) noexcept;

}  // namespace lusifer::llm
