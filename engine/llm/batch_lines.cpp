#include "engine/llm/batch_lines.hpp"

#include <stdexcept>

#include "engine/core/json_writer.hpp"
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

}  // namespace

bool supports_batch_api(BackendKind kind) noexcept {
  return kind == BackendKind::kOpenAI || kind == BackendKind::kAzure;
}

std::string_view batch_endpoint(BackendKind kind) noexcept {
  return kind == BackendKind::kAzure ? "/chat/completions" : "/v1/chat/completions";
}

void append_batch_request_line(std::string& out, std::string_view custom_id,
                               const ChatRequest& request, const BackendProfile& profile) {
  if (custom_id.empty())
    throw std::invalid_argument("a batch line needs a custom_id");
  if (request.stream)
    throw std::invalid_argument("batch requests cannot be streamed");
  std::string body;
  if (profile.kind == BackendKind::kAzure && request.model.empty()) {
    ChatRequest named = request;
    named.model = profile.azure_deployment;
    append_chat_request_body(body, named, profile);
  } else {
    append_chat_request_body(body, request, profile);
  }
  JsonWriter json(out);
  json.begin_object()
      .field("custom_id", custom_id)
      .field("method", "POST")
      .field("url", batch_endpoint(profile.kind))
      .key("body")
      .raw(body)
      .end_object();
  out += '\n';
}

struct BatchResultParser::Impl {
  PaddedJsonParser json;
  ChatResponseParser chat;

  Result read_response(od::value& value, BatchResultLine& out, bool& has_response) {
    if (is_null(value))
      return {};
    od::object object;
    if (auto error = value.get_object().get(object))
      return json_failure(error, "response");
    has_response = true;
    std::string_view body;
    for (auto entry : object) {
      od::field field;
      if (auto error = std::move(entry).get(field))
        return json_failure(error, "response");
      std::string_view key;
      if (auto error = field.unescaped_key().get(key))
        return json_failure(error, "response");
      if (key == "status_code") {
        std::int64_t status = 0;
        if (auto error = field.value().get_int64().get(status)) {
          return json_failure(error, "response.status_code");
        }
        out.status_code = static_cast<int>(status);
      } else if (key == "request_id") {
        if (auto r =
                fields::read_nullable_string(field.value(), out.request_id, "response.request_id");
            !r) {
          return r;
        }
      } else if (key == "body") {
        od::value& body_value = field.value();
        if (is_null(body_value))
          continue;
        od::json_type type;
        if (auto error = body_value.type().get(type))
          return json_failure(error, "response.body");
        if (type == od::json_type::object) {
          od::object body_object;
          if (auto error = body_value.get_object().get(body_object)) {
            return json_failure(error, "response.body");
          }
          if (auto error = body_object.raw_json().get(body)) {
            return json_failure(error, "response.body");
          }
        } else if (auto error = body_value.get_string().get(body)) {
          return json_failure(error, "response.body");  // some proxies send the body as text
        }
      }
    }
    // `body` points into the line's buffer; both parsers below copy it.
    if (out.status_code >= 200 && out.status_code <= 299) {
      out.body_result = chat.parse(body, out.response);
    } else {
      out.error = parse_error_body(body);
    }
    return {};
  }
};

BatchResultParser::BatchResultParser() : impl_(std::make_unique<Impl>()) {}
BatchResultParser::~BatchResultParser() = default;
BatchResultParser::BatchResultParser(BatchResultParser&&) noexcept = default;
BatchResultParser& BatchResultParser::operator=(BatchResultParser&&) noexcept = default;

ResponseParseResult BatchResultParser::parse(std::string_view line, BatchResultLine& out) {
  out = BatchResultLine{};
  line = trim_ascii_space(line);
  if (line.empty())
    return failure(ResponseDefect::kEmptyBody, "the batch line is empty");
  od::document doc;
  if (auto error = impl_->json.iterate(line, doc))
    return json_failure(error, "the batch line");
  od::object root;
  if (auto error = doc.get_object().get(root))
    return json_failure(error, "the batch line");
  bool has_response = false;
  bool has_error = false;
  for (auto entry : root) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return json_failure(error, "the batch line");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return json_failure(error, "the batch line");
    Result r;
    if (key == "custom_id") {
      r = fields::read_nullable_string(field.value(), out.custom_id, "custom_id");
    } else if (key == "response") {
      r = impl_->read_response(field.value(), out, has_response);
    } else if (key == "error") {
      od::value& value = field.value();
      if (is_null(value))
        continue;
      od::object object;
      std::string_view raw;
      if (auto error = value.get_object().get(object))
        return json_failure(error, "error");
      if (auto error = object.raw_json().get(raw))
        return json_failure(error, "error");
      has_error = true;
      if (!has_response || out.error.shape == ErrorBodyShape::kEmpty) {
        out.error = parse_error_body(raw);
      }
    }
    if (!r)
      return r;
  }
  if (!at_document_end(doc)) {
    return failure(ResponseDefect::kMalformedJson, "there is more text after the batch line");
  }
  if (out.custom_id.empty())
    return failure(ResponseDefect::kUnexpectedType, "no custom_id");
  if (!has_response && !has_error) {
    return failure(ResponseDefect::kNoChoices, "the batch line has neither response nor error");
  }
  return {};
}

}  // namespace lusifer::llm
