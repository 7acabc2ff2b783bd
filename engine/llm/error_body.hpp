#pragma once

// Reading the body of a failed chat-completions call, whatever shape the
// server used:
//
//   nested  {"error":{"message","type","param","code"}}   OpenAI, Azure, current
//           vLLM and llama.cpp; code is a string, null, or an int (vLLM and
//           llama.cpp put the HTTP status there)
//   flat    {"object":"error","message","type","param","code":<int>}   older vLLM;
//           also any top-level {"message": ...}
//   string  {"error":"text"}                               Ollama's native errors
//   detail  {"detail": "text" | [...]}                     FastAPI-based servers
//   other JSON, non-JSON (an HTML page from a proxy) or empty: a short,
//   readable excerpt is kept instead.
//
// Never throws on any input, including malformed JSON. Text is bounded:
// message to kMaxErrorMessageBytes, excerpt to kMaxErrorExcerptBytes (cut on
// a UTF-8 boundary), so a huge error page costs little. Thread-safe: each
// thread parses with its own buffers, which grow to the largest body seen
// (bodies are bounded by the HTTP layer).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer::llm {

inline constexpr std::size_t kMaxErrorMessageBytes = 2048;
inline constexpr std::size_t kMaxErrorExcerptBytes = 200;

enum class ErrorBodyShape { kEmpty, kNested, kFlat, kErrorString, kDetail, kOtherJson, kNotJson };

// "empty", "nested", "flat", "error_string", "detail", "other_json", "not_json".
std::string_view error_body_shape_name(ErrorBodyShape shape) noexcept;

struct ErrorBody {
  ErrorBodyShape shape = ErrorBodyShape::kEmpty;
  std::string message;
  std::string type;
  std::string param;
  std::string code;                          // when the server sent a string code
  std::optional<std::int64_t> numeric_code;  // when it sent a number
  // For kOtherJson and kNotJson: the body made readable (tags and control
  // characters removed, whitespace collapsed); otherwise empty.
  std::string excerpt;

  // The message, or the excerpt when there is no message: what to show a user.
  std::string_view summary() const noexcept;
};

ErrorBody parse_error_body(std::string_view body);

}  // namespace lusifer::llm
