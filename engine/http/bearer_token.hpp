#pragma once

// Checks "Authorization: Bearer <token>" headers without leaking the token
// through timing: both sides are hashed with SHA-256 and the digests compared
// with CRYPTO_memcmp, so the time taken depends neither on where the first
// difference is nor on the length of the expected token.
//
// The token is registered with redact_in_logs on construction so that it
// never reaches a log. Immutable after construction, hence thread-safe.

#include <array>
#include <string>
#include <string_view>

namespace lusifer {

class BearerTokenCheck {
 public:
  // Throws std::invalid_argument for an empty token or one that cannot be
  // sent in a header (control bytes, spaces).
  explicit BearerTokenCheck(std::string_view token);

  // True when `authorization` (the header value) is exactly "Bearer <token>";
  // the scheme name is case-insensitive (RFC 9110 §11.1).
  bool accepts(std::string_view authorization) const noexcept;

 private:
  std::array<unsigned char, 32> digest_{};
};

}  // namespace lusifer
