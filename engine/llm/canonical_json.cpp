#include "engine/llm/canonical_json.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/llm/ascii_text.hpp"
#include "engine/llm/padded_json.hpp"

namespace lusifer::llm {
namespace {

namespace od = simdjson::ondemand;

[[noreturn]] void fail(std::string_view what) {
  throw std::invalid_argument(fmt::format("not a valid JSON object: {}", what));
}

void check(simdjson::error_code error) {
  if (error)
    fail(json_error_text(error));
}

bool is_plain_integer(std::string_view text) noexcept {
  if (!text.empty() && text.front() == '-')
    text.remove_prefix(1);
  if (text.empty() || (text.front() == '0' && text.size() > 1))
    return false;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return false;
  }
  return true;
}

void append_number(std::string& out, od::value& value) {
  // The raw token first: get_number consumes the value.
  const std::string_view raw = trim_ascii_space(value.raw_json_token());
  od::number number;
  const auto error = value.get_number().get(number);
  if (error == simdjson::NUMBER_ERROR && is_plain_integer(raw)) {
    out += raw;  // beyond 64 bits: keep the digits as written
    return;
  }
  check(error);
  char buf[32];
  char* end = buf;
  switch (number.get_number_type()) {
    case od::number_type::signed_integer:
      end = std::to_chars(buf, buf + sizeof buf, number.get_int64()).ptr;
      break;
    case od::number_type::unsigned_integer:
      end = std::to_chars(buf, buf + sizeof buf, number.get_uint64()).ptr;
      break;
    case od::number_type::floating_point_number: {
      double d = number.get_double();
      if (d == 0.0)
        d = 0.0;  // -0 and 0 are the same number
      end = std::to_chars(buf, buf + sizeof buf, d).ptr;
      break;
    }
  }
  out.append(buf, end);
}

void normalise_object(od::object& object, std::string& compact, std::string& canonical, int depth);
void normalise_array(od::array& array, std::string& compact, std::string& canonical, int depth);

// Appends one value to both forms.
void normalise_value(od::value& value, std::string& compact, std::string& canonical, int depth) {
  od::json_type type;
  check(value.type().get(type));
  switch (type) {
    case od::json_type::object: {
      if (depth >= kMaxJsonDepth)
        fail("nested too deeply");
      od::object object;
      check(value.get_object().get(object));
      normalise_object(object, compact, canonical, depth + 1);
      return;
    }
    case od::json_type::array: {
      if (depth >= kMaxJsonDepth)
        fail("nested too deeply");
      od::array array;
      check(value.get_array().get(array));
      normalise_array(array, compact, canonical, depth + 1);
      return;
    }
    case od::json_type::string: {
      std::string_view text;
      check(value.get_string().get(text));
      append_json_string(compact, text);
      append_json_string(canonical, text);
      return;
    }
    case od::json_type::number: {
      std::string number;
      append_number(number, value);
      compact += number;
      canonical += number;
      return;
    }
    case od::json_type::boolean: {
      bool flag = false;
      check(value.get_bool().get(flag));
      compact += flag ? "true" : "false";
      canonical += flag ? "true" : "false";
      return;
    }
    case od::json_type::null: {
      bool is_null = false;
      check(value.is_null().get(is_null));
      if (!is_null)
        fail("malformed null");
      compact += "null";
      canonical += "null";
      return;
    }
  }
  fail("unknown value type");
}

void normalise_array(od::array& array, std::string& compact, std::string& canonical, int depth) {
  compact += '[';
  canonical += '[';
  bool first = true;
  for (auto element : array) {
    od::value value;
    check(std::move(element).get(value));
    if (!first) {
      compact += ',';
      canonical += ',';
    }
    first = false;
    normalise_value(value, compact, canonical, depth);
  }
  compact += ']';
  canonical += ']';
}

void normalise_object(od::object& object, std::string& compact, std::string& canonical, int depth) {
  // Members are normalised one by one into their own strings, then sorted
  // for the canonical form.
  std::vector<std::pair<std::string, std::string>> members;
  compact += '{';
  for (auto entry : object) {
    od::field field;
    check(std::move(entry).get(field));
    std::string_view key;
    check(field.unescaped_key().get(key));
    if (!members.empty())
      compact += ',';
    append_json_string(compact, key);
    compact += ':';
    std::string member;
    append_json_string(member, key);
    member += ':';
    std::string sort_key(key);  // copied now: the next value may reuse the key's buffer
    normalise_value(field.value(), compact, member, depth);
    members.emplace_back(std::move(sort_key), std::move(member));
  }
  compact += '}';
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  canonical += '{';
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0)
      canonical += ',';
    canonical += members[i].second;
  }
  canonical += '}';
}

}  // namespace

NormalisedJson normalise_json_object(std::string_view text) {
  PaddedJsonParser parser;
  od::document doc;
  check(parser.iterate(text, doc));
  od::object object;
  const auto error = doc.get_object().get(object);
  if (error == simdjson::INCORRECT_TYPE)
    fail("the value is not an object");
  check(error);
  NormalisedJson out;
  out.compact.reserve(text.size());
  out.canonical.reserve(text.size());
  normalise_object(object, out.compact, out.canonical, 1);
  if (!at_document_end(doc))
    fail("there is more text after the object");
  return out;
}

}  // namespace lusifer::llm
