#include "engine/llm/backend_profile.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "engine/llm/ascii_text.hpp"

namespace lusifer::llm {
namespace {

struct BaseUrl {
  std::string scheme_and_authority;  // "https://api.openai.com", lower-cased
  std::string path;                  // "" or "/v1", no trailing slash
};

bool ends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_url_byte_allowed(unsigned char c) noexcept {
  return c > 0x20 && c != 0x7f;
}

// Splits and normalises a base URL; on failure returns nullopt and sets `error`.
std::optional<BaseUrl> split_base_url(std::string_view url, std::string& error) {
  url = trim_ascii_space(url);
  if (url.empty()) {
    error = "the base URL is empty";
    return std::nullopt;
  }
  const auto scheme_end = url.find("://");
  const std::string_view scheme =
      scheme_end == std::string_view::npos ? std::string_view{} : url.substr(0, scheme_end);
  if (!ascii_iequals(scheme, "http") && !ascii_iequals(scheme, "https")) {
    error = fmt::format("the base URL '{}' must start with http:// or https://", url);
    return std::nullopt;
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const auto path_begin = rest.find('/');
  const std::string_view authority = rest.substr(0, path_begin);
  std::string_view path =
      path_begin == std::string_view::npos ? std::string_view{} : rest.substr(path_begin);
  if (authority.empty()) {
    error = fmt::format("the base URL '{}' has no host", url);
    return std::nullopt;
  }
  for (const unsigned char c : rest) {
    if (!is_url_byte_allowed(c)) {
      error = fmt::format("the base URL '{}' contains a space or control character", url);
      return std::nullopt;
    }
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    error = fmt::format("the base URL '{}' must not have a query or fragment", url);
    return std::nullopt;
  }
  if (authority.find('@') != std::string_view::npos) {
    // Credentials in a URL end up in logs; keys belong in the API key setting.
    error = "the base URL must not contain credentials (user@host); set the API key instead";
    return std::nullopt;
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);

  BaseUrl out;
  out.scheme_and_authority.reserve(scheme.size() + 3 + authority.size());
  for (const char c : scheme)
    out.scheme_and_authority += ascii_lower(c);
  out.scheme_and_authority += "://";
  for (const char c : authority)
    out.scheme_and_authority += ascii_lower(c);
  out.path = path;
  return out;
}

}  // namespace

std::string_view backend_kind_name(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::kOpenAI:
      return "openai";
    case BackendKind::kAzure:
      return "azure";
    case BackendKind::kVllm:
      return "vllm";
    case BackendKind::kOllama:
      return "ollama";
    case BackendKind::kLlamaCpp:
      return "llama.cpp";
    case BackendKind::kGeneric:
      return "generic";
  }
  return "unknown";
}

std::optional<BackendKind> parse_backend_kind(std::string_view name) noexcept {
  name = trim_ascii_space(name);
  for (const auto kind : {BackendKind::kOpenAI, BackendKind::kAzure, BackendKind::kVllm,
                          BackendKind::kOllama, BackendKind::kLlamaCpp, BackendKind::kGeneric}) {
    if (ascii_iequals(name, backend_kind_name(kind)))
      return kind;
  }
  if (ascii_iequals(name, "llamacpp") || ascii_iequals(name, "llama-cpp")) {
    return BackendKind::kLlamaCpp;
  }
  if (ascii_iequals(name, "azure-openai"))
    return BackendKind::kAzure;
  return std::nullopt;
}

std::string_view max_tokens_field_name(MaxTokensField field) noexcept {
  switch (field) {
    case MaxTokensField::kMaxCompletionTokens:
      return "max_completion_tokens";
    case MaxTokensField::kMaxTokens:
      return "max_tokens";
  }
  return "max_tokens";
}

std::string_view default_base_url(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::kOpenAI:
      return "https://api.openai.com/v1";
    case BackendKind::kVllm:
      return "http://localhost:8000/v1";
    case BackendKind::kOllama:
      return "http://localhost:11434";
    case BackendKind::kLlamaCpp:
      return "http://localhost:8080/v1";
    case BackendKind::kAzure:
    case BackendKind::kGeneric:
      return {};
  }
  return {};
}

