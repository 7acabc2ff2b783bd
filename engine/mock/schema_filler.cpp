#include "engine/mock/schema_filler.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/mock/filler_text.hpp"

namespace lusifer::mock {
namespace {

namespace dom = simdjson::dom;

constexpr int kMaxDepth = 32;
constexpr std::uint64_t kMaxArrayItems = 64;
// Beyond this depth arrays get only their minItems, so recursive schemas
// stay linear; beyond kMaxValues values everything is the smallest value.
constexpr int kBushyDepth = 8;
constexpr std::size_t kMaxValues = 20'000;

constexpr std::array<std::string_view, 14> kProseNames = {
    "explanation", "reason",        "reasoning", "rationale", "profile", "change",  "summary",
    "description", "justification", "comment",   "analysis",  "text",    "content", "answer"};

bool wants_prose(std::string_view name) noexcept {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return std::any_of(kProseNames.begin(), kProseNames.end(),
                     [&](std::string_view p) { return lower.find(p) != std::string::npos; });
}

std::optional<double> number_member(dom::object object, std::string_view key) {
  dom::element e;
  if (object[key].get(e) != simdjson::SUCCESS)
    return std::nullopt;
  double v = 0;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS)
    return static_cast<double>(i);
  if (e.get_uint64().get(u) == simdjson::SUCCESS)
    return static_cast<double>(u);
  if (e.get_double().get(v) == simdjson::SUCCESS)
    return v;
  return std::nullopt;
}

std::optional<std::uint64_t> count_member(dom::object object, std::string_view key) {
  const auto v = number_member(object, key);
  if (!v || *v < 0)
    return std::nullopt;
  return static_cast<std::uint64_t>(std::min(*v, 1e9));
}

// Writes `value` (any JSON) as it is.
void write_literal(JsonWriter& json, dom::element value) {
  switch (value.type()) {
    case dom::element_type::STRING:
      json.value(std::string_view(value));
      return;
    case dom::element_type::INT64:
      json.value(std::int64_t(value));
      return;
    case dom::element_type::UINT64:
      json.value(std::uint64_t(value));
      return;
    case dom::element_type::DOUBLE:
      json.value(double(value));
      return;
    case dom::element_type::BOOL:
      json.value(bool(value));
      return;
    case dom::element_type::NULL_VALUE:
      json.null();
      return;
    default:
      json.raw(simdjson::minify(value));
      return;
  }
}

class Filler {
 public:
  Filler(dom::element root, Rng& rng) : root_(root), rng_(rng) {}

  void write(JsonWriter& json, dom::element schema, std::string_view name, int depth) {
    dom::object object;
    if (schema.get_object().get(object) != simdjson::SUCCESS) {
      // `true` (anything goes) or a malformed schema: a plain string is valid for `true`.
      json.value(filler_word(rng_));
      return;
    }
    if (depth > kMaxDepth || ++values_ > kMaxValues) {
      write_smallest(json, object);
      return;
    }
    std::string_view ref;
    if (object["$ref"].get_string().get(ref) == simdjson::SUCCESS) {
      if (const auto target = resolve(ref)) {
        write(json, *target, name, depth + 1);
        return;
      }
    }
    dom::element constant;
    if (object["const"].get(constant) == simdjson::SUCCESS) {
      write_literal(json, constant);
      return;
    }
    dom::array choices;
    if (object["enum"].get_array().get(choices) == simdjson::SUCCESS && choices.size() > 0) {
      const auto pick = rng_.uniform_index(choices.size());
      std::uint64_t i = 0;
      for (dom::element choice : choices) {
        if (i++ == pick) {
          write_literal(json, choice);
          return;
        }
      }
    }
    for (const std::string_view key : {"anyOf", "oneOf"}) {
      dom::array branches;
      if (object[key].get_array().get(branches) == simdjson::SUCCESS && branches.size() > 0) {
        write(json, pick_branch(branches), name, depth + 1);
        return;
      }
    }
    dom::array all_of;
    if (object["allOf"].get_array().get(all_of) == simdjson::SUCCESS && all_of.size() > 0) {
      write(json, all_of.at(0).value_unsafe(), name, depth + 1);
      return;
    }
    const std::string_view type = type_of(object);
    if (type == "object") {
      write_object(json, object, depth);
    } else if (type == "array") {
      write_array(json, object, name, depth);
    } else if (type == "integer") {
      write_integer(json, object);
    } else if (type == "number") {
      write_number(json, object);
    } else if (type == "boolean") {
      json.value(rng_.bernoulli(0.5));
    } else if (type == "null") {
      json.null();
    } else {
      write_string(json, object, name);
    }
  }

