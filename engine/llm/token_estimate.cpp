#include "engine/llm/token_estimate.hpp"

#include <limits>

namespace lusifer::llm {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::int64_t tokens_for_bytes(std::size_t bytes) noexcept {
  return static_cast<std::int64_t>((bytes + kBytesPerToken - 1) / kBytesPerToken);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  return b > kMax - a ? kMax : a + b;
}

std::int64_t saturating_mul(std::int64_t a, std::int64_t b) noexcept {
  if (a == 0 || b == 0)
    return 0;
  return a > kMax / b ? kMax : a * b;
}

}  // namespace

std::int64_t estimate_prompt_tokens(const ChatRequest& request) noexcept {
  std::int64_t tokens = kReplyPrimingTokens;
  for (const auto& message : request.messages) {
    tokens = saturating_add(tokens, kTokensPerMessage + tokens_for_bytes(message.content.size()));
  }
  if (request.response_format.kind() == ResponseFormat::Kind::kJsonSchema) {
    tokens =
        saturating_add(tokens, tokens_for_bytes(request.response_format.schema_compact().size()));
  }
  return tokens;
}

std::int64_t estimate_tokens_to_reserve(const ChatRequest& request,
                                        std::int64_t default_max_output_tokens) noexcept {
  const std::int64_t output = request.max_output_tokens.value_or(default_max_output_tokens);
  const std::int64_t choices = request.n > 1 ? request.n : 1;
  return saturating_add(estimate_prompt_tokens(request),
                        saturating_mul(output > 0 ? output : 0, choices));
}

}  // namespace lusifer::llm
