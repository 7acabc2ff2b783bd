#pragma once

// Token counts of one LLM call, as a response's `usage` reports them (or as
// estimated before the call).
//
// `cached_prompt_tokens` is `usage.prompt_tokens_details.cached_tokens`: the
// part of `prompt_tokens` the provider served from its prompt cache. It is a
// subset of `prompt_tokens`, not an addition to it (OpenAI's definition).
// Servers that report inconsistent numbers (Ollama reports prompt_tokens 0
// when the prompt was cached) are tolerated: `uncached_prompt_tokens` never
// goes below zero.

#include <algorithm>
#include <cstdint>

namespace lusifer::limits {

struct TokenUsage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_prompt_tokens = 0;

  std::int64_t uncached_prompt_tokens() const noexcept {
    return std::max<std::int64_t>(0, prompt_tokens - cached_prompt_tokens);
  }
};

}  // namespace lusifer::limits
