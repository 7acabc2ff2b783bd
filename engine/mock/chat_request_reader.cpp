#include "engine/mock/chat_request_reader.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "engine/llm/json_type_phrase.hpp"

namespace lusifer::mock {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kBadJsonMessage =
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was "
    "not valid JSON. If you have trouble figuring out how to fix this, please contact us through "
    "our help center at help.openai.com.)";

// The chat-completions arguments OpenAI knows; anything else is refused.
constexpr std::array<std::string_view, 35> kKnownArguments = {"model",
                                                              "messages",
                                                              "temperature",
                                                              "top_p",
                                                              "n",
                                                              "stream",
                                                              "stream_options",
                                                              "stop",
                                                              "max_tokens",
                                                              "max_completion_tokens",
                                                              "presence_penalty",
                                                              "frequency_penalty",
                                                              "logit_bias",
                                                              "logprobs",
                                                              "top_logprobs",
                                                              "user",
                                                              "seed",
                                                              "response_format",
                                                              "tools",
                                                              "tool_choice",
                                                              "parallel_tool_calls",
                                                              "functions",
                                                              "function_call",
                                                              "service_tier",
                                                              "store",
                                                              "metadata",
                                                              "modalities",
                                                              "audio",
                                                              "prediction",
                                                              "reasoning_effort",
                                                              "web_search_options",
                                                              "verbosity",
                                                              "prompt_cache_key",
                                                              "safety_identifier",
                                                              "stream_obfuscation"};

// A known argument's place in kKnownArguments, at compile time (a name that is
// not there does not compile).
consteval std::size_t argument(std::string_view name) {
  for (std::size_t i = 0; i < kKnownArguments.size(); ++i) {
    if (kKnownArguments[i] == name)
      return i;
  }
  throw "not a known chat-completions argument";
}

// The body's known arguments, found in one pass over its object: looking each
// of them up with operator[] scanned the whole object once per name. Like
// operator[], it keeps the first of repeated keys.
class ArgumentSlots {
 public:
  // Records `value` under `key`; false if `key` is not a known argument.
  bool record(std::string_view key, dom::element value) noexcept {
    const auto it = std::find(kKnownArguments.begin(), kKnownArguments.end(), key);
    if (it == kKnownArguments.end())
      return false;
    const auto i = static_cast<std::size_t>(it - kKnownArguments.begin());
    if (!present_[i]) {
      present_[i] = true;
      values_[i] = value;
    }
    return true;
  }

  // The value of argument `index` (see argument()), if the body has it.
  bool get(std::size_t index, dom::element& value) const noexcept {
    if (!present_[index])
      return false;
    value = values_[index];
    return true;
  }

 private:
  std::array<bool, kKnownArguments.size()> present_{};
  std::array<dom::element, kKnownArguments.size()> values_{};
};

constexpr std::array<std::string_view, 6> kRoles = {"system", "user",     "assistant",
                                                    "tool",   "function", "developer"};

ApiError bad_request(std::string message, std::optional<std::string> param = std::nullopt,
                     std::optional<std::string> code = std::nullopt) {
  ApiError e;
  e.status = 400;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

ApiError missing(std::string_view param) {
  return bad_request(fmt::format("Missing required parameter: '{}'.", param), std::string(param),
                     "missing_required_parameter");
}

ApiError invalid_type(std::string_view param, std::string_view expected, dom::element got) {
  return bad_request(fmt::format("Invalid type for '{}': expected {}, but got {} instead.", param,
                                 expected, llm::json_type_phrase(got.type())),
                     std::string(param), "invalid_type");
}

template <std::size_t N>
ApiError invalid_value(std::string_view param, std::string_view value,
                       const std::array<std::string_view, N>& supported) {
  std::string list;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0)
      list += (i + 1 == N) ? (N > 2 ? ", and " : " and ") : ", ";
    list += fmt::format("'{}'", supported[i]);
  }
  return bad_request(fmt::format("Invalid value: '{}'. Supported values are: {}.", value, list),
                     std::string(param), "invalid_value");
}

