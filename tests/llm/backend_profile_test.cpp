#include "engine/llm/backend_profile.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

using namespace lusifer::llm;

namespace {

BackendProfile profile_at(BackendKind kind, std::string base_url) {
  auto profile = default_backend_profile(kind);
  profile.base_url = std::move(base_url);
  return profile;
}

}  // namespace

TEST_CASE("backend kinds round-trip through their names", "[llm][backend]") {
  for (const auto kind : {BackendKind::kOpenAI, BackendKind::kAzure, BackendKind::kVllm,
                          BackendKind::kOllama, BackendKind::kLlamaCpp, BackendKind::kGeneric}) {
    CHECK(parse_backend_kind(backend_kind_name(kind)) == kind);
  }
  CHECK(parse_backend_kind("OpenAI") == BackendKind::kOpenAI);
  CHECK(parse_backend_kind(" ollama ") == BackendKind::kOllama);
  CHECK(parse_backend_kind("llamacpp") == BackendKind::kLlamaCpp);
  CHECK(parse_backend_kind("llama-cpp") == BackendKind::kLlamaCpp);
  CHECK(parse_backend_kind("azure-openai") == BackendKind::kAzure);
  CHECK_FALSE(parse_backend_kind("anthropic"));
  CHECK_FALSE(parse_backend_kind(""));
}

TEST_CASE("default profiles carry each server's dialect", "[llm][backend]") {
  const auto openai = default_backend_profile(BackendKind::kOpenAI);
  CHECK(openai.max_tokens_field == MaxTokensField::kMaxCompletionTokens);
  CHECK(openai.supports_n);
  CHECK(openai.supports_json_schema);
  CHECK(openai.sends_user);
  CHECK(openai.requires_api_key);
  CHECK(openai.base_url == "https://api.openai.com/v1");

  const auto azure = default_backend_profile(BackendKind::kAzure);
  CHECK(azure.max_tokens_field == MaxTokensField::kMaxCompletionTokens);
  CHECK(azure.requires_api_key);
  CHECK(azure.azure_api_version == kDefaultAzureApiVersion);
  CHECK(azure.base_url.empty());

  const auto vllm = default_backend_profile(BackendKind::kVllm);
  CHECK(vllm.max_tokens_field == MaxTokensField::kMaxTokens);
  CHECK(vllm.supports_n);
  CHECK(vllm.supports_json_schema);
  CHECK_FALSE(vllm.sends_user);
  CHECK_FALSE(vllm.requires_api_key);

  const auto ollama = default_backend_profile(BackendKind::kOllama);
  CHECK(ollama.max_tokens_field == MaxTokensField::kMaxTokens);
  CHECK_FALSE(ollama.supports_n);
  CHECK(ollama.supports_json_schema);
  CHECK(ollama.sends_seed);
  CHECK(ollama.base_url == "http://localhost:11434");

  const auto llama = default_backend_profile(BackendKind::kLlamaCpp);
  CHECK_FALSE(llama.supports_n);
  CHECK(llama.max_tokens_field == MaxTokensField::kMaxTokens);

  const auto generic = default_backend_profile(BackendKind::kGeneric);
  CHECK_FALSE(generic.supports_json_schema);
  CHECK_FALSE(generic.supports_n);
  CHECK(generic.base_url.empty());
  CHECK(max_tokens_field_name(MaxTokensField::kMaxCompletionTokens) == "max_completion_tokens");
  CHECK(max_tokens_field_name(MaxTokensField::kMaxTokens) == "max_tokens");
}

