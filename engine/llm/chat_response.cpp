#include "engine/llm/chat_response.hpp"

#include <fmt/format.h>

#include "engine/llm/ascii_text.hpp"
#include "engine/llm/padded_json.hpp"
#include "engine/llm/response_fields.hpp"

namespace lusifer::llm {
namespace {

namespace od = simdjson::ondemand;
using Result = ResponseParseResult;
using fields::failure;
using fields::is_null;
using fields::json_failure;

Result parse_message(od::value& value, ChatResponse& out) {
  if (is_null(value))
    return failure(ResponseDefect::kNoMessage, "choices[0].message is null");
  od::object object;
  if (auto error = value.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE) {
      return failure(ResponseDefect::kNoMessage, "choices[0].message is not an object");
    }
    return json_failure(error, "choices[0].message");
  }
  bool has_content = false;
  for (auto entry : object) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return json_failure(error, "choices[0].message");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) {
      return json_failure(error, "choices[0].message");
    }
    if (key == "content") {
      od::value& content = field.value();
      if (is_null(content))
        continue;
      std::string_view text;
      if (auto error = content.get_string().get(text)) {
        return json_failure(error, "choices[0].message.content");
      }
      out.content.assign(text);
      has_content = true;
    } else if (key == "refusal") {
      od::value& refusal = field.value();
      if (is_null(refusal))
        continue;
      std::string_view text;
      if (auto error = refusal.get_string().get(text)) {
        return json_failure(error, "choices[0].message.refusal");
      }
      out.refusal.emplace(text);
    }
  }
  if (!has_content) {
    if (out.refusal) {
      return failure(ResponseDefect::kRefusal, fmt::format("the model refused: {}", *out.refusal));
    }
    return failure(ResponseDefect::kNullContent, "choices[0].message.content is null or absent");
  }
  return {};
}

Result parse_first_choice(od::value& value, ChatResponse& out) {
  od::object object;
  if (auto error = value.get_object().get(object))
    return json_failure(error, "choices[0]");
  bool has_message = false;
  for (auto entry : object) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return json_failure(error, "choices[0]");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return json_failure(error, "choices[0]");
    if (key == "message") {
      has_message = true;
      if (auto r = parse_message(field.value(), out); !r)
        return r;
    } else if (key == "finish_reason") {
      if (auto r = fields::read_nullable_string(field.value(), out.finish_reason_text,
                                                "choices[0].finish_reason");
          !r) {
        return r;
      }
      if (!out.finish_reason_text.empty()) {
        out.finish_reason = fields::finish_reason_from(out.finish_reason_text);
      }
    }
  }
  if (!has_message)
    return failure(ResponseDefect::kNoMessage, "choices[0] has no message");
  return {};
}

Result parse_choices(od::value& value, ChatResponse& out) {
  if (is_null(value))
    return failure(ResponseDefect::kNoChoices, "choices is null");
  od::array array;
  if (auto error = value.get_array().get(array)) {
    if (error == simdjson::INCORRECT_TYPE) {
      return failure(ResponseDefect::kNoChoices, "choices is not an array");
    }
    return json_failure(error, "choices");
  }
  bool first = true;
  for (auto element : array) {
    od::value choice;
    if (auto error = std::move(element).get(choice))
      return json_failure(error, "choices");
    if (first) {
      first = false;
      if (auto r = parse_first_choice(choice, out); !r)
        return r;
    }
    // Further choices are skipped by the iteration itself.
  }
  if (first)
    return failure(ResponseDefect::kNoChoices, "choices is empty");
  return {};
}

void reset(ChatResponse& out) {
  out.id.clear();
  out.model.clear();
  out.system_fingerprint.clear();
  out.content.clear();
  out.refusal.reset();
  out.finish_reason = FinishReason::kNotReported;
  out.finish_reason_text.clear();
  out.has_usage = false;
  out.usage = TokenUsage{};
}

}  // namespace

