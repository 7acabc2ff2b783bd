#include "engine/llm/response_fields.hpp"

#include <fmt/format.h>

#include "engine/llm/padded_json.hpp"

namespace lusifer::llm::fields {

namespace od = simdjson::ondemand;

ResponseParseResult failure(ResponseDefect defect, std::string reason) {
  return {defect, std::move(reason)};
}

ResponseParseResult json_failure(simdjson::error_code error, std::string_view where) {
  switch (error) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return failure(ResponseDefect::kUnexpectedType,
                     fmt::format("{}: {}", where, json_error_text(error)));
    default:
      return failure(ResponseDefect::kMalformedJson,
                     fmt::format("malformed JSON at {}: {}", where, json_error_text(error)));
  }
}

bool is_null(od::value& value) {
  bool null = false;
  return !value.is_null().get(null) && null;
}

ResponseParseResult read_nullable_string(od::value& value, std::string& out,
                                         std::string_view where) {
  if (is_null(value))
    return {};
  std::string_view text;
  if (auto error = value.get_string().get(text))
    return json_failure(error, where);
  out.assign(text);
  return {};
}

ResponseParseResult read_token_count(od::value& value, std::int64_t& out, std::string_view where) {
  if (is_null(value)) {
    out = 0;
    return {};
  }
  if (auto error = value.get_int64().get(out))
    return json_failure(error, where);
  if (out < 0) {
    return failure(ResponseDefect::kUnexpectedType, fmt::format("{} is negative ({})", where, out));
  }
  return {};
}

ResponseParseResult read_usage(od::value& value, TokenUsage& usage, bool& has_usage) {
  if (is_null(value))
    return {};
  od::object object;
  if (auto error = value.get_object().get(object))
    return json_failure(error, "usage");
  TokenUsage read;
  bool has_total = false;
  for (auto entry : object) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return json_failure(error, "usage");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return json_failure(error, "usage");
    ResponseParseResult r;
    if (key == "prompt_tokens") {
      r = read_token_count(field.value(), read.prompt_tokens, "usage.prompt_tokens");
    } else if (key == "completion_tokens") {
      r = read_token_count(field.value(), read.completion_tokens, "usage.completion_tokens");
    } else if (key == "total_tokens") {
      has_total = true;
      r = read_token_count(field.value(), read.total_tokens, "usage.total_tokens");
    } else if (key == "prompt_tokens_details") {
      od::value details_value = field.value();
      if (is_null(details_value))
        continue;
      od::object details;
      if (auto error = details_value.get_object().get(details)) {
        return json_failure(error, "usage.prompt_tokens_details");
      }
      for (auto detail_entry : details) {
        od::field detail;
        if (auto error = std::move(detail_entry).get(detail)) {
          return json_failure(error, "usage.prompt_tokens_details");
        }
        std::string_view detail_key;
        if (auto error = detail.unescaped_key().get(detail_key)) {
          return json_failure(error, "usage.prompt_tokens_details");
        }
        if (detail_key == "cached_tokens") {
          r = read_token_count(detail.value(), read.cached_prompt_tokens,
                               "usage.prompt_tokens_details.cached_tokens");
          if (!r)
            return r;
        }
      }
    }
    if (!r)
      return r;
  }
  if (!has_total)
    read.total_tokens = read.prompt_tokens + read.completion_tokens;
  usage = read;
  has_usage = true;
  return {};
}

FinishReason finish_reason_from(std::string_view text) noexcept {
  if (text == "stop")
    return FinishReason::kStop;
  if (text == "length")
    return FinishReason::kLength;
  if (text == "content_filter")
    return FinishReason::kContentFilter;
  if (text == "tool_calls" || text == "function_call")
    return FinishReason::kToolCalls;
  return FinishReason::kOther;
}

}  // namespace lusifer::llm::fields