bool is_number(dom::element e) noexcept {
  const auto t = e.type();
  return t == dom::element_type::INT64 || t == dom::element_type::UINT64 ||
         t == dom::element_type::DOUBLE;
}

double number_of(dom::element e) noexcept {
  switch (e.type()) {
    case dom::element_type::INT64:
      return static_cast<double>(std::int64_t(e));
    case dom::element_type::UINT64:
      return static_cast<double>(std::uint64_t(e));
    default:
      return double(e);
  }
}

// A number within [lo, hi], else OpenAI's range error.
std::optional<ApiError> check_decimal(std::string_view param, dom::element value, double lo,
                                      double hi, double& out) {
  if (!is_number(value))
    return invalid_type(param, "a decimal", value);
  out = number_of(value);
  if (out < lo) {
    return bad_request(fmt::format("Invalid '{}': decimal below minimum value. Expected a value >= "
                                   "{}, but got {} instead.",
                                   param, lo, out),
                       std::string(param), "decimal_below_min_value");
  }
  if (out > hi) {
    return bad_request(fmt::format("Invalid '{}': decimal above maximum value. Expected a value <= "
                                   "{}, but got {} instead.",
                                   param, hi, out),
                       std::string(param), "decimal_above_max_value");
  }
  return std::nullopt;
}

std::optional<ApiError> check_integer(std::string_view param, dom::element value, std::int64_t lo,
                                      std::int64_t hi, std::int64_t& out) {
  if (value.type() == dom::element_type::UINT64) {
    return bad_request(fmt::format("Invalid '{}': integer above maximum value. Expected a value <= "
                                   "{}, but got {} instead.",
                                   param, hi, std::uint64_t(value)),
                       std::string(param), "integer_above_max_value");
  }
  if (value.type() != dom::element_type::INT64)
    return invalid_type(param, "an integer", value);
  out = std::int64_t(value);
  if (out < lo) {
    return bad_request(fmt::format("Invalid '{}': integer below minimum value. Expected a value >= "
                                   "{}, but got {} instead.",
                                   param, lo, out),
                       std::string(param), "integer_below_min_value");
  }
  if (out > hi) {
    return bad_request(fmt::format("Invalid '{}': integer above maximum value. Expected a value <= "
                                   "{}, but got {} instead.",
                                   param, hi, out),
                       std::string(param), "integer_above_max_value");
  }
  return std::nullopt;
}

bool valid_schema_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool contains_json_word(std::string_view text) noexcept {
  // Setting bit 0x20 lowercases a letter, and maps no other byte onto 'j',
  // 's', 'o' or 'n': one OR per byte instead of a range test.
  const auto lower = [&](std::size_t k) { return static_cast<char>(text[k] | 0x20); };
  for (std::size_t i = 0; i + 4 <= text.size(); ++i) {
    if (lower(i) == 'j' && lower(i + 1) == 's' && lower(i + 2) == 'o' && lower(i + 3) == 'n')
      return true;
  }
  return false;
}

// Python-tuple style context, as OpenAI's schema errors print it.
std::string context_text(const std::vector<std::string>& path) {
  std::string out = "(";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += fmt::format("'{}'", path[i]);
  }
  if (path.size() == 1)
    out += ',';
  out += ')';
  return out;
}

class StrictSchemaCheck {
 public:
  explicit StrictSchemaCheck(std::string_view name) : name_(name) {}

