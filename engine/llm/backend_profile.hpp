#pragma once

// What differs between the servers that speak OpenAI's chat-completions
// protocol: where the endpoint is, how to authenticate, and which request
// fields each one accepts.
//
// A BackendProfile is plain data. `default_backend_profile` fills it with
// what each kind of server is known to accept; a configuration may then
// override single capabilities (a "generic" server that does support
// json_schema, say). Everything here is pure and thread-safe; nothing is
// ever logged, so API keys passed in stay with the caller.
//
// Per kind (defaults):
//   kind       base URL                    max tokens field       n    schema  user  key
//   openai     https://api.openai.com/v1   max_completion_tokens  yes  yes     yes   required
//   azure      (the resource endpoint)     max_completion_tokens  yes  yes     yes   required
//   vllm       http://localhost:8000/v1    max_tokens             yes  yes     no    optional
//   ollama     http://localhost:11434      max_tokens             no   yes     no    optional
//   llama.cpp  http://localhost:8080/v1    max_tokens             no   yes     no    optional
//   generic    (required)                  max_tokens             no   no      no    optional
// Every kind sends seed. "schema": json_schema response formats (otherwise
// they fall back to json_object).
// Sources: the wire-protocol notes (shared/notes/llm-wire-protocol.md);
// Ollama >= 0.5 and llama.cpp's server (since 2024-09) accept json_schema;
// llama.cpp rejects n != 1 ("Only one completion choice is allowed"); vLLM
// ignores `user`; OpenAI's reasoning models reject `max_tokens`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer::llm {

enum class BackendKind { kOpenAI, kAzure, kVllm, kOllama, kLlamaCpp, kGeneric };

// "openai", "azure", "vllm", "ollama", "llama.cpp", "generic".
std::string_view backend_kind_name(BackendKind kind) noexcept;

// Accepts the names above in any case, plus "llamacpp", "llama-cpp" and
// "azure-openai"; nullopt otherwise (report kBackendKindChoices to the user).
std::optional<BackendKind> parse_backend_kind(std::string_view name) noexcept;

inline constexpr std::string_view kBackendKindChoices =
    "openai, azure, vllm, ollama, llama.cpp or generic";

enum class MaxTokensField { kMaxCompletionTokens, kMaxTokens };

// "max_completion_tokens" or "max_tokens".
std::string_view max_tokens_field_name(MaxTokensField field) noexcept;

// The API version used for Azure when none is configured: the first GA
// version with structured outputs and max_completion_tokens.
inline constexpr std::string_view kDefaultAzureApiVersion = "2024-10-21";

struct BackendProfile {
  BackendKind kind = BackendKind::kGeneric;

  // Where the server is. For OpenAI, vLLM, llama.cpp and generic servers the
  // API root (".../v1"); for Ollama the server ("http://host:11434", with or
  // without "/v1"); for Azure the resource endpoint
  // ("https://<resource>.openai.azure.com").
  std::string base_url;
  std::string azure_deployment;   // Azure only: names the model
  std::string azure_api_version;  // Azure only

  // What the server accepts.
  MaxTokensField max_tokens_field = MaxTokensField::kMaxTokens;
  bool supports_n = false;            // n > 1 may be sent
  bool supports_json_schema = false;  // otherwise json_schema falls back to json_object
  bool sends_seed = true;
  bool sends_user = false;
  bool requires_api_key = false;

  // The context window the server runs the model with, in tokens, when the
  // user knows it (Ollama's num_ctx). Enables `check_context_window`.
  std::optional<std::int64_t> context_length;
};

// The kind's known capabilities and its default base URL (empty for Azure and
// generic servers, which have none).
BackendProfile default_backend_profile(BackendKind kind);

std::string_view default_base_url(BackendKind kind) noexcept;

// A description of what is wrong with `profile` (an unusable base URL, Azure
// without a deployment or API version, a non-positive context length), or
// nullopt when it can be used.
std::optional<std::string> check_backend_profile(const BackendProfile& profile);

// The full URL to POST chat completions to:
//   openai, generic:         <base>/chat/completions   (openai adds /v1 to a bare host)
//   vllm, llama.cpp, ollama: <base>/v1/chat/completions unless base already ends in /v1
//   azure: <endpoint>/openai/deployments/<deployment>/chat/completions?api-version=<version>
// Scheme and host are lower-cased and trailing slashes dropped, so equivalent
// spellings give the same URL. Throws std::invalid_argument with the
// `check_backend_profile` message when the profile is unusable.
std::string chat_completions_url(const BackendProfile& profile);

// The API root the endpoint paths hang from, normalised like the chat URL:
// "https://api.openai.com/v1", "http://localhost:11434/v1", or for Azure
// "<endpoint>/openai". Throws std::invalid_argument like chat_completions_url.
std::string api_root_url(const BackendProfile& profile);

// Appends `text` percent-encoded: everything but RFC 3986's unreserved
// characters, for ids and versions that go into URL paths and queries.
void append_percent_encoded(std::string& out, std::string_view text);

struct AuthHeader {
  std::string_view name;  // "Authorization" or "api-key"
  std::string value;      // holds the key: never log it
};

// "Authorization: Bearer <key>", or Azure's "api-key: <key>"; nullopt when
// `api_key` is empty (local servers need none; callers enforce
// `requires_api_key` when they load the configuration).
std::optional<AuthHeader> auth_header(const BackendProfile& profile, std::string_view api_key);

}  // namespace lusifer::llm
