#include "engine/llm/chat_request.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/llm/canonical_json.hpp"

namespace lusifer::llm {
namespace {

bool is_valid_schema_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64)
    return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

// A rough upper bound of the body size, so the buffer grows once.
std::size_t body_size_hint(const ChatRequest& request) noexcept {
  std::size_t size = 160 + request.model.size() + request.response_format.schema_compact().size();
  for (const auto& message : request.messages)
    size += 32 + message.content.size() + message.content.size() / 8;
  return size;
}

}  // namespace

std::string_view message_role_name(MessageRole role) noexcept {
  switch (role) {
    case MessageRole::kSystem:
      return "system";
    case MessageRole::kUser:
      return "user";
    case MessageRole::kAssistant:
      return "assistant";
  }
  return "user";
}

ResponseFormat ResponseFormat::json_object() {
  ResponseFormat format;
  format.kind_ = Kind::kJsonObject;
  return format;
}

ResponseFormat ResponseFormat::json_schema(std::string_view name, std::string_view schema_json,
                                           bool strict) {
  if (!is_valid_schema_name(name)) {
    throw std::invalid_argument(fmt::format(
        "the response schema name '{}' must be 1 to 64 letters, digits, '_' or '-'", name));
  }
  NormalisedJson schema = normalise_json_object(schema_json);
  ResponseFormat format;
  format.kind_ = Kind::kJsonSchema;
  format.schema_ = std::make_shared<const Schema>(
      Schema{std::string(name), std::move(schema.compact), std::move(schema.canonical), strict});
  return format;
}

std::string_view ResponseFormat::schema_name() const noexcept {
  return schema_ ? std::string_view(schema_->name) : std::string_view{};
}

std::string_view ResponseFormat::schema_compact() const noexcept {
  return schema_ ? std::string_view(schema_->compact) : std::string_view{};
}

std::string_view ResponseFormat::schema_canonical() const noexcept {
  return schema_ ? std::string_view(schema_->canonical) : std::string_view{};
}

std::string_view response_format_kind_name(ResponseFormat::Kind kind) noexcept {
  switch (kind) {
    case ResponseFormat::Kind::kText:
      return "text";
    case ResponseFormat::Kind::kJsonObject:
      return "json_object";
    case ResponseFormat::Kind::kJsonSchema:
      return "json_schema";
  }
  return "text";
}

ResponseFormat::Kind effective_response_format(const ChatRequest& request,
                                               const BackendProfile& profile) noexcept {
  const auto kind = request.response_format.kind();
  if (kind == ResponseFormat::Kind::kJsonSchema && !profile.supports_json_schema) {
    return ResponseFormat::Kind::kJsonObject;
  }
  return kind;
}

std::optional<std::string> check_chat_request(const ChatRequest& request,
                                              const BackendProfile& profile) {
  if (request.messages.empty())
    return std::string("the request has no messages");
  if (request.model.empty() && profile.kind != BackendKind::kAzure) {
    return std::string("the request names no model");
  }
  if (request.temperature && !(std::isfinite(*request.temperature) && *request.temperature >= 0.0 &&
                               *request.temperature <= 2.0)) {
    return fmt::format("the temperature must be between 0 and 2, not {}", *request.temperature);
  }
  if (request.max_output_tokens && *request.max_output_tokens < 1) {
    return fmt::format("max_output_tokens must be at least 1, not {}", *request.max_output_tokens);
  }
  if (request.n < 1)
    return fmt::format("n must be at least 1, not {}", request.n);
  if (request.n > 1 && !profile.supports_n) {
    return fmt::format("{} servers return one choice per request; n = {} cannot be honoured",
                       backend_kind_name(profile.kind), request.n);
  }
  return std::nullopt;
}

void append_chat_request_body(std::string& out, const ChatRequest& request,
                              const BackendProfile& profile) {
  if (auto problem = check_chat_request(request, profile))
    throw std::invalid_argument(*problem);
  out.reserve(out.size() + body_size_hint(request));

  JsonWriter json(out);
  json.begin_object();
  if (!request.model.empty())
    json.field("model", request.model);
  json.key("messages").begin_array();
  for (const auto& message : request.messages) {
    json.begin_object()
        .field("role", message_role_name(message.role))
        .field("content", message.content)
        .end_object();
  }
  json.end_array();
  if (request.temperature)
    json.field("temperature", *request.temperature);
  if (request.seed && profile.sends_seed)
    json.field("seed", *request.seed);
  if (request.max_output_tokens) {
    json.field(max_tokens_field_name(profile.max_tokens_field), *request.max_output_tokens);
  }
  switch (effective_response_format(request, profile)) {
    case ResponseFormat::Kind::kText:
      break;
    case ResponseFormat::Kind::kJsonObject:
      json.key("response_format").begin_object().field("type", "json_object").end_object();
      break;
    case ResponseFormat::Kind::kJsonSchema: {
      const auto& format = request.response_format;
      json.key("response_format")
          .begin_object()
          .field("type", "json_schema")
          .key("json_schema")
          .begin_object()
          .field("name", format.schema_name())
          .key("schema")
          .raw(format.schema_compact())
          .field("strict", format.strict())
          .end_object()
          .end_object();
      break;
    }
  }
  if (request.user && profile.sends_user)
    json.field("user", *request.user);
  if (request.n > 1)
    json.field("n", request.n);
  if (request.stream) {
    json.field("stream", true)
        .key("stream_options")
        .begin_object()
        .field("include_usage", true)
        .end_object();
  }
  json.end_object();
}

std::string chat_request_body(const ChatRequest& request, const BackendProfile& profile) {
  std::string body;
  append_chat_request_body(body, request, profile);
  return body;
}

}  // namespace lusifer::llm
