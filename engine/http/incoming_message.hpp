#pragma once

// The header fields and body of an HTTP message as a parser delivers them,
// shared by the client's response parser and the server's request parser.
//
// The body limit is checked against a declared Content-Length before anything
// is reserved: a peer's claim alone must never make us allocate. (Beast 1.74's
// own check is lost when its parser runs in eager mode, as http::async_read
// sets it, and body bytes arrive with the header.) Bytes beyond a declared
// length are the parser's business; a chunked body is bounded by the parser's
// own running limit.
//
// Not thread-safe; owned by one parser.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/http/http_headers.hpp"

namespace lusifer {

class IncomingMessage {
 public:
  // `expected_fields` is reserved up front: growing the vector cost a
  // reallocation per doubling on every message.
  IncomingMessage(std::size_t body_limit, std::size_t expected_fields);

  void add_field(std::string_view name, std::string_view value);

  // Called once the header is complete. False if `content_length` exceeds the
  // body limit (the message must then be refused); otherwise the body's
  // capacity is reserved for it.
  [[nodiscard]] bool start_body(std::optional<std::uint64_t> content_length);
  void append_body(std::string_view data) { body_.append(data); }

  HttpHeaders& headers() noexcept { return headers_; }
  std::string& body() noexcept { return body_; }

 private:
  std::size_t body_limit_;
  HttpHeaders headers_;
  std::string body_;
};

}  // namespace lusifer
