#pragma once

// A chat-completions request as lusifer means it, and its JSON body as a
// given backend wants it.
//
// The body builder maps one request onto each backend's dialect (see
// backend_profile.hpp): the max-tokens field name, json_schema falling back
// to json_object where the server has no schema support, seed and user sent
// only where accepted, and `n` sent only when more than one choice is asked
// for (and refused where the server cannot give them). A streamed request
// asks for usage in its last chunk (stream_options.include_usage); see
// chat_stream.hpp. Fields left unset here are not sent, so the server's own
// defaults apply.
//
// Value types; the builder is pure and thread-safe. A ResponseFormat holds
// its schema behind a shared pointer to immutable data, so requests that
// share one format copy cheaply.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/llm/backend_profile.hpp"

namespace lusifer::llm {

enum class MessageRole { kSystem, kUser, kAssistant };

// "system", "user", "assistant".
std::string_view message_role_name(MessageRole role) noexcept;

struct ChatMessage {
  MessageRole role = MessageRole::kUser;
  std::string content;
};

class ResponseFormat {
 public:
  enum class Kind { kText, kJsonObject, kJsonSchema };

  // Plain text: no response_format is sent.
  ResponseFormat() = default;

  static ResponseFormat json_object();

  // `name` must match [A-Za-z0-9_-]{1,64} (OpenAI's rule); `schema_json` must
  // be one JSON object. Throws std::invalid_argument otherwise. The schema is
  // checked and normalised here, once, so building bodies never re-parses it.
  static ResponseFormat json_schema(std::string_view name, std::string_view schema_json,
                                    bool strict = true);

  Kind kind() const noexcept { return kind_; }
  // Empty unless kind() is kJsonSchema.
  std::string_view schema_name() const noexcept;
  std::string_view schema_compact() const noexcept;    // for the wire, member order kept
  std::string_view schema_canonical() const noexcept;  // for hashing, see canonical_json.hpp
  bool strict() const noexcept { return schema_ && schema_->strict; }

 private:
  struct Schema {
    std::string name;
    std::string compact;
    std::string canonical;
    bool strict = true;
  };

  Kind kind_ = Kind::kText;
  std::shared_ptr<const Schema> schema_;
};

// "text", "json_object", "json_schema".
std::string_view response_format_kind_name(ResponseFormat::Kind kind) noexcept;

struct ChatRequest {
  std::string model;  // may be empty for Azure, whose deployment names the model
  std::vector<ChatMessage> messages;
  std::optional<double> temperature;
  std::optional<std::int64_t> seed;
  std::optional<std::int64_t> max_output_tokens;
  ResponseFormat response_format;
  std::optional<std::string> user;  // end-user id for the provider's abuse monitoring
  int n = 1;                        // choices wanted; lusifer normally wants one
  bool stream = false;              // server-sent events instead of one body
};

// What the server will be asked for after the profile's fallbacks: json_schema
// becomes json_object where the server has no schema support (the prompt
// must then describe the shape).
ResponseFormat::Kind effective_response_format(const ChatRequest& request,
                                               const BackendProfile& profile) noexcept;

// A description of why `request` cannot be sent to `profile`'s server, or
// nullopt: no messages; no model (except Azure); a temperature outside
// [0, 2]; max_output_tokens below 1; n below 1, or above 1 where the server
// does not support n.
std::optional<std::string> check_chat_request(const ChatRequest& request,
                                              const BackendProfile& profile);

// Appends the JSON body for `profile`'s server to `out` (which is not
// cleared, so callers can reuse a buffer). Throws std::invalid_argument with
// the check_chat_request message when the request cannot be sent.
void append_chat_request_body(std::string& out, const ChatRequest& request,
                              const BackendProfile& profile);

std::string chat_request_body(const ChatRequest& request, const BackendProfile& profile);

}  // namespace lusifer::llm
