#include "engine/llm/request_fingerprint.hpp"

#include <charconv>
#include <stdexcept>

#include <openssl/evp.h>

namespace lusifer::llm {
namespace {

constexpr std::string_view kVersion = "lusifer/chat-request/v1\n";

// One field: a tag byte, the length as 8 little-endian bytes, the bytes.
void put(std::string& out, char tag, std::string_view bytes) {
  out += tag;
  std::uint64_t length = bytes.size();
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>(length & 0xff);
    length >>= 8;
  }
  out += bytes;
}

void put_int(std::string& out, char tag, std::int64_t value) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  put(out, tag, std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void put_double(std::string& out, char tag, double value) {
  if (value == 0.0)
    value = 0.0;  // -0 and 0 ask for the same thing
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  put(out, tag, std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void put_flag(std::string& out, char tag, bool value) {
  put(out, tag, value ? "1" : "0");
}

std::string endpoint_identity(const BackendProfile& profile) {
  std::string out(kVersion);
  put(out, 'k', backend_kind_name(profile.kind));
  put(out, 'u', chat_completions_url(profile));
  put(out, 'f', max_tokens_field_name(profile.max_tokens_field));
  put_flag(out, 'j', profile.supports_json_schema);
  put_flag(out, 's', profile.sends_seed);
  put_flag(out, 'n', profile.supports_n);
  if (profile.context_length)
    put_int(out, 'w', *profile.context_length);
  return out;
}

void append_request(std::string& out, const ChatRequest& request) {
  put(out, 'M', request.model);
  put_int(out, 'L', static_cast<std::int64_t>(request.messages.size()));
  for (const auto& message : request.messages) {
    put(out, 'r', message_role_name(message.role));
    put(out, 'c', message.content);
  }
  if (request.temperature)
    put_double(out, 'T', *request.temperature);
  if (request.seed)
    put_int(out, 'S', *request.seed);
  if (request.max_output_tokens)
    put_int(out, 'X', *request.max_output_tokens);
  const auto& format = request.response_format;
  put(out, 'F', response_format_kind_name(format.kind()));
  if (format.kind() == ResponseFormat::Kind::kJsonSchema) {
    put(out, 'N', format.schema_name());
    put(out, 'J', format.schema_canonical());
    put_flag(out, 'Z', format.strict());
  }
  put_int(out, 'C', request.n);
}

}  // namespace

std::string RequestFingerprint::hex() const {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const auto byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

struct RequestFingerprinter::Impl {
  std::string endpoint;
  std::string buffer;
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;

  ~Impl() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

RequestFingerprinter::RequestFingerprinter(const BackendProfile& profile)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = endpoint_identity(profile);
  // Fetched once: an implicit fetch per digest costs a lookup every time.
  impl_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->md == nullptr || impl_->ctx == nullptr) {
    throw std::runtime_error("OpenSSL provides no SHA-256 digest");
  }
}

RequestFingerprinter::~RequestFingerprinter() = default;
RequestFingerprinter::RequestFingerprinter(RequestFingerprinter&&) noexcept = default;
RequestFingerprinter& RequestFingerprinter::operator=(RequestFingerprinter&&) noexcept = default;

RequestFingerprint RequestFingerprinter::fingerprint(const ChatRequest& request) {
  auto& buffer = impl_->buffer;
  buffer.assign(impl_->endpoint);
  append_request(buffer, request);
  RequestFingerprint result;
  unsigned int length = 0;
  if (EVP_DigestInit_ex2(impl_->ctx, impl_->md, nullptr) != 1 ||
      EVP_DigestUpdate(impl_->ctx, buffer.data(), buffer.size()) != 1 ||
      EVP_DigestFinal_ex(impl_->ctx, result.digest.data(), &length) != 1 ||
      length != result.digest.size()) {
    throw std::runtime_error("SHA-256 digest failed");
  }
  return result;
}

RequestFingerprint request_fingerprint(const BackendProfile& profile, const ChatRequest& request) {
  RequestFingerprinter fingerprinter(profile);
  return fingerprinter.fingerprint(request);
}

}  // namespace lusifer::llm
