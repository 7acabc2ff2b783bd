#include "engine/mock/prompt_accounting.hpp"

#include "engine/mock/byte_hash.hpp"
#include "engine/mock/token_count.hpp"

namespace lusifer::mock {
namespace {

std::int64_t quarter_up(std::size_t bytes) noexcept {
  return static_cast<std::int64_t>((bytes + 3) / 4);
}

}  // namespace

std::int64_t count_prompt_tokens(const ChatRequestView& request) noexcept {
  std::int64_t tokens = kReplyPrimingTokens;
  for (const auto& message : request.messages)
    tokens += kTokensPerMessage + count_text_tokens(message.content);
  if (request.format == FormatKind::kJsonSchema)
    tokens += count_text_tokens(request.schema_json);
  return tokens;
}

std::int64_t estimate_prompt_tokens(const ChatRequestView& request) noexcept {
  std::int64_t tokens = 3;
  for (const auto& message : request.messages)
    tokens += 4 + quarter_up(message.content.size());
  if (request.format == FormatKind::kJsonSchema)
    tokens += quarter_up(request.schema_json.size());
  return tokens;
}

void prompt_prefix_hashes(const ChatRequestView& request, const PrefixCacheOptions& options,
                          std::vector<std::uint64_t>& out) {
  out.clear();
  if (options.min_tokens <= 0 || count_prompt_tokens(request) < options.min_tokens)
    return;
  ByteHasher hasher;
  std::int64_t tokens = 0;
  std::int64_t next = options.min_tokens;
  const auto passed = [&] {
    while (tokens >= next) {
      out.push_back(hasher.digest());
      next += options.increment;
    }
  };
  const auto feed = [&](std::string_view text) {
    std::size_t start = 0;
    scan_token_pieces(text, [&](std::size_t end, std::int64_t piece_tokens) {
      hasher.update(text.substr(start, end - start));
      start = end;
      tokens += piece_tokens;
      passed();
    });
  };
  if (request.format == FormatKind::kJsonSchema)
    feed(request.schema_json);
  for (const auto& message : request.messages) {
    // The role and a separator stand for the message's framing tokens.
    hasher.update(message.role);
    hasher.update(std::string_view("\x1e", 1));
    tokens += kTokensPerMessage;
    passed();
    feed(message.content);
  }
}

}  // namespace lusifer::mock