  std::optional<ApiError> check(dom::element schema, int depth) {
    if (depth > 32)
      return fail("the schema is nested more deeply than 32 levels");
    dom::object object;
    if (schema.get_object().get(object) != simdjson::SUCCESS)
      return std::nullopt;  // true/false schemas and the like: nothing to check
    std::string_view type;
    const bool has_type = object["type"].get_string().get(type) == simdjson::SUCCESS;
    dom::object properties;
    const bool has_properties =
        object["properties"].get_object().get(properties) == simdjson::SUCCESS;
    if ((has_type && type == "object") || has_properties) {
      bool closed = false;
      if (object["additionalProperties"].get_bool().get(closed) != simdjson::SUCCESS || closed) {
        return fail(
            fmt::format("In context={}, 'additionalProperties' is required to be supplied "
                        "and to be false.",
                        context_text(path_)));
      }
      if (has_properties) {
        dom::array required;
        const bool has_required = object["required"].get_array().get(required) == simdjson::SUCCESS;
        for (auto [key, value] : properties) {
          bool listed = false;
          if (has_required) {
            for (dom::element r : required) {
              std::string_view s;
              if (r.get_string().get(s) == simdjson::SUCCESS && s == key) {
                listed = true;
                break;
              }
            }
          }
          if (!listed) {
            return fail(fmt::format(
                "In context={}, 'required' is required to be supplied and to be an array "
                "including every key in properties. Missing '{}'.",
                context_text(path_), key));
          }
        }
        for (auto [key, value] : properties) {
          path_.emplace_back("properties");
          path_.emplace_back(key);
          if (auto e = check(value, depth + 1))
            return e;
          path_.resize(path_.size() - 2);
        }
      }
    }
    if (dom::element items; object["items"].get(items) == simdjson::SUCCESS) {
      path_.emplace_back("items");
      if (auto e = check(items, depth + 1))
        return e;
      path_.pop_back();
    }
    for (const std::string_view list : {"anyOf", "allOf", "oneOf"}) {
      dom::array entries;
      if (object[list].get_array().get(entries) != simdjson::SUCCESS)
        continue;
      std::size_t i = 0;
      for (dom::element entry : entries) {
        path_.emplace_back(list);
        path_.emplace_back(std::to_string(i++));
        if (auto e = check(entry, depth + 1))
          return e;
        path_.resize(path_.size() - 2);
      }
    }
    for (const std::string_view defs : {"$defs", "definitions"}) {
      dom::object entries;
      if (object[defs].get_object().get(entries) != simdjson::SUCCESS)
        continue;
      for (auto [key, value] : entries) {
        path_.emplace_back(defs);
        path_.emplace_back(key);
        if (auto e = check(value, depth + 1))
          return e;
        path_.resize(path_.size() - 2);
      }
    }
    return std::nullopt;
  }

 private:
  ApiError fail(std::string detail) const {
    return bad_request(
        fmt::format("Invalid schema for response_format '{}': {}", name_, std::move(detail)),
        std::string("response_format"));
  }

  std::string_view name_;
  std::vector<std::string> path_;
};

}  // namespace

std::optional<ApiError> check_strict_schema(dom::element schema, std::string_view name) {
  std::string_view type;
  if (schema["type"].get_string().get(type) != simdjson::SUCCESS || type != "object") {
    return bad_request(
        fmt::format("Invalid schema for response_format '{}': schema must be a JSON Schema of "
                    "'type: \"object\"', got 'type: \"{}\"'.",
                    name, type.empty() ? "None" : type),
        std::string("response_format"));
  }
  return StrictSchemaCheck(name).check(schema, 0);
}