std::string_view finish_reason_name(FinishReason reason) noexcept {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kContentFilter:
      return "content_filter";
    case FinishReason::kToolCalls:
      return "tool_calls";
    case FinishReason::kOther:
      return "other";
    case FinishReason::kNotReported:
      return "not_reported";
  }
  return "other";
}

std::string_view response_defect_name(ResponseDefect defect) noexcept {
  switch (defect) {
    case ResponseDefect::kNone:
      return "none";
    case ResponseDefect::kEmptyBody:
      return "empty_body";
    case ResponseDefect::kMalformedJson:
      return "malformed_json";
    case ResponseDefect::kNotAnObject:
      return "not_an_object";
    case ResponseDefect::kErrorObject:
      return "error_object";
    case ResponseDefect::kNoChoices:
      return "no_choices";
    case ResponseDefect::kNoMessage:
      return "no_message";
    case ResponseDefect::kNullContent:
      return "null_content";
    case ResponseDefect::kRefusal:
      return "refusal";
    case ResponseDefect::kUnexpectedType:
      return "unexpected_type";
    case ResponseDefect::kIncompleteStream:
      return "incomplete_stream";
    case ResponseDefect::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

struct ChatResponseParser::Impl {
  PaddedJsonParser json;
};

ChatResponseParser::ChatResponseParser() : impl_(std::make_unique<Impl>()) {}
ChatResponseParser::~ChatResponseParser() = default;
ChatResponseParser::ChatResponseParser(ChatResponseParser&&) noexcept = default;
ChatResponseParser& ChatResponseParser::operator=(ChatResponseParser&&) noexcept = default;

ResponseParseResult ChatResponseParser::parse(std::string_view body, ChatResponse& out) {
  reset(out);
  if (trim_ascii_space(body).empty()) {
    return failure(ResponseDefect::kEmptyBody, "the response body is empty");
  }
  od::document doc;
  if (auto error = impl_->json.iterate(body, doc))
    return json_failure(error, "the body");
  od::object root;
  if (auto error = doc.get_object().get(root)) {
    if (error != simdjson::INCORRECT_TYPE)
      return json_failure(error, "the body");
    if (is_valid_json(body)) {
      return failure(ResponseDefect::kNotAnObject, "the response body is not a JSON object");
    }
    return failure(ResponseDefect::kMalformedJson, "the response body is not JSON");
  }

  bool has_choices = false;
  bool has_error = false;
  Result choices_result;
  for (auto entry : root) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return json_failure(error, "the body");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return json_failure(error, "the body");
    Result r;
    if (key == "choices") {
      has_choices = true;
      // An empty or null choices list may come with an error object; decide
      // after the whole body is read.
      choices_result = parse_choices(field.value(), out);
      if (!choices_result && choices_result.defect != ResponseDefect::kNoChoices) {
        return choices_result;
      }
    } else if (key == "id") {
      r = fields::read_nullable_string(field.value(), out.id, "id");
    } else if (key == "model") {
      r = fields::read_nullable_string(field.value(), out.model, "model");
    } else if (key == "system_fingerprint") {
      r = fields::read_nullable_string(field.value(), out.system_fingerprint, "system_fingerprint");
    } else if (key == "usage") {
      r = fields::read_usage(field.value(), out.usage, out.has_usage);
    } else if (key == "error") {
      has_error = !is_null(field.value());
    }
    if (!r)
      return r;
  }
  if (!at_document_end(doc)) {
    return failure(ResponseDefect::kMalformedJson, "there is more text after the JSON object");
  }
  const bool choices_ok = has_choices && choices_result.ok();
  if (has_error && !choices_ok) {
    return failure(ResponseDefect::kErrorObject,
                   "the body is an error object (parse it with parse_error_body)");
  }
  if (!has_choices)
    return failure(ResponseDefect::kNoChoices, "the body has no choices");
  return choices_result;
}

}  // namespace lusifer::llm