TEST_CASE("chat URLs follow each server's layout", "[llm][backend]") {
  CHECK(chat_completions_url(default_backend_profile(BackendKind::kOpenAI)) ==
        "https://api.openai.com/v1/chat/completions");
  CHECK(chat_completions_url(profile_at(BackendKind::kOpenAI, "https://api.openai.com/")) ==
        "https://api.openai.com/v1/chat/completions");
  CHECK(chat_completions_url(profile_at(BackendKind::kOpenAI, "https://proxy.example/openai/v1")) ==
        "https://proxy.example/openai/v1/chat/completions");

  CHECK(chat_completions_url(profile_at(BackendKind::kVllm, "http://gpu1:8000/v1/")) ==
        "http://gpu1:8000/v1/chat/completions");
  CHECK(chat_completions_url(profile_at(BackendKind::kVllm, "http://gpu1:8000")) ==
        "http://gpu1:8000/v1/chat/completions");
  CHECK(chat_completions_url(default_backend_profile(BackendKind::kLlamaCpp)) ==
        "http://localhost:8080/v1/chat/completions");

  // Ollama takes the server address with or without /v1.
  CHECK(chat_completions_url(profile_at(BackendKind::kOllama, "http://localhost:11434")) ==
        "http://localhost:11434/v1/chat/completions");
  CHECK(chat_completions_url(profile_at(BackendKind::kOllama, "http://localhost:11434/v1")) ==
        "http://localhost:11434/v1/chat/completions");
  CHECK(chat_completions_url(profile_at(BackendKind::kOllama, "http://localhost:11434/")) ==
        "http://localhost:11434/v1/chat/completions");

  // A generic server's root is used as given, whatever its path.
  CHECK(chat_completions_url(profile_at(BackendKind::kGeneric, "https://api.groq.com/openai/v1")) ==
        "https://api.groq.com/openai/v1/chat/completions");
  CHECK(chat_completions_url(profile_at(
            BackendKind::kGeneric, "https://generativelanguage.googleapis.com/v1beta/openai/")) ==
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");

  // Scheme and host are case-insensitive; the path is not.
  CHECK(chat_completions_url(profile_at(BackendKind::kGeneric, "HTTP://LocalHost:9000/API/V1")) ==
        "http://localhost:9000/API/V1/chat/completions");
}

TEST_CASE("API roots are the chat URL's base", "[llm][backend]") {
  CHECK(api_root_url(default_backend_profile(BackendKind::kOpenAI)) == "https://api.openai.com/v1");
  CHECK(api_root_url(profile_at(BackendKind::kOllama, "http://localhost:11434")) ==
        "http://localhost:11434/v1");
  CHECK(api_root_url(profile_at(BackendKind::kGeneric, "https://x.example/api/")) ==
        "https://x.example/api");
  std::string encoded = "id=";
  append_percent_encoded(encoded, "a b/c~d_e.f-g\xc3\xa9");
  CHECK(encoded == "id=a%20b%2Fc~d_e.f-g%C3%A9");
}

TEST_CASE("Azure URLs name the deployment and API version", "[llm][backend]") {
  auto azure = profile_at(BackendKind::kAzure, "https://MyResource.openai.azure.com/");
  azure.azure_deployment = "gpt-4o-mini";
  CHECK(chat_completions_url(azure) ==
        "https://myresource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21");

  azure.base_url = "https://myresource.openai.azure.com/openai/";
  azure.azure_api_version = "2025-01-01-preview";
  CHECK(chat_completions_url(azure) ==
        "https://myresource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2025-01-01-preview");

  azure.azure_deployment = "my model/v2";
  CHECK(chat_completions_url(azure) ==
        "https://myresource.openai.azure.com/openai/deployments/my%20model%2Fv2/chat/completions"
        "?api-version=2025-01-01-preview");
}

TEST_CASE("unusable profiles are reported, and refused when building URLs", "[llm][backend]") {
  const auto problem_with = [](BackendProfile p) { return check_backend_profile(p); };
  CHECK_FALSE(problem_with(default_backend_profile(BackendKind::kOllama)));

  for (const std::string bad :
       {"", "   ", "ftp://host/v1", "localhost:8000/v1", "http://", "http:///v1", "http://a b/v1",
        "http://host/v1?x=1", "http://host/v1#frag", "http://user:secret@host/v1"}) {
    INFO("base URL: '" << bad << "'");
    const auto profile = profile_at(BackendKind::kVllm, bad);
    CHECK(problem_with(profile));
    CHECK_THROWS_AS(chat_completions_url(profile), std::invalid_argument);
  }
  // Credentials are refused without repeating them in the message.
  CHECK(
      problem_with(profile_at(BackendKind::kVllm, "http://user:secret@host/v1"))->find("secret") ==
      std::string::npos);

  auto azure = profile_at(BackendKind::kAzure, "https://r.openai.azure.com");
  const auto no_deployment = problem_with(azure);
  REQUIRE(no_deployment);
  CHECK(no_deployment->find("deployment") != std::string::npos);
  azure.azure_deployment = std::string("gpt-4o");
  azure.azure_api_version.clear();
  const auto no_version = problem_with(azure);
  REQUIRE(no_version);
  CHECK(no_version->find("API version") != std::string::npos);

  auto ollama = default_backend_profile(BackendKind::kOllama);
  ollama.context_length = 0;
  CHECK(problem_with(ollama));
  ollama.context_length = 4096;
  CHECK_FALSE(problem_with(ollama));
}

TEST_CASE("auth headers: Bearer, Azure's api-key, or none", "[llm][backend]") {
  const auto openai = auth_header(default_backend_profile(BackendKind::kOpenAI), "sk-abc123");
  REQUIRE(openai);
  CHECK(openai->name == "Authorization");
  CHECK(openai->value == "Bearer sk-abc123");

  const auto azure = auth_header(default_backend_profile(BackendKind::kAzure), " azkey \n");
  REQUIRE(azure);
  CHECK(azure->name == "api-key");
  CHECK(azure->value == "azkey");

  CHECK_FALSE(auth_header(default_backend_profile(BackendKind::kOllama), ""));
  CHECK_FALSE(auth_header(default_backend_profile(BackendKind::kVllm), "  "));
  // A key given for a local server (behind an auth proxy, say) is still sent.
  const auto vllm = auth_header(default_backend_profile(BackendKind::kVllm), "token-1");
  REQUIRE(vllm);
  CHECK(vllm->value == "Bearer token-1");
}