std::optional<ApiError> ChatRequestReader::read(std::string_view body,
                                                const ValidationRules& rules) {
  // A fresh view that keeps the capacity of its vectors.
  auto messages = std::move(view_.messages);
  auto stop = std::move(view_.stop);
  messages.clear();
  stop.clear();
  view_ = ChatRequestView{};
  view_.messages = std::move(messages);
  view_.stop = std::move(stop);
  joined_parts_.clear();
  schema_text_.clear();

  buffer_.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  buffer_.assign(body);
  dom::element root;
  if (parser_.parse(buffer_.data(), buffer_.size(), false).get(root) != simdjson::SUCCESS)
    return bad_request(std::string(kBadJsonMessage));
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return bad_request(fmt::format("Invalid type for request body: expected an object, but got {} "
                                   "instead.",
                                   llm::json_type_phrase(root.type())),
                       std::nullopt, "invalid_type");
  }

  // Arguments are checked in a fixed order, whatever their order in the body,
  // so one body always gets the same error.
  // OpenAI refuses unknown arguments; the other servers ignore them.
  ArgumentSlots args;
  for (auto [key, value] : object) {
    if (!args.record(key, value) && rules.personality == Personality::kOpenAI)
      return bad_request(fmt::format("Unrecognized request argument supplied: {}", key));
  }

  dom::element value;
  if (args.get(argument("model"), value)) {
    if (value.get_string().get(view_.model) != simdjson::SUCCESS)
      return invalid_type("model", "a string", value);
  }
  if (view_.model.empty() && rules.model_required && rules.personality == Personality::kOpenAI)
    return bad_request("you must provide a model parameter");

  if (!args.get(argument("messages"), value))
    return missing("messages");
  if (auto e = read_messages(value, rules))
    return e;

  if (args.get(argument("temperature"), value) && !value.is_null()) {
    double t = 0;
    if (auto e = check_decimal("temperature", value, 0.0, 2.0, t))
      return e;
    view_.temperature = t;
  }
  if (args.get(argument("top_p"), value) && !value.is_null()) {
    double p = 0;
    if (auto e = check_decimal("top_p", value, 0.0, 1.0, p))
      return e;
  }
  for (const std::size_t penalty : {argument("presence_penalty"), argument("frequency_penalty")}) {
    if (args.get(penalty, value) && !value.is_null()) {
      double p = 0;
      if (auto e = check_decimal(kKnownArguments[penalty], value, -2.0, 2.0, p))
        return e;
    }
  }
  if (args.get(argument("seed"), value) && !value.is_null()) {
    std::int64_t seed = 0;
    if (auto e = check_integer("seed", value, INT64_MIN, INT64_MAX, seed))
      return e;
    view_.seed = seed;
  }

  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> max_completion_tokens;
  if (args.get(argument("max_tokens"), value) && !value.is_null()) {
    if (rules.max_tokens_fields == MaxTokensFields::kMaxCompletionTokens) {
      return bad_request(
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
          "'max_completion_tokens' instead.",
          std::string("max_tokens"), "unsupported_parameter");
    }
    std::int64_t v = 0;
    if (auto e = check_integer("max_tokens", value, 1, INT64_MAX, v))
      return e;
    max_tokens = v;
  }
  if (args.get(argument("max_completion_tokens"), value) && !value.is_null()) {
    if (rules.max_tokens_fields == MaxTokensFields::kMaxTokens) {
      return bad_request(
          "Unsupported parameter: 'max_completion_tokens' is not supported with this model. Use "
          "'max_tokens' instead.",
          std::string("max_completion_tokens"), "unsupported_parameter");
    }
    std::int64_t v = 0;
    if (auto e = check_integer("max_completion_tokens", value, 1, INT64_MAX, v))
      return e;
    max_completion_tokens = v;
  }
  view_.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;

  if (args.get(argument("n"), value) && !value.is_null()) {
    std::int64_t n = 1;
    if (auto e = check_integer("n", value, 1, 128, n))
      return e;
    if (n > 1 && !rules.allow_n) {
      return bad_request("Only one completion choice is allowed", std::string("n"),
                         "invalid_value");
    }
    view_.n = static_cast<int>(n);
  }

  if (args.get(argument("stream"), value) && !value.is_null()) {
    if (value.get_bool().get(view_.stream) != simdjson::SUCCESS)
      return invalid_type("stream", "a boolean", value);
  }
  if (args.get(argument("stream_options"), value) && !value.is_null()) {
    if (!view_.stream) {
      return bad_request("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                         std::string("stream_options"), "invalid_value");
    }
    dom::object options;
    if (value.get_object().get(options) != simdjson::SUCCESS)
      return invalid_type("stream_options", "an object", value);
    dom::element include;
    if (options["include_usage"].get(include) == simdjson::SUCCESS && !include.is_null() &&
        include.get_bool().get(view_.include_usage) != simdjson::SUCCESS) {
      return invalid_type("stream_options.include_usage", "a boolean", include);
    }
  }

  if (args.get(argument("user"), value) && !value.is_null()) {
    if (value.get_string().get(view_.user) != simdjson::SUCCESS)
      return invalid_type("user", "a string", value);
  }
  if (args.get(argument("stop"), value) && !value.is_null()) {
    std::string_view single;
    dom::array list;
    if (value.get_string().get(single) == simdjson::SUCCESS) {
      if (!single.empty())
        view_.stop.push_back(single);
    } else if (value.get_array().get(list) == simdjson::SUCCESS) {
      if (list.size() > 4) {
        return bad_request(fmt::format("Invalid 'stop': array too long. Expected an array with "
                                       "maximum length 4, but got an array with length {} instead.",
                                       list.size()),
                           std::string("stop"), "array_above_max_length");
      }
      for (dom::element s : list) {
        std::string_view text;
        if (s.get_string().get(text) != simdjson::SUCCESS)
          return invalid_type("stop", "an array of strings", value);
        if (!text.empty())
          view_.stop.push_back(text);
      }
    } else {
      return invalid_type("stop", "a string or an array of strings", value);
    }
  }

  if (args.get(argument("response_format"), value) && !value.is_null()) {
    if (auto e = read_response_format(value))
      return e;
  }
  if (view_.format == FormatKind::kJsonObject && rules.personality == Personality::kOpenAI) {
    const bool mentions_json =
        std::any_of(view_.messages.begin(), view_.messages.end(),
                    [](const MessageView& m) { return contains_json_word(m.content); });
    if (!mentions_json) {
      return bad_request(
          "'messages' must contain the word 'json' in some form, to use 'response_format' of "
          "type 'json_object'.",
          std::string("messages"));
    }
  }
  return std::nullopt;
}

