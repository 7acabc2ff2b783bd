// Fuzzes the mock LLM server's reading and validation of chat-completions
// request bodies (engine/mock/chat_request_reader.hpp), which any client of
// `lusifer mock-llm` may send.
//
// Input: byte 0 picks the validation rules: % 3 the personality (OpenAI,
// vLLM, llama.cpp), bit 2 allow_n, bits 3-4 % 3 the max-tokens fields, bit 5
// model_required; the rest is the body.
//
// The server keeps one reader per thread and reuses it, so the harness does
// too, and reads each body a second time with a fresh reader: the answers
// must agree (nothing of an earlier request leaks into a later one). Beyond
// that it checks what the header promises of an accepted request: messages
// exist and have known roles; n, temperature, max_tokens and stop are in
// OpenAI's ranges; a model is named where one is required; a json_schema
// format has a valid name, its schema is an object whose minified text is
// JSON, and a strict schema passes check_strict_schema; json_object under
// OpenAI needs "json" in some message. Every view's bytes are read, so a
// view into freed memory is an ASan report. A refusal is a 400 whose body,
// in every personality, is JSON.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "engine/mock/chat_request_reader.hpp"
#include "engine/mock/wire_format.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;
using namespace lusifer::mock;

constexpr std::string_view kRoles[] = {"system", "user",     "assistant",
                                       "tool",   "function", "developer"};

ValidationRules rules_from(std::uint8_t b) {
  ValidationRules rules;
  rules.personality = static_cast<Personality>(b % 3);
  rules.allow_n = ((b >> 2) & 1u) != 0;
  rules.max_tokens_fields = static_cast<MaxTokensFields>(((b >> 3) & 3u) % 3);
  rules.model_required = ((b >> 5) & 1u) != 0;
  return rules;
}

std::string describe(const std::optional<ApiError>& error) {
  if (!error)
    return "ok";
  return std::to_string(error->status) + "|" + error->type + "|" + error->message + "|" +
         error->param.value_or("-") + "|" + error->code.value_or("-");
}

// Every field of the view, every byte of every string it points at.
std::string describe(const ChatRequestView& v) {
  std::string out;
  const auto text = [&out](std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out.append(s.begin(), s.end());
    out += '|';
  };
  text(v.model);
  for (const auto& m : v.messages) {
    text(m.role);
    text(m.content);
  }
  out += v.temperature ? std::to_string(*v.temperature) : "-";
  out += v.seed ? std::to_string(*v.seed) : "-";
  out += v.max_tokens ? std::to_string(*v.max_tokens) : "-";
  out += std::to_string(v.n) + std::to_string(v.stream) + std::to_string(v.include_usage) + "|";
  text(v.user);
  for (const auto s : v.stop)
    text(s);
  out += std::to_string(static_cast<int>(v.format)) + std::to_string(v.strict) + "|";
  text(v.schema_name);
  out += v.schema.has_value() ? "schema|" : "-|";
  text(v.schema_json);
  return out;
}

bool mentions_json(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return lower.find("json") != std::string::npos;
}

bool valid_schema_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

void check_accepted(const ChatRequestView& v, const ValidationRules& rules) {
  LUSIFER_FUZZ_CHECK(!v.messages.empty(), "an accepted request has messages");
  for (const auto& m : v.messages) {
    LUSIFER_FUZZ_CHECK(std::find(std::begin(kRoles), std::end(kRoles), m.role) != std::end(kRoles),
                       "every message has a known role");
  }
  if (rules.model_required && rules.personality == Personality::kOpenAI)
    LUSIFER_FUZZ_CHECK(!v.model.empty(), "OpenAI requires a model");
  LUSIFER_FUZZ_CHECK(v.n >= 1 && v.n <= 128, "n is within [1, 128]");
  LUSIFER_FUZZ_CHECK(rules.allow_n || v.n == 1, "n is 1 where the server returns one choice");
  if (v.temperature)
    LUSIFER_FUZZ_CHECK(*v.temperature >= 0.0 && *v.temperature <= 2.0, "temperature is in [0, 2]");
  if (v.max_tokens)
    LUSIFER_FUZZ_CHECK(*v.max_tokens >= 1, "max_tokens is at least 1");
  LUSIFER_FUZZ_CHECK(v.stop.size() <= 4, "at most 4 stop sequences");
  for (const auto s : v.stop)
    LUSIFER_FUZZ_CHECK(!s.empty(), "empty stop sequences are dropped");
  LUSIFER_FUZZ_CHECK(!v.include_usage || v.stream, "stream_options only with stream");
  if (v.format == FormatKind::kJsonObject && rules.personality == Personality::kOpenAI) {
    LUSIFER_FUZZ_CHECK(std::any_of(v.messages.begin(), v.messages.end(),
                                   [](const MessageView& m) { return mentions_json(m.content); }),
                       "json_object under OpenAI needs the word json in a message");
  }
  if (v.format != FormatKind::kJsonSchema) {
    LUSIFER_FUZZ_CHECK(!v.schema && v.schema_name.empty(), "only json_schema carries a schema");
    return;
  }
  LUSIFER_FUZZ_CHECK(valid_schema_name(v.schema_name), "a schema name is [A-Za-z0-9_-]{1,64}");
  if (!v.schema)
    return;
  LUSIFER_FUZZ_CHECK(v.schema->is_object(), "a schema is an object");
  const auto reparsed = nlohmann::json::parse(v.schema_json, nullptr, false);
  LUSIFER_FUZZ_CHECK(!reparsed.is_discarded() && reparsed.is_object(),
                     "the schema's minified text is a JSON object");
  if (v.strict) {
    LUSIFER_FUZZ_CHECK(!check_strict_schema(*v.schema, v.schema_name),
                       "an accepted strict schema passes check_strict_schema");
  }
}

void check_refused(const ApiError& error) {
  LUSIFER_FUZZ_CHECK(error.status == 400, "a refused request is a 400");
  LUSIFER_FUZZ_CHECK(!error.message.empty(), "a refusal says what is wrong");
  for (const auto personality :
       {Personality::kOpenAI, Personality::kVllm, Personality::kLlamaCpp}) {
    const auto body = nlohmann::json::parse(error_body(error, personality), nullptr, false);
    LUSIFER_FUZZ_CHECK(!body.is_discarded(), "an error body is JSON in every personality");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput input(data, size);
  const ValidationRules rules = rules_from(input.byte());
  const std::string_view body = input.rest();

  static ChatRequestReader reused;
  const auto error = reused.read(body, rules);
  const std::string reused_view = error ? std::string() : describe(reused.request());
  if (error) {
    check_refused(*error);
  } else {
    check_accepted(reused.request(), rules);
  }

  ChatRequestReader fresh;
  const auto fresh_error = fresh.read(body, rules);
  LUSIFER_FUZZ_CHECK(describe(fresh_error) == describe(error),
                     "a reused reader answers as a fresh one");
  if (!fresh_error) {
    LUSIFER_FUZZ_CHECK(describe(fresh.request()) == reused_view,
                       "a reused reader describes the request as a fresh one");
  }
  return 0;
}
