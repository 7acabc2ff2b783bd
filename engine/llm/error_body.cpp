#include "engine/llm/error_body.hpp"

#include "engine/llm/ascii_text.hpp"
#include "engine/llm/padded_json.hpp"

namespace lusifer::llm {
namespace {

namespace od = simdjson::ondemand;

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes)
    return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

void assign_bounded(std::string& out, std::string_view text, std::size_t max_bytes) {
  const auto prefix = utf8_prefix(text, max_bytes);
  out.assign(prefix);
  if (prefix.size() < text.size())
    out += "...";
}

// The body as one readable line: markup, scripts, styles and control
// characters dropped, whitespace collapsed, bounded.
std::string make_excerpt(std::string_view body) {
  const std::string_view trimmed = trim_ascii_space(body);
  const bool markup = !trimmed.empty() && trimmed.front() == '<';
  std::string text;
  text.reserve(std::min<std::size_t>(body.size(), kMaxErrorExcerptBytes * 2));
  bool pending_space = false;
  std::size_t i = 0;
  while (i < trimmed.size() && text.size() <= kMaxErrorExcerptBytes) {
    const char c = trimmed[i];
    if (markup && c == '<') {
      const std::string_view rest = trimmed.substr(i);
      std::string_view closing;
      if (ascii_iequals(rest.substr(0, 7), "<script"))
        closing = "</script>";
      if (ascii_iequals(rest.substr(0, 6), "<style"))
        closing = "</style>";
      std::size_t skip_to;
      if (!closing.empty()) {
        const auto close = ascii_ifind(rest, closing);
        skip_to = close == std::string_view::npos ? trimmed.size() : i + close + closing.size();
      } else {
        const auto tag_end = rest.find('>');
        skip_to = tag_end == std::string_view::npos ? trimmed.size() : i + tag_end + 1;
      }
      i = skip_to;
      pending_space = true;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      pending_space = true;
    } else {
      if (pending_space && !text.empty())
        text += ' ';
      pending_space = false;
      text += c;
    }
    ++i;
  }
  // The loop stops one byte past the bound, so a cut body always shows "...".
  std::string out;
  assign_bounded(out, text, kMaxErrorExcerptBytes);
  return out;
}

bool is_null(od::value& value) {
  bool null = false;
  return !value.is_null().get(null) && null;
}

// Reads a string field; other types (and null) leave `out` untouched.
void read_string(od::value& value, std::string& out, std::size_t max_bytes) {
  std::string_view text;
  if (!value.get_string().get(text))
    assign_bounded(out, text, max_bytes);
}

// code: a string, an integer, or null.
void read_code(od::value& value, ErrorBody& out) {
  od::json_type type;
  if (value.type().get(type))
    return;
  if (type == od::json_type::number) {
    std::int64_t number = 0;
    if (!value.get_int64().get(number))
      out.numeric_code = number;
  } else if (type == od::json_type::string) {
    read_string(value, out.code, 256);
  }
}

// The fields of an {"message","type","param","code"} object, nested or flat.
// Returns false on malformed JSON.
bool read_error_fields(od::object& object, ErrorBody& out) {
  for (auto entry : object) {
    od::field field;
    if (std::move(entry).get(field))
      return false;
    std::string_view key;
    if (field.unescaped_key().get(key))
      return false;
    if (key == "message") {
      read_string(field.value(), out.message, kMaxErrorMessageBytes);
    } else if (key == "type") {
      read_string(field.value(), out.type, 256);
    } else if (key == "param") {
      read_string(field.value(), out.param, 256);
    } else if (key == "code") {
      read_code(field.value(), out);
    }
  }
  return true;
}

// FastAPI's {"detail": "..."} or {"detail": [{"msg": "...", ...}, ...]}.
bool read_detail(od::value& value, ErrorBody& out) {
  od::json_type type;
  if (value.type().get(type))
    return false;
  if (type == od::json_type::string) {
    read_string(value, out.message, kMaxErrorMessageBytes);
    return true;
  }
  if (type != od::json_type::array)
    return true;
  od::array array;
  if (value.get_array().get(array))
    return false;
  for (auto element : array) {
    od::value item;
    if (std::move(element).get(item))
      return false;
    if (!out.message.empty())
      continue;
    od::object object;
    if (item.get_object().get(object))
      continue;
    for (auto entry : object) {
      od::field field;
      if (std::move(entry).get(field))
        return false;
      std::string_view key;
      if (field.unescaped_key().get(key))
        return false;
      if (key == "msg")
        read_string(field.value(), out.message, kMaxErrorMessageBytes);
    }
  }
  return true;
}

// Parses a JSON body; returns false when it is not JSON (or malformed).
bool parse_json(std::string_view body, ErrorBody& out) {
  thread_local PaddedJsonParser parser;
  od::document doc;
  if (parser.iterate(body, doc))
    return false;
  od::object root;
  const auto root_error = doc.get_object().get(root);
  if (root_error == simdjson::INCORRECT_TYPE) {
    if (!is_valid_json(body))
      return false;
    out.shape = ErrorBodyShape::kOtherJson;
    return true;
  }
  if (root_error)
    return false;

  ErrorBody flat;
  bool nested = false;
  bool error_string = false;
  bool detail = false;
  for (auto entry : root) {
    od::field field;
    if (std::move(entry).get(field))
      return false;
    std::string_view key;
    if (field.unescaped_key().get(key))
      return false;
    od::value& value = field.value();
    if (key == "error") {
      od::json_type type;
      if (value.type().get(type))
        return false;
      if (type == od::json_type::object) {
        od::object object;
        if (value.get_object().get(object) || !read_error_fields(object, out))
          return false;
        nested = true;
      } else if (type == od::json_type::string) {
        read_string(value, flat.message, kMaxErrorMessageBytes);
        error_string = true;
      }
    } else if (key == "message") {
      read_string(value, flat.message, kMaxErrorMessageBytes);
    } else if (key == "type") {
      read_string(value, flat.type, 256);
    } else if (key == "param") {
      read_string(value, flat.param, 256);
    } else if (key == "code") {
      read_code(value, flat);
    } else if (key == "detail") {
      if (!read_detail(value, flat))
        return false;
      detail = true;
    } else if (is_null(value)) {
      continue;
    }
  }
  if (!at_document_end(doc))
    return false;

  if (nested) {
    out.shape = ErrorBodyShape::kNested;
  } else if (error_string) {
    out.message = std::move(flat.message);
    out.shape = ErrorBodyShape::kErrorString;
  } else if (detail && !flat.message.empty()) {
    out.message = std::move(flat.message);
    out.shape = ErrorBodyShape::kDetail;
  } else if (!flat.message.empty() || flat.numeric_code || !flat.code.empty()) {
    out = std::move(flat);
    out.shape = ErrorBodyShape::kFlat;
  } else {
    out.shape = ErrorBodyShape::kOtherJson;
  }
  return true;
}

}  // namespace

std::string_view error_body_shape_name(ErrorBodyShape shape) noexcept {
  switch (shape) {
    case ErrorBodyShape::kEmpty:
      return "empty";
    case ErrorBodyShape::kNested:
      return "nested";
    case ErrorBodyShape::kFlat:
      return "flat";
    case ErrorBodyShape::kErrorString:
      return "error_string";
    case ErrorBodyShape::kDetail:
      return "detail";
    case ErrorBodyShape::kOtherJson:
      return "other_json";
    case ErrorBodyShape::kNotJson:
      return "not_json";
  }
  return "unknown";
}

std::string_view ErrorBody::summary() const noexcept {
  return message.empty() ? std::string_view(excerpt) : std::string_view(message);
}

ErrorBody parse_error_body(std::string_view body) {
  ErrorBody out;
  if (trim_ascii_space(body).empty())
    return out;
  if (!parse_json(body, out)) {
    out = ErrorBody{};
    out.shape = ErrorBodyShape::kNotJson;
  }
  if (out.shape == ErrorBodyShape::kOtherJson || out.shape == ErrorBodyShape::kNotJson) {
    out.excerpt = make_excerpt(body);
  }
  return out;
}

}  // namespace lusifer::llm