 private:
  std::optional<dom::element> resolve(std::string_view ref) const {
    if (ref == "#")
      return root_;
    if (!ref.starts_with("#/"))
      return std::nullopt;
    dom::element at = root_;
    std::string_view rest = ref.substr(2);
    while (!rest.empty()) {
      const auto slash = rest.find('/');
      std::string part(rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
      // JSON pointer escapes.
      for (std::size_t p = 0; (p = part.find('~', p)) != std::string::npos; ++p) {
        if (p + 1 < part.size() && part[p + 1] == '1')
          part.replace(p, 2, "/");
        else if (p + 1 < part.size() && part[p + 1] == '0')
          part.replace(p, 2, "~");
      }
      dom::object object;
      if (at.get_object().get(object) != simdjson::SUCCESS ||
          object[part].get(at) != simdjson::SUCCESS)
        return std::nullopt;
    }
    return at;
  }

  static bool is_null_schema(dom::element schema) {
    std::string_view type;
    return schema["type"].get_string().get(type) == simdjson::SUCCESS && type == "null";
  }

  dom::element pick_branch(dom::array branches) {
    std::vector<dom::element> usable;
    for (dom::element b : branches) {
      if (!is_null_schema(b))
        usable.push_back(b);
    }
    if (usable.empty())
      return branches.at(0).value_unsafe();
    return usable[rng_.uniform_index(usable.size())];
  }

  static std::string_view type_of(dom::object object) {
    std::string_view type;
    dom::element value;
    if (object["type"].get(value) == simdjson::SUCCESS) {
      if (value.get_string().get(type) == simdjson::SUCCESS)
        return type;
      dom::array list;
      if (value.get_array().get(list) == simdjson::SUCCESS) {
        std::string_view fallback;
        for (dom::element t : list) {
          std::string_view name;
          if (t.get_string().get(name) != simdjson::SUCCESS)
            continue;
          if (name != "null")
            return name;
          fallback = name;
        }
        if (!fallback.empty())
          return fallback;
      }
    }
    dom::element probe;
    if (object["properties"].get(probe) == simdjson::SUCCESS ||
        object["required"].get(probe) == simdjson::SUCCESS)
      return "object";
    if (object["items"].get(probe) == simdjson::SUCCESS ||
        object["prefixItems"].get(probe) == simdjson::SUCCESS)
      return "array";
    return "string";
  }

  void write_smallest(JsonWriter& json, dom::object object) {
    const auto type = type_of(object);
    if (type == "object") {
      json.begin_object().end_object();
    } else if (type == "array") {
      json.begin_array().end_array();
    } else if (type == "integer" || type == "number") {
      json.value(std::int64_t{0});
    } else if (type == "boolean") {
      json.value(false);
    } else if (type == "null") {
      json.null();
    } else {
      json.value("");
    }
  }

  void write_object(JsonWriter& json, dom::object object, int depth) {
    json.begin_object();
    dom::object properties;
    const bool has_properties =
        object["properties"].get_object().get(properties) == simdjson::SUCCESS;
    if (has_properties) {
      for (auto [key, value] : properties) {
        json.key(key);
        write(json, value, key, depth + 1);
      }
    }
    // Required names without a property schema get a string.
    dom::array required;
    if (object["required"].get_array().get(required) == simdjson::SUCCESS) {
      for (dom::element r : required) {
        std::string_view key;
        if (r.get_string().get(key) != simdjson::SUCCESS)
          continue;
        dom::element ignored;
        if (has_properties && properties[key].get(ignored) == simdjson::SUCCESS)
          continue;
        json.key(key);
        if (wants_prose(key)) {
          std::string text;
          append_sentence(text, rng_);
          json.value(text);
        } else {
          json.value(filler_word(rng_));
        }
      }
    }
    json.end_object();
  }

  void write_array(JsonWriter& json, dom::object object, std::string_view name, int depth) {
    const std::uint64_t min_items = count_member(object, "minItems").value_or(0);
    const std::uint64_t max_items = count_member(object, "maxItems").value_or(kMaxArrayItems);
    const std::uint64_t wanted = depth > kBushyDepth ? 0 : 1 + rng_.uniform_index(3);
    std::uint64_t count = std::max<std::uint64_t>(min_items, std::min(max_items, wanted));
    count = std::min({count, max_items, kMaxArrayItems});
    dom::array prefix;
    const bool has_prefix = object["prefixItems"].get_array().get(prefix) == simdjson::SUCCESS;
    dom::element items;
    const bool has_items = object["items"].get(items) == simdjson::SUCCESS;
    json.begin_array();
    for (std::uint64_t i = 0; i < count; ++i) {
      dom::element schema;
      if (has_prefix && i < prefix.size()) {
        schema = prefix.at(i).value_unsafe();
      } else if (has_items) {
        schema = items;
      } else {
        json.value(filler_word(rng_));
        continue;
      }
      write(json, schema, name, depth + 1);
    }
    json.end_array();
  }

  void write_integer(JsonWriter& json, dom::object object) {
    auto lo = number_member(object, "minimum");
    auto hi = number_member(object, "maximum");
    if (const auto x = number_member(object, "exclusiveMinimum"))
      lo = std::floor(*x) + 1;
    if (const auto x = number_member(object, "exclusiveMaximum"))
      hi = std::ceil(*x) - 1;
    double low = lo ? std::ceil(*lo) : (hi ? *hi - 100 : 0);
    double high = hi ? std::floor(*hi) : low + 100;
    if (high < low)
      high = low;
    low = std::clamp(low, -9.0e15, 9.0e15);
    high = std::clamp(high, -9.0e15, 9.0e15);
    const auto multiple = number_member(object, "multipleOf");
    if (multiple && *multiple >= 1 && std::floor(*multiple) == *multiple) {
      const double first = std::ceil(low / *multiple);
      const double last = std::floor(high / *multiple);
      if (last >= first) {
        const auto k = rng_.uniform_index(static_cast<std::uint64_t>(last - first) + 1);
        json.value(static_cast<std::int64_t>((first + static_cast<double>(k)) * *multiple));
        return;
      }
    }
    const auto span = static_cast<std::uint64_t>(high - low);
    json.value(static_cast<std::int64_t>(low) +
               static_cast<std::int64_t>(rng_.uniform_index(span + 1)));
  }

  void write_number(JsonWriter& json, dom::object object) {
    auto lo = number_member(object, "minimum");
    auto hi = number_member(object, "maximum");
    const auto ex_lo = number_member(object, "exclusiveMinimum");
    const auto ex_hi = number_member(object, "exclusiveMaximum");
    if (ex_lo)
      lo = ex_lo;
    if (ex_hi)
      hi = ex_hi;
    const double low = lo ? *lo : (hi ? *hi - 100 : 0);
    const double high = hi ? *hi : low + 100;
    const auto multiple = number_member(object, "multipleOf");
    if (multiple && *multiple > 0) {
      const double first = std::ceil(low / *multiple) + (ex_lo ? 1 : 0);
      const double last = std::floor(high / *multiple) - (ex_hi ? 1 : 0);
      if (last >= first && last - first < 1e15) {
        const auto k = rng_.uniform_index(static_cast<std::uint64_t>(last - first) + 1);
        json.value((first + static_cast<double>(k)) * *multiple);
        return;
      }
    }
    // Two decimals, strictly inside exclusive bounds.
    double v = low + (high - low) * rng_.uniform01();
    v = std::round(v * 100.0) / 100.0;
    if ((ex_lo && v <= low) || (ex_hi && v >= high) || v < low || v > high)
      v = (low + high) / 2.0;
    json.value(v);
  }

  void write_string(JsonWriter& json, dom::object object, std::string_view name) {
    std::string_view format;
    if (object["format"].get_string().get(format) != simdjson::SUCCESS)
      format = {};
    std::string text;
    if (format == "date-time") {
      text =
          fmt::format("2024-{:02}-{:02}T{:02}:{:02}:00Z", 1 + rng_.uniform_index(12),
                      1 + rng_.uniform_index(28), rng_.uniform_index(24), rng_.uniform_index(60));
    } else if (format == "date") {
      text =
          fmt::format("2024-{:02}-{:02}", 1 + rng_.uniform_index(12), 1 + rng_.uniform_index(28));
    } else if (format == "time") {
      text = fmt::format("{:02}:{:02}:00", rng_.uniform_index(24), rng_.uniform_index(60));
    } else if (format == "email") {
      text = fmt::format("{}{}@example.com", filler_word(rng_), rng_.uniform_index(1000));
    } else if (format == "uuid") {
      const auto a = rng_.next_u64();
      const auto b = rng_.next_u64();
      text = fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff,
                         a & 0xfff, 0x8000 | (b >> 48 & 0x3fff), b & 0xffffffffffffULL);
    } else if (format == "uri" || format == "url") {
      text = fmt::format("https://example.com/{}", filler_word(rng_));
    } else if (wants_prose(name)) {
      append_prose(text, rng_, 1 + static_cast<int>(rng_.uniform_index(2)));
    } else {
      text = filler_word(rng_);
      if (rng_.bernoulli(0.5)) {
        text += ' ';
        text += filler_word(rng_);
      }
    }
    const auto min_length = count_member(object, "minLength");
    const auto max_length = count_member(object, "maxLength");
    // Lengths count code points; the text here is ASCII, so bytes.
    if (min_length) {
      const std::uint64_t target = std::min<std::uint64_t>(*min_length, 1 << 16);
      while (text.size() < target) {
        if (!text.empty())
          text += ' ';
        text += filler_word(rng_);
      }
    }
    if (max_length && text.size() > *max_length)
      text.resize(*max_length);
    json.value(text);
  }

  dom::element root_;
  Rng& rng_;
  std::size_t values_ = 0;
};

}  // namespace

void fill_schema(std::string& out, dom::element schema, Rng& rng) {
  JsonWriter json(out);
  Filler(schema, rng).write(json, schema, "", 0);
}

}  // namespace lusifer::mock