BackendProfile default_backend_profile(BackendKind kind) {
  BackendProfile p;
  p.kind = kind;
  p.base_url = default_base_url(kind);
  switch (kind) {
    case BackendKind::kOpenAI:
    case BackendKind::kAzure:
      p.max_tokens_field = MaxTokensField::kMaxCompletionTokens;
      p.supports_n = true;
      p.supports_json_schema = true;
      p.sends_user = true;
      p.requires_api_key = true;
      if (kind == BackendKind::kAzure)
        p.azure_api_version = kDefaultAzureApiVersion;
      break;
    case BackendKind::kVllm:
      p.supports_n = true;
      p.supports_json_schema = true;
      break;
    case BackendKind::kOllama:
    case BackendKind::kLlamaCpp:
      p.supports_json_schema = true;
      break;
    case BackendKind::kGeneric:
      break;
  }
  return p;
}

std::optional<std::string> check_backend_profile(const BackendProfile& profile) {
  std::string error;
  if (!split_base_url(profile.base_url, error))
    return error;
  if (profile.kind == BackendKind::kAzure) {
    if (trim_ascii_space(profile.azure_deployment).empty()) {
      return std::string("an Azure endpoint needs the deployment name");
    }
    if (trim_ascii_space(profile.azure_api_version).empty()) {
      return std::string("an Azure endpoint needs an API version (for example ") +
             std::string(kDefaultAzureApiVersion) + ")";
    }
  }
  if (profile.context_length && *profile.context_length <= 0) {
    return fmt::format("the context length must be positive, not {}", *profile.context_length);
  }
  return std::nullopt;
}

std::string api_root_url(const BackendProfile& profile) {
  if (auto problem = check_backend_profile(profile))
    throw std::invalid_argument(*problem);
  std::string error;
  BaseUrl base = *split_base_url(profile.base_url, error);

  std::string url = std::move(base.scheme_and_authority);
  switch (profile.kind) {
    case BackendKind::kAzure: {
      std::string_view path = base.path;
      // Users often paste the endpoint with "/openai" already on it.
      if (ends_with(path, "/openai"))
        path.remove_suffix(7);
      url += path;
      url += "/openai";
      break;
    }
    case BackendKind::kVllm:
    case BackendKind::kOllama:
    case BackendKind::kLlamaCpp:
      url += base.path;
      if (!ends_with(base.path, "/v1"))
        url += "/v1";
      break;
    case BackendKind::kOpenAI:
      url += base.path.empty() ? std::string_view("/v1") : std::string_view(base.path);
      break;
    case BackendKind::kGeneric:
      url += base.path;
      break;
  }
  return url;
}

std::string chat_completions_url(const BackendProfile& profile) {
  std::string url = api_root_url(profile);
  if (profile.kind == BackendKind::kAzure) {
    url += "/deployments/";
    append_percent_encoded(url, trim_ascii_space(profile.azure_deployment));
    url += "/chat/completions?api-version=";
    append_percent_encoded(url, trim_ascii_space(profile.azure_api_version));
    return url;
  }
  url += "/chat/completions";
  return url;
}

void append_percent_encoded(std::string& out, std::string_view text) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (const unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

std::optional<AuthHeader> auth_header(const BackendProfile& profile, std::string_view api_key) {
  api_key = trim_ascii_space(api_key);
  if (api_key.empty())
    return std::nullopt;
  if (profile.kind == BackendKind::kAzure)
    return AuthHeader{"api-key", std::string(api_key)};
  std::string value;
  value.reserve(7 + api_key.size());
  value += "Bearer ";
  value += api_key;
  return AuthHeader{"Authorization", std::move(value)};
}

}  // namespace lusifer::llm
