#pragma once

// Secrets (API keys, tokens, passwords) never live in config files: a file is
// copied, committed and attached to bug reports. A config names the
// environment variable that holds the secret instead,
//   [llm]
//   api_key_env = "OPENAI_API_KEY"
// and the module reads that name with ConfigSection::env_secret("api_key_env")
// and resolves it only when it needs the value.
//
// Thread-safety: EnvSecret is an immutable value; resolve() reads the
// environment, which is safe as long as nothing calls setenv concurrently.

#include <cstddef>
#include <string>
#include <string_view>

namespace lusifer {

class EnvSecret {
 public:
  // `variable` is the environment variable's name; `file`, `line` and `key`
  // say where the config named it, for errors.
  EnvSecret(std::string variable, std::string file, std::size_t line, std::string key);

  const std::string& variable() const noexcept { return variable_; }
  const std::string& key() const noexcept { return key_; }

  // The variable's value, read now, and registered with redact_in_logs so it
  // can never reach a log. Throws ConfigError naming the variable and the
  // config key when the variable is unset or empty. The error never contains
  // the value.
  std::string resolve() const;

 private:
  std::string variable_;
  std::string file_;
  std::size_t line_;
  std::string key_;
};

// True for key names that only ever hold secrets (compared without regard to
// case): api_key, apikey, secret, secret_key, password, passwd, private_key,
// access_token, auth_token, api_token, bearer_token, refresh_token and
// session_token, whole or after an underscore (openai_api_key,
// client_secret), and token and authorization whole. Tokenizer settings such
// as pad_token or max_tokens are not secrets and do not match.
bool looks_like_secret_key(std::string_view key);

// True for valid environment variable names: an ASCII letter or underscore,
// then letters, digits and underscores.
bool is_environment_variable_name(std::string_view name);

}  // namespace lusifer
