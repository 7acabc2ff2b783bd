#include "engine/config/env_secret.hpp"

#include <cstdlib>
#include <string>
#include <utility>

#include "engine/config/config_error.hpp"
#include "engine/core/logging.hpp"

namespace lusifer {
namespace {

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

EnvSecret::EnvSecret(std::string variable, std::string file, std::size_t line, std::string key)
    : variable_(std::move(variable)), file_(std::move(file)), line_(line), key_(std::move(key)) {}

std::string EnvSecret::resolve() const {
  const char* value = std::getenv(variable_.c_str());
  if (value == nullptr || *value == '\0') {
    throw ConfigError(
        file_, line_,
        "the environment variable " + variable_ + " (named by " + key_ + ") to hold the secret",
        value == nullptr ? "it unset" : "it empty", key_);
  }
  std::string secret(value);
  redact_in_logs(secret);
  return secret;
}

bool looks_like_secret_key(std::string_view key) {
  // Matched whole or after an underscore (openai_api_key, client_secret).
  static constexpr std::string_view kSecretNames[] = {
      "api_key",      "apikey",        "secret",       "secret_key", "password",
      "passwd",       "private_key",   "access_token", "auth_token", "api_token",
      "bearer_token", "refresh_token", "session_token"};
  // Matched only whole: pad_token or eos_token are tokenizer settings.
  static constexpr std::string_view kWholeOnly[] = {"token", "authorization"};
  const std::string name = lower_ascii(key);
  for (const std::string_view whole : kWholeOnly) {
    if (name == whole)
      return true;
  }
  for (const std::string_view secret : kSecretNames) {
    if (name == secret)
      return true;
    if (name.size() > secret.size() && name.ends_with(secret) &&
        name[name.size() - secret.size() - 1] == '_') {
      return true;
    }
  }
  return false;
}

bool is_environment_variable_name(std::string_view name) {
  if (name.empty())
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0))
      return false;
  }
  return true;
}

}  // namespace lusifer
