#pragma once

// A small streaming JSON writer for the hot paths (request bodies, server
// answers, log lines), where building a DOM first would cost more than the
// rest of the work. It writes compact JSON straight into a std::string.
//
// Contract: the caller pairs begin/end calls and writes a key before each
// value inside an object; commas are placed automatically. Strings are
// escaped per RFC 8259; invalid UTF-8 bytes are replaced by U+FFFD so the
// output is always valid JSON. Non-finite doubles are written as null.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lusifer {

// Appends `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
  JsonWriter& value(double number);
  JsonWriter& null();
  // Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

 private:
  void separate();

  std::string& out_;
  // One entry per open container: true once it holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace lusifer