std::optional<ApiError> ChatRequestReader::read_messages(dom::element value,
                                                         const ValidationRules& rules) {
  dom::array messages;
  if (value.get_array().get(messages) != simdjson::SUCCESS)
    return invalid_type("messages", "an array of objects", value);
  if (messages.size() == 0) {
    return bad_request(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        std::string("messages"), "empty_array");
  }
  // Views point into joined_parts_, so it must not reallocate.
  joined_parts_.reserve(messages.size());
  view_.messages.reserve(messages.size());
  std::size_t index = 0;
  for (dom::element entry : messages) {
    const std::size_t i = index++;
    // Parameter names are only spelled out for errors.
    const auto at = [i](std::string_view suffix = {}) {
      return fmt::format("messages[{}]{}", i, suffix);
    };
    dom::object message;
    if (entry.get_object().get(message) != simdjson::SUCCESS)
      return invalid_type(at(), "an object", entry);
    MessageView view;
    dom::element role;
    if (message["role"].get(role) != simdjson::SUCCESS)
      return missing(at(".role"));
    if (role.get_string().get(view.role) != simdjson::SUCCESS)
      return invalid_type(at(".role"), "a string", role);
    if (std::find(kRoles.begin(), kRoles.end(), view.role) == kRoles.end())
      return invalid_value(at(".role"), view.role, kRoles);

    dom::element content;
    const bool has_content = message["content"].get(content) == simdjson::SUCCESS;
    const bool may_omit = view.role == "assistant";
    if (!has_content || content.is_null()) {
      if (!may_omit)
        return missing(at(".content"));
    } else if (content.get_string().get(view.content) == simdjson::SUCCESS) {
      // plain text
    } else if (dom::array parts; content.get_array().get(parts) == simdjson::SUCCESS) {
      std::string& joined = joined_parts_.emplace_back();
      std::size_t part_index = 0;
      for (dom::element part : parts) {
        const std::size_t p = part_index++;
        const auto part_at = [&](std::string_view suffix = {}) {
          return at(fmt::format(".content[{}]{}", p, suffix));
        };
        dom::object part_object;
        if (part.get_object().get(part_object) != simdjson::SUCCESS)
          return invalid_type(part_at(), "an object", part);
        std::string_view type;
        if (part_object["type"].get_string().get(type) != simdjson::SUCCESS)
          return missing(part_at(".type"));
        if (type == "text") {
          std::string_view text;
          if (part_object["text"].get_string().get(text) != simdjson::SUCCESS)
            return missing(part_at(".text"));
          joined += text;
        }
      }
      view.content = joined;
    } else {
      return invalid_type(at(".content"), "one of a string or array of objects", content);
    }
    if (view.role == "tool") {
      dom::element id;
      if (message["tool_call_id"].get(id) != simdjson::SUCCESS)
        return missing(at(".tool_call_id"));
    }
    if (rules.personality == Personality::kOpenAI) {
      for (auto [key, field] : message) {
        if (key != "role" && key != "content" && key != "name" && key != "tool_calls" &&
            key != "tool_call_id" && key != "refusal" && key != "function_call" && key != "audio") {
          return bad_request(
              fmt::format("Additional properties are not allowed ('{}' was unexpected) - '{}'", key,
                          at()),
              at());
        }
      }
    }
    view_.messages.push_back(view);
  }
  return std::nullopt;
}

