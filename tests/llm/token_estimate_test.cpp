#include "engine/llm/token_estimate.hpp"

#include <limits>

#include <catch2/catch.hpp>

#include "engine/llm/backend_quirks.hpp"

using namespace lusifer::llm;

namespace {

ChatRequest two_messages() {
  ChatRequest r;
  r.model = std::string("m");
  r.messages = {{MessageRole::kSystem, "0123456789"},  // 10 bytes -> 3 tokens
                {MessageRole::kUser, "abc"}};          //  3 bytes -> 1 token
  return r;
}

}  // namespace

TEST_CASE("the prompt estimate follows the documented rule", "[llm][tokens]") {
  auto r = two_messages();
  CHECK(estimate_prompt_tokens(r) == 3 + (4 + 3) + (4 + 1));

  r.messages.push_back({MessageRole::kUser, ""});
  CHECK(estimate_prompt_tokens(r) == 3 + (4 + 3) + (4 + 1) + 4);

  // Multi-byte text counts by bytes: "é" is 2 bytes.
  ChatRequest accents;
  accents.messages = {{MessageRole::kUser, "\xc3\xa9\xc3\xa9\xc3\xa9"}};  // 6 bytes -> 2 tokens
  CHECK(estimate_prompt_tokens(accents) == 3 + 4 + 2);

  // A schema adds its compact size.
  r = two_messages();
  r.response_format = ResponseFormat::json_schema("s", R"({ "type" : "object" })");  // 17 bytes
  CHECK(r.response_format.schema_compact().size() == 17);
  CHECK(estimate_prompt_tokens(r) == 15 + 5);
  r.response_format = ResponseFormat::json_object();
  CHECK(estimate_prompt_tokens(r) == 15);
}

TEST_CASE("the reservation adds the possible output for every choice", "[llm][tokens]") {
  auto r = two_messages();
  CHECK(estimate_tokens_to_reserve(r, 1000) == 15 + 1000);
  r.max_output_tokens = 64;
  CHECK(estimate_tokens_to_reserve(r, 1000) == 15 + 64);
  r.n = 3;
  CHECK(estimate_tokens_to_reserve(r, 1000) == 15 + 3 * 64);
  r.max_output_tokens.reset();
  r.n = 2;
  CHECK(estimate_tokens_to_reserve(r, std::numeric_limits<std::int64_t>::max()) ==
        std::numeric_limits<std::int64_t>::max());
  CHECK(estimate_tokens_to_reserve(r, -5) == 15);
}

TEST_CASE("a prompt that fills Ollama's window is flagged with the fix", "[llm][quirks]") {
  auto ollama = default_backend_profile(BackendKind::kOllama);
  TokenUsage usage;
  usage.prompt_tokens = 2048;

  CHECK(check_context_window(ollama, usage, 9000).verdict == ContextWindowVerdict::kUnknown);

  ollama.context_length = 2048;
  const auto full = check_context_window(ollama, usage, 1500);
  CHECK(full.verdict == ContextWindowVerdict::kPromptFilledWindow);
  CHECK(full.warning.find("2048 of 2048") != std::string::npos);
  CHECK(full.warning.find("num_ctx") != std::string::npos);
  CHECK(full.warning.find("OLLAMA_CONTEXT_LENGTH") != std::string::npos);

  // Ollama versions that keep half the window report fewer tokens; the
  // estimate still shows the prompt cannot have fitted.
  usage.prompt_tokens = 1026;
  const auto estimated = check_context_window(ollama, usage, 4400);
  CHECK(estimated.verdict == ContextWindowVerdict::kEstimateExceedsWindow);
  CHECK(estimated.warning.find("4400") != std::string::npos);

  usage.prompt_tokens = 900;
  const auto fits = check_context_window(ollama, usage, 950);
  CHECK(fits.verdict == ContextWindowVerdict::kFits);
  CHECK(fits.warning.empty());

  usage.prompt_tokens = 0;  // cached: nothing to compare
  CHECK(check_context_window(ollama, usage, 950).verdict == ContextWindowVerdict::kUnknown);

  auto llama = default_backend_profile(BackendKind::kLlamaCpp);
  llama.context_length = 4096;
  usage.prompt_tokens = 4096;
  CHECK(check_context_window(llama, usage, 10).warning.find("--ctx-size") != std::string::npos);
}

TEST_CASE("Ollama's cached zero prompt tokens are replaced by the estimate", "[llm][quirks]") {
  TokenUsage usage;
  usage.prompt_tokens = 0;
  CHECK(prompt_tokens_for_accounting(default_backend_profile(BackendKind::kOllama), usage, 321) ==
        321);
  CHECK(prompt_tokens_for_accounting(default_backend_profile(BackendKind::kVllm), usage, 321) == 0);
  usage.prompt_tokens = 250;
  CHECK(prompt_tokens_for_accounting(default_backend_profile(BackendKind::kOllama), usage, 321) ==
        250);
}
