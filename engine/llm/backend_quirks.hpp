#pragma once

// Reading usage figures in the light of what each backend is known to do.
//
// Ollama silently truncates prompts longer than its context window (num_ctx,
// 2048 or 4096 by default; the OpenAI-compatible endpoint cannot change it)
// and answers as if nothing happened; some versions keep only about half the
// window ("truncating input prompt limit=2050 prompt=8707" in its log). It
// also reports prompt_tokens 0 when the prompt evaluation was cached, and only
// the uncached part when a prefix was. Neither can be detected from one
// response for sure; these checks catch what can be caught.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "engine/llm/backend_profile.hpp"
#include "engine/llm/chat_response.hpp"

namespace lusifer::llm {

enum class ContextWindowVerdict {
  kFits,                  // nothing suggests truncation
  kUnknown,               // no context length configured, or no prompt count (cached)
  kPromptFilledWindow,    // the server counted at least the whole window: truncated
  kEstimateExceedsWindow  // our estimate of the prompt exceeds the window: probably truncated
};

struct ContextWindowCheck {
  ContextWindowVerdict verdict = ContextWindowVerdict::kUnknown;
  std::string warning;  // for the user, non-empty for the two truncation verdicts
};

// Compares the reported prompt tokens, and our own estimate of them
// (estimate_prompt_tokens), with profile.context_length. The warning tells
// the user how to raise the window for the profile's kind of server (num_ctx
// or OLLAMA_CONTEXT_LENGTH for Ollama).
ContextWindowCheck check_context_window(const BackendProfile& profile, const TokenUsage& usage,
                                        std::int64_t estimated_prompt_tokens);

// The prompt tokens to account for: the reported figure, except where Ollama
// reported 0 because of its prompt cache, where the estimate stands in.
std::int64_t prompt_tokens_for_accounting(const BackendProfile& profile, const TokenUsage& usage,
                                          std::int64_t estimated_prompt_tokens) noexcept;

}  // namespace lusifer::llm