std::optional<ApiError> ChatRequestReader::read_response_format(dom::element value) {
  dom::object format;
  if (value.get_object().get(format) != simdjson::SUCCESS)
    return invalid_type("response_format", "an object", value);
  dom::element type_value;
  if (format["type"].get(type_value) != simdjson::SUCCESS)
    return missing("response_format.type");
  std::string_view type;
  if (type_value.get_string().get(type) != simdjson::SUCCESS)
    return invalid_type("response_format.type", "a string", type_value);
  static constexpr std::array<std::string_view, 3> kTypes = {"json_object", "json_schema", "text"};
  if (type == "text") {
    view_.format = FormatKind::kText;
    return std::nullopt;
  }
  if (type == "json_object") {
    view_.format = FormatKind::kJsonObject;
    return std::nullopt;
  }
  if (type != "json_schema")
    return invalid_value("response_format.type", type, kTypes);

  view_.format = FormatKind::kJsonSchema;
  dom::element spec_value;
  if (format["json_schema"].get(spec_value) != simdjson::SUCCESS)
    return missing("response_format.json_schema");
  dom::object spec;
  if (spec_value.get_object().get(spec) != simdjson::SUCCESS)
    return invalid_type("response_format.json_schema", "an object", spec_value);
  dom::element name;
  if (spec["name"].get(name) != simdjson::SUCCESS)
    return missing("response_format.json_schema.name");
  if (name.get_string().get(view_.schema_name) != simdjson::SUCCESS)
    return invalid_type("response_format.json_schema.name", "a string", name);
  if (!valid_schema_name(view_.schema_name)) {
    return bad_request(
        "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a "
        "string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        std::string("response_format.json_schema.name"), "invalid_value");
  }
  dom::element strict;
  if (spec["strict"].get(strict) == simdjson::SUCCESS && !strict.is_null() &&
      strict.get_bool().get(view_.strict) != simdjson::SUCCESS) {
    return invalid_type("response_format.json_schema.strict", "a boolean", strict);
  }
  dom::element schema;
  if (spec["schema"].get(schema) == simdjson::SUCCESS && !schema.is_null()) {
    if (!schema.is_object())
      return invalid_type("response_format.json_schema.schema", "an object", schema);
    if (view_.strict) {
      if (auto e = check_strict_schema(schema, view_.schema_name))
        return e;
    }
    view_.schema = schema;
    schema_text_ = simdjson::minify(schema);
    view_.schema_json = schema_text_;
  }
  return std::nullopt;
}

}  // namespace lusifer::mock
