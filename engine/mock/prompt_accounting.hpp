#pragma once

// The token figures of a request's prompt, as the mock LLM server uses them:
//   - prompt_tokens: the usage it reports (token_count.hpp's rule);
//   - estimate: what it charges against TPM before answering, the
//     4-bytes-per-token rule of OpenAI's cookbook, which is also the client's
//     (engine/llm/token_estimate.hpp): 3 + sum of (4 + ceil(bytes / 4)) per
//     message + ceil(schema bytes / 4) with a json_schema;
//   - the hashes of the prompt's prefixes at the prompt cache's boundaries
//     (prefix_cache.hpp), over the schema (which OpenAI places before the
//     messages), then each message's role and content.
//
// Pure; thread-safe.

#include <cstdint>
#include <vector>

#include "engine/mock/chat_request_reader.hpp"
#include "engine/mock/prefix_cache.hpp"

namespace lusifer::mock {

std::int64_t count_prompt_tokens(const ChatRequestView& request) noexcept;

std::int64_t estimate_prompt_tokens(const ChatRequestView& request) noexcept;

// Fills `out` with the hash of the first min_tokens + k * increment tokens,
// for every such boundary within the prompt (none when it is shorter than
// min_tokens, or when min_tokens is 0).
void prompt_prefix_hashes(const ChatRequestView& request, const PrefixCacheOptions& options,
                          std::vector<std::uint64_t>& out);

}  // namespace lusifer::mock
