#pragma once

// What lets the mock LLM server answer lusifer's own tasks meaningfully: an
// answerer reads a chat request body and, when it recognises the task behind
// it, writes the message content a model would return. The server asks it
// first and falls back to its seeded schema and shape fillers when it
// declines (nullopt), so the server builds and runs without any answerer.
//
// Implementations must be thread-safe (the server calls them from every I/O
// thread at once), must not block for long (they run on an I/O thread), and
// must not throw for any body: a body they cannot use is a nullopt.

#include <optional>
#include <string>
#include <string_view>

namespace lusifer::mock {

class TaskAnswerer {
 public:
  virtual ~TaskAnswerer() = default;

  // The content for the chat-completions request `body`, or nullopt.
  virtual std::optional<std::string> answer(std::string_view body) const = 0;

  // A short name for logs and /metrics ("offline-cf").
  virtual std::string_view name() const noexcept = 0;
};

}  // namespace lusifer::mock
