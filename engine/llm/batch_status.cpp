#include "engine/llm/batch_status.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/llm/ascii_text.hpp"
#include "engine/llm/batch_lines.hpp"
#include "engine/llm/padded_json.hpp"
#include "engine/llm/response_fields.hpp"

namespace lusifer::llm {
namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t kMaxErrorMessageLength = 500;

// A problem reading `where`, as text.
std::string problem(simdjson::error_code error, std::string_view where) {
  return fmt::format("batch object: {}: {}", where, json_error_text(error));
}

BatchState state_from(std::string_view text) noexcept {
  for (const auto state : {BatchState::kValidating, BatchState::kInProgress,
                           BatchState::kFinalizing, BatchState::kCompleted, BatchState::kFailed,
                           BatchState::kExpired, BatchState::kCancelling, BatchState::kCancelled}) {
    if (text == batch_state_name(state))
      return state;
  }
  return BatchState::kUnknown;
}

std::optional<std::string> read_string(od::value& value, std::string& out, std::string_view where) {
  if (auto r = fields::read_nullable_string(value, out, where); !r)
    return r.reason;
  return std::nullopt;
}

std::optional<std::string> read_counts(od::value& value, BatchStatus& out) {
  if (fields::is_null(value))
    return std::nullopt;
  od::object object;
  if (auto error = value.get_object().get(object))
    return problem(error, "request_counts");
  for (auto entry : object) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return problem(error, "request_counts");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return problem(error, "request_counts");
    std::int64_t* target = key == "total"       ? &out.total
                           : key == "completed" ? &out.completed
                           : key == "failed"    ? &out.failed
                                                : nullptr;
    if (target == nullptr)
      continue;
    if (auto r = fields::read_token_count(field.value(), *target, key); !r)
      return r.reason;
  }
  return std::nullopt;
}

// errors: {"object":"list","data":[{"code","message","param","line"}]}
std::optional<std::string> read_errors(od::value& value, BatchStatus& out) {
  if (fields::is_null(value))
    return std::nullopt;
  od::object object;
  if (auto error = value.get_object().get(object))
    return problem(error, "errors");
  for (auto entry : object) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return problem(error, "errors");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return problem(error, "errors");
    if (key != "data")
      continue;
    od::value& data_value = field.value();
    if (fields::is_null(data_value))
      continue;
    od::array data;
    if (auto error = data_value.get_array().get(data))
      return problem(error, "errors.data");
    for (auto element : data) {
      od::object item;
      if (auto error = std::move(element).get_object().get(item)) {
        return problem(error, "errors.data[]");
      }
      std::string message;
      std::int64_t line = 0;
      for (auto item_entry : item) {
        od::field item_field;
        if (auto error = std::move(item_entry).get(item_field)) {
          return problem(error, "errors.data[]");
        }
        std::string_view item_key;
        if (auto error = item_field.unescaped_key().get(item_key)) {
          return problem(error, "errors.data[]");
        }
        if (item_key == "message") {
          if (auto p = read_string(item_field.value(), message, "errors.data[].message"))
            return p;
        } else if (item_key == "line") {
          od::value& line_value = item_field.value();
          if (!fields::is_null(line_value) && line_value.get_int64().get(line))
            line = 0;
        }
      }
      if (out.errors.size() >= kMaxBatchErrorsKept)
        continue;
      if (message.size() > kMaxErrorMessageLength) {
        message.resize(kMaxErrorMessageLength);
        message += "...";
      }
      out.errors.push_back(line > 0 ? fmt::format("line {}: {}", line, message) : message);
    }
  }
  return std::nullopt;
}

void require_batch_api(const BackendProfile& profile) {
  if (!supports_batch_api(profile.kind)) {
    throw std::invalid_argument(
        fmt::format("{} servers offer no Batch API over HTTP", backend_kind_name(profile.kind)));
  }
}

// <root><collection>[/<id>][<tail>][?api-version=..] for Azure.
std::string endpoint_url(const BackendProfile& profile, std::string_view collection,
                         std::string_view id, std::string_view tail) {
  require_batch_api(profile);
  std::string url = api_root_url(profile);
  url += collection;
  if (!id.empty()) {
    url += '/';
    append_percent_encoded(url, id);
  }
  url += tail;
  if (profile.kind == BackendKind::kAzure) {
    url += "?api-version=";
    append_percent_encoded(url, trim_ascii_space(profile.azure_api_version));
  }
  return url;
}

}  // namespace

std::string_view batch_state_name(BatchState state) noexcept {
  switch (state) {
    case BatchState::kValidating:
      return "validating";
    case BatchState::kInProgress:
      return "in_progress";
    case BatchState::kFinalizing:
      return "finalizing";
    case BatchState::kCompleted:
      return "completed";
    case BatchState::kFailed:
      return "failed";
    case BatchState::kExpired:
      return "expired";
    case BatchState::kCancelling:
      return "cancelling";
    case BatchState::kCancelled:
      return "cancelled";
    case BatchState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

bool is_final(BatchState state) noexcept {
  return state == BatchState::kCompleted || state == BatchState::kFailed ||
         state == BatchState::kExpired || state == BatchState::kCancelled;
}

std::optional<std::string> parse_batch_status(std::string_view body, BatchStatus& out) {
  out = BatchStatus{};
  PaddedJsonParser parser;
  od::document doc;
  if (auto error = parser.iterate(body, doc))
    return problem(error, "the body");
  od::object root;
  if (auto error = doc.get_object().get(root))
    return problem(error, "the body");
  bool has_status = false;
  for (auto entry : root) {
    od::field field;
    if (auto error = std::move(entry).get(field))
      return problem(error, "the body");
    std::string_view key;
    if (auto error = field.unescaped_key().get(key))
      return problem(error, "the body");
    std::optional<std::string> p;
    if (key == "id") {
      p = read_string(field.value(), out.id, "id");
    } else if (key == "status") {
      p = read_string(field.value(), out.state_text, "status");
      has_status = true;
    } else if (key == "input_file_id") {
      p = read_string(field.value(), out.input_file_id, "input_file_id");
    } else if (key == "output_file_id") {
      p = read_string(field.value(), out.output_file_id, "output_file_id");
    } else if (key == "error_file_id") {
      p = read_string(field.value(), out.error_file_id, "error_file_id");
    } else if (key == "request_counts") {
      p = read_counts(field.value(), out);
    } else if (key == "errors") {
      p = read_errors(field.value(), out);
    }
    if (p)
      return p;
  }
  if (!at_document_end(doc))
    return std::string("batch object: more text after the object");
  if (out.id.empty() || !has_status)
    return std::string("batch object: no id or no status");
  out.state = state_from(out.state_text);
  return std::nullopt;
}

std::string batch_create_body(BackendKind kind, std::string_view input_file_id) {
  std::string body;
  JsonWriter json(body);
  json.begin_object()
      .field("input_file_id", input_file_id)
      .field("endpoint", batch_endpoint(kind))
      .field("completion_window", "24h")
      .end_object();
  return body;
}

std::string batches_url(const BackendProfile& profile, std::string_view batch_id) {
  return endpoint_url(profile, "/batches", batch_id, {});
}

std::string files_url(const BackendProfile& profile, std::string_view file_id) {
  return endpoint_url(profile, "/files", file_id, {});
}

std::string file_content_url(const BackendProfile& profile, std::string_view file_id) {
  if (file_id.empty())
    throw std::invalid_argument("a file content URL needs a file id");
  return endpoint_url(profile, "/files", file_id, "/content");
}

}  // namespace lusifer::llm
