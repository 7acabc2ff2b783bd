#include "engine/llm/backend_quirks.hpp"

#include <fmt/format.h>

namespace lusifer::llm {
namespace {

std::string_view how_to_raise_window(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::kOllama:
      return "raise num_ctx (PARAMETER num_ctx in a Modelfile, or the OLLAMA_CONTEXT_LENGTH "
             "environment variable of the Ollama server; the OpenAI-compatible endpoint cannot "
             "set it per request)";
    case BackendKind::kLlamaCpp:
      return "start llama-server with a larger --ctx-size";
    case BackendKind::kVllm:
      return "start vLLM with a larger --max-model-len";
    default:
      return "raise the server's context window, or shorten the prompt";
  }
}

}  // namespace

ContextWindowCheck check_context_window(const BackendProfile& profile, const TokenUsage& usage,
                                        std::int64_t estimated_prompt_tokens) {
  ContextWindowCheck check;
  if (!profile.context_length || *profile.context_length <= 0)
    return check;
  const std::int64_t window = *profile.context_length;
  if (usage.prompt_tokens >= window) {
    check.verdict = ContextWindowVerdict::kPromptFilledWindow;
    check.warning = fmt::format(
        "the prompt filled the whole context window ({} of {} tokens), so the server most likely "
        "truncated it and the answer ignores part of the prompt; {}",
        usage.prompt_tokens, window, how_to_raise_window(profile.kind));
    return check;
  }
  if (estimated_prompt_tokens > window) {
    check.verdict = ContextWindowVerdict::kEstimateExceedsWindow;
    check.warning = fmt::format(
        "the prompt is estimated at {} tokens but the context window is {} (the server counted "
        "{}), so it was probably truncated; {}",
        estimated_prompt_tokens, window, usage.prompt_tokens, how_to_raise_window(profile.kind));
    return check;
  }
  if (usage.prompt_tokens == 0)
    return check;  // cached: nothing to compare
  check.verdict = ContextWindowVerdict::kFits;
  return check;
}

std::int64_t prompt_tokens_for_accounting(const BackendProfile& profile, const TokenUsage& usage,
                                          std::int64_t estimated_prompt_tokens) noexcept {
  if (profile.kind == BackendKind::kOllama && usage.prompt_tokens == 0) {
    return estimated_prompt_tokens;
  }
  return usage.prompt_tokens;
}

}  // namespace lusifer::llm
