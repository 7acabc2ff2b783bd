#include "engine/core/json_writer.hpp"

#include <charconv>
#include <cmath>

#include "engine/core/text_encoding.hpp"

namespace lusifer {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      break;
  }
  if (c < 0x20) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  } else {
    out += static_cast<char>(c);
  }
}

// Valid UTF-8 continuation and lead bytes (>= 0x80) are copied as they are.
constexpr bool needs_escape(unsigned char c) noexcept {
  return c < 0x20 || c == '"' || c == '\\';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  while (!text.empty()) {
    // Copy the longest valid prefix, escaping as we go; replace one bad byte.
    const auto bad = find_invalid_utf8(text);
    const std::size_t good_len = bad ? *bad : text.size();
    // Prompts are long runs of plain text: copy each run in one append.
    std::size_t run_start = 0;
    for (std::size_t i = 0; i < good_len; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (!needs_escape(c))
        continue;
      out.append(text.data() + run_start, i - run_start);
      append_escaped_ascii(out, c);
      run_start = i + 1;
    }
    out.append(text.data() + run_start, good_len - run_start);
    if (!bad)
      break;
    out += "\xef\xbf\xbd";
    text.remove_prefix(good_len + 1);
  }
  out += '"';
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back())
      out_ += ',';
    has_element_.back() = true;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_ += '{';
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
  separate();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  separate();
  if (!std::isfinite(number)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  // Shortest representation that round-trips.
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace lusifer
