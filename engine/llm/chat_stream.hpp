#pragma once

// Reading a streamed chat completion ("stream": true): Server-Sent Events
// whose `data:` lines carry chat.completion.chunk objects, ended by
// `data: [DONE]`.
//
// Bytes are fed as they arrive, split anywhere (network reads cut events,
// lines and even CRLF pairs); events are buffered to their blank line. The
// accumulator joins choice 0's `delta.content` (and `delta.refusal`) pieces,
// keeps id, model, system_fingerprint and the last finish_reason, and takes
// usage from the chunk that carries it (with stream_options.include_usage,
// an extra chunk whose choices are [] or null, just before [DONE]). Missing
// usage is normal for interrupted streams and for servers that never send
// it: has_usage stays false.
//
// An event whose data is an {"error": ...} object ends the stream with
// kErrorObject; `error_data()` keeps its JSON for parse_error_body. A stream
// that closes before [DONE] is kIncompleteStream; one without any choice is
// kNoChoices; one whose content was never given (only null) is kNullContent,
// or kRefusal when refusal text came instead. Memory is bounded: an event, or
// the accumulated content, larger than `max_bytes` fails the stream with
// kTooLarge. Comments (": ping"), `event:`, `id:` and `retry:` lines are
// ignored; data after [DONE] is ignored.
//
// Not thread-safe; one accumulator per stream. Failures are values.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/llm/chat_response.hpp"

namespace lusifer::llm {

class ChatStreamAccumulator {
 public:
  static constexpr std::size_t kDefaultMaxBytes = 8 << 20;

  explicit ChatStreamAccumulator(std::size_t max_bytes = kDefaultMaxBytes);
  ~ChatStreamAccumulator();
  ChatStreamAccumulator(ChatStreamAccumulator&&) noexcept;
  ChatStreamAccumulator& operator=(ChatStreamAccumulator&&) noexcept;

  // Processes the next bytes of the stream. Returns ok while the stream is
  // usable so far; after the first failure every call returns that failure.
  ResponseParseResult feed(std::string_view bytes);

  // To be called once the connection has ended: completes a last event that
  // lacks its blank line, then returns the outcome and moves the accumulated
  // response into `out`.
  ResponseParseResult finish(ChatResponse& out);

  // Starts a new stream, keeping the buffers (and the JSON parser's
  // allocations) of the last one: reuse one accumulator per connection.
  void reset();

  bool done() const noexcept;        // [DONE] has been seen
  bool usage_seen() const noexcept;  // a usage object has been seen
  // The data of the error event, when the stream failed with kErrorObject.
  std::string_view error_data() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer::llm
