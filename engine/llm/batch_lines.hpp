#pragma once

// The JSONL lines of OpenAI's Batch API (also Azure OpenAI's): one request
// per input line, one result per output (or error) file line.
//
//   input   {"custom_id":"u42-i50","method":"POST","url":"/v1/chat/completions","body":{...}}
//   output  {"id":"batch_req_..","custom_id":"u42-i50",
//            "response":{"status_code":200,"request_id":"..","body":{...chat completion...}},
//            "error":null}
//   error   {"id":"batch_req_..","custom_id":"..","response":null,
//            "error":{"code":"batch_expired","message":"..."}}
//
// Results are keyed by custom_id and come in no particular order. A file
// holds at most kMaxBatchRequests lines and kMaxBatchFileBytes bytes; the
// caller splits larger work into several batches.
//
// Building lines is pure and thread-safe. BatchResultParser is not
// thread-safe (one per thread) and reports problems as values.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/llm/backend_profile.hpp"
#include "engine/llm/chat_request.hpp"
#include "engine/llm/chat_response.hpp"
#include "engine/llm/error_body.hpp"

namespace lusifer::llm {

inline constexpr std::size_t kMaxBatchRequests = 50'000;
inline constexpr std::size_t kMaxBatchFileBytes = 200 * 1024 * 1024;

// True for the servers that offer the Batch API over HTTP (OpenAI, Azure).
bool supports_batch_api(BackendKind kind) noexcept;

// The "url" of input lines and the "endpoint" of a batch: "/v1/chat/completions",
// or "/chat/completions" for Azure.
std::string_view batch_endpoint(BackendKind kind) noexcept;

// Appends one input line, newline included. The body is the one
// append_chat_request_body builds for `profile`; for Azure an empty model
// becomes the deployment name, which Azure batches require. Throws
// std::invalid_argument for an empty custom_id, a request that cannot be
// sent (see check_chat_request), or a streamed request (batches do not stream).
void append_batch_request_line(std::string& out, std::string_view custom_id,
                               const ChatRequest& request, const BackendProfile& profile);

struct BatchResultLine {
  std::string custom_id;
  std::string request_id;  // response.request_id, when given
  int status_code = 0;     // response.status_code; 0 when the line has no response
  // For a 2xx status: the completion, and whether its body was usable.
  ChatResponse response;
  ResponseParseResult body_result;
  // For a non-2xx status: its body. For a line without response: the line's
  // own "error" object (code and message, flat shape).
  ErrorBody error;

  bool succeeded() const noexcept {
    return status_code >= 200 && status_code <= 299 && body_result.ok();
  }
};

class BatchResultParser {
 public:
  BatchResultParser();
  ~BatchResultParser();
  BatchResultParser(BatchResultParser&&) noexcept;
  BatchResultParser& operator=(BatchResultParser&&) noexcept;

  // Reads one line of an output or error file (a trailing newline is
  // allowed). The result is about the line itself: malformed JSON, no
  // custom_id, or neither response nor error is a failure; a failed request
  // inside a well-formed line is not (see status_code, body_result, error).
  ResponseParseResult parse(std::string_view line, BatchResultLine& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer::llm
