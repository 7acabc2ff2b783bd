#pragma once

// A stable SHA-256 fingerprint of what a chat request asks of which server,
// used as the response-cache key and as the idempotency key of retries.
//
// Hashed: the endpoint's identity (backend kind, the normalised chat URL,
// which includes Azure's deployment and API version, and every profile
// setting that changes the body or the answer: max-tokens field, json_schema
// support, seed sending, n support, context length), the model, each message's
// role and content in order, temperature, seed, max_output_tokens, the
// response format (kind, schema name, canonical schema, strict) and n.
// Not hashed: the API key (never part of a profile or request), `user`
// (abuse monitoring only), and transport choices (`stream`).
//
// The hash covers lusifer's own canonical, length-prefixed serialisation,
// not the wire body, so it does not change with JSON whitespace, key order
// (schemas are hashed in canonical form), number spelling (0.7 and 0.70 are
// one double) or field order on the wire. The serialisation is versioned
// ("lusifer/chat-request/v1"); changing it changes every fingerprint.
//
// RequestFingerprinter is not thread-safe (it reuses its digest context and
// buffer): one per thread. `request_fingerprint` is a thread-safe one-shot.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/llm/backend_profile.hpp"
#include "engine/llm/chat_request.hpp"

namespace lusifer::llm {

struct RequestFingerprint {
  std::array<std::uint8_t, 32> digest{};

  std::string hex() const;  // 64 lower-case hex digits
  friend bool operator==(const RequestFingerprint&, const RequestFingerprint&) = default;
};

class RequestFingerprinter {
 public:
  // Throws std::invalid_argument for an unusable profile (see
  // check_backend_profile), std::runtime_error when OpenSSL has no SHA-256.
  explicit RequestFingerprinter(const BackendProfile& profile);
  ~RequestFingerprinter();
  RequestFingerprinter(RequestFingerprinter&&) noexcept;
  RequestFingerprinter& operator=(RequestFingerprinter&&) noexcept;

  RequestFingerprint fingerprint(const ChatRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

RequestFingerprint request_fingerprint(const BackendProfile& profile, const ChatRequest& request);

}  // namespace lusifer::llm
