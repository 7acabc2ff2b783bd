#pragma once

// Readers for the fields that complete and streamed chat responses share
// (strings that may be null, token counts, usage, finish reasons), over
// simdjson On-Demand values. Internal to engine/llm (it exposes simdjson).
//
// Every reader reports problems as a ResponseParseResult naming the field;
// none throws.

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "engine/llm/chat_response.hpp"

namespace lusifer::llm::fields {

ResponseParseResult failure(ResponseDefect defect, std::string reason);

// A simdjson error met while reading `where`, as a defect: a wrong type is
// kUnexpectedType, anything else kMalformedJson.
ResponseParseResult json_failure(simdjson::error_code error, std::string_view where);

// True when `value` is JSON null (and then consumes it).
bool is_null(simdjson::ondemand::value& value);

// A string that servers may send as null; null leaves `out` unchanged.
ResponseParseResult read_nullable_string(simdjson::ondemand::value& value, std::string& out,
                                         std::string_view where);

// A non-negative integer count; null reads as 0.
ResponseParseResult read_token_count(simdjson::ondemand::value& value, std::int64_t& out,
                                     std::string_view where);

// A usage object (null is "not reported"): fills `usage` and sets `has_usage`.
// total_tokens, when absent, is prompt + completion.
ResponseParseResult read_usage(simdjson::ondemand::value& value, TokenUsage& usage,
                               bool& has_usage);

FinishReason finish_reason_from(std::string_view text) noexcept;

}  // namespace lusifer::llm::fields
