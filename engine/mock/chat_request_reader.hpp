#pragma once

// Reading and validating a chat-completions request body the way OpenAI
// does, for the mock LLM server. Internal to engine/mock (it exposes
// simdjson's DOM, which the content generators walk).
//
// The body is parsed once (simdjson DOM, into buffers the reader keeps, so a
// steady stream of requests does not allocate once they have grown). A
// request OpenAI would reject gets the ApiError OpenAI sends, with its
// message, param and code:
//   - not JSON, or not an object; an unrecognised top-level argument (OpenAI
//     personality only: vLLM and llama.cpp accept extras);
//   - no model (unless the path names it, as Azure's does, or the server is
//     vLLM or llama.cpp, where it is optional); no or empty messages; a
//     message that is not an object, without a valid role, without content
//     where the role needs it (content is a string, an array of parts whose
//     text parts are joined, or null for an assistant turn), a tool message
//     without tool_call_id, or (OpenAI) with members OpenAI does not know;
//   - temperature outside [0, 2], top_p outside [0, 1], penalties outside
//     [-2, 2], a non-integer seed; max_tokens / max_completion_tokens below 1
//     or, when the server takes only one of them, the other one; n outside
//     [1, 128], or above 1 where the server returns one choice;
//   - response_format: type not text/json_object/json_schema; json_schema
//     without json_schema.name, a name not matching [A-Za-z0-9_-]{1,64}, a
//     schema that is not an object, or (strict) a schema OpenAI's structured
//     outputs refuse: the root not of type object, an object schema without
//     additionalProperties false or whose required list misses a property;
//     json_object without the word "json" in any message (OpenAI only);
//   - stream not a boolean; stream_options without stream; more than 4 stop
//     sequences.
//
// Not thread-safe: one reader per thread. The view is valid until the next
// read().

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "engine/mock/wire_format.hpp"

namespace lusifer::mock {

enum class FormatKind { kText, kJsonObject, kJsonSchema };

// Which max-tokens fields a server accepts.
enum class MaxTokensFields {
  kBoth,                 // either (if both are given, max_completion_tokens wins)
  kMaxCompletionTokens,  // OpenAI's reasoning models: max_tokens is refused
  kMaxTokens,            // servers that know only the older field
};

struct ValidationRules {
  Personality personality = Personality::kOpenAI;
  bool allow_n = false;
  MaxTokensFields max_tokens_fields = MaxTokensFields::kBoth;
  // False where something else names the model (Azure's deployment path).
  bool model_required = true;
};

struct MessageView {
  std::string_view role;
  std::string_view content;  // the text (parts joined); empty for null content
};

struct ChatRequestView {
  std::string_view model;
  std::vector<MessageView> messages;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::optional<std::int64_t> max_tokens;  // the effective limit, from either field
  int n = 1;
  bool stream = false;
  bool include_usage = false;
  std::string_view user;
  std::vector<std::string_view> stop;  // at most 4, as OpenAI allows

  FormatKind format = FormatKind::kText;
  std::string_view schema_name;
  bool strict = false;
  // The schema (a JSON object) when json_schema carries one; its minified
  // text is in schema_json.
  std::optional<simdjson::dom::element> schema;
  std::string_view schema_json;
};

class ChatRequestReader {
 public:
  ChatRequestReader() = default;
  ChatRequestReader(const ChatRequestReader&) = delete;
  ChatRequestReader& operator=(const ChatRequestReader&) = delete;

  // Reads `body`. Returns the error to answer with, or nullopt when the
  // request is valid and request() describes it.
  std::optional<ApiError> read(std::string_view body, const ValidationRules& rules);

  const ChatRequestView& request() const noexcept { return view_; }

 private:
  std::optional<ApiError> read_messages(simdjson::dom::element value, const ValidationRules& rules);
  std::optional<ApiError> read_response_format(simdjson::dom::element value);

  std::string buffer_;  // the body with simdjson's padding
  simdjson::dom::parser parser_;
  std::vector<std::string> joined_parts_;  // content given as arrays of parts
  std::string schema_text_;
  ChatRequestView view_;
};

// Checks a json_schema `schema` as OpenAI's strict structured outputs do
// (see above). Exposed for tests; `name` is the response format's name.
std::optional<ApiError> check_strict_schema(simdjson::dom::element schema, std::string_view name);

}  // namespace lusifer::mock
