#include "engine/http/bearer_token.hpp"

#include <algorithm>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "engine/core/logging.hpp"
#include "engine/http/http_headers.hpp"

namespace lusifer {
namespace {

std::array<unsigned char, 32> sha256(std::string_view text) noexcept {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

}  // namespace

BearerTokenCheck::BearerTokenCheck(std::string_view token) {
  if (token.empty())
    throw std::invalid_argument("the bearer token is empty");
  const bool printable = std::all_of(token.begin(), token.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (!printable) {
    throw std::invalid_argument("the bearer token may only contain visible ASCII characters");
  }
  redact_in_logs(std::string(token));
  digest_ = sha256(token);
}

bool BearerTokenCheck::accepts(std::string_view authorization) const noexcept {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size() ||
      !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  const auto presented = sha256(authorization.substr(kScheme.size()));
  return CRYPTO_memcmp(presented.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace lusifer
