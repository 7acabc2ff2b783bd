#include "engine/llm/chat_response.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace lusifer::llm;

namespace {

// OpenAI, without prompt caching.
constexpr std::string_view kOpenAI = R"({
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "{\"rating\": 4, \"reason\": \"Fun \u00e9 film\"}",
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 19,
    "completion_tokens": 10,
    "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
  },
  "service_tier": "default",
  "system_fingerprint": "fp_06737a9306"
})";

// OpenAI, with part of the prompt served from its prompt cache.
constexpr std::string_view kOpenAICached =
    R"({"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,)"
    R"("prompt_tokens_details":{"cached_tokens":1920}},"system_fingerprint":null})";

// vLLM, with its non-standard extras.
constexpr std::string_view kVllm = R"({
  "id": "chatcmpl-7f3c", "object": "chat.completion", "created": 1720000000,
  "model": "meta-llama/Llama-3.1-8B-Instruct",
  "choices": [{
    "index": 0,
    "message": {"role": "assistant", "reasoning_content": null, "content": "3",
                "tool_calls": []},
    "logprobs": null, "finish_reason": "stop", "stop_reason": 128009
  }],
  "usage": {"prompt_tokens": 57, "total_tokens": 58, "completion_tokens": 1,
            "prompt_tokens_details": null},
  "prompt_logprobs": null,
  "prompt_token_ids": [128000, 128006, 9125],
  "kv_transfer_params": null,
  "metrics": {"arrival_time": 1720000000.1, "first_token_time": 1720000000.2,
              "nested": {"a": [1, {"b": [2, 3]}]}}
})";

// Ollama's /v1 endpoint after a cached prompt evaluation.
constexpr std::string_view kOllama =
    R"({"id":"chatcmpl-123","object":"chat.completion","created":1730000000,"model":"llama3.1:8b",)"
    R"("system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"Sure."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":0,"completion_tokens":3,"total_tokens":3}})";

// llama.cpp's server: usage before choices, timings, its own fingerprint.
constexpr std::string_view kLlamaCpp = R"({
  "usage": {"completion_tokens": 12, "prompt_tokens": 30, "total_tokens": 42},
  "timings": {"prompt_n": 30, "prompt_ms": 12.5, "predicted_n": 12, "predicted_per_second": 80.1},
  "choices": [{"finish_reason": "length", "index": 0,
               "message": {"role": "assistant", "content": "I would rate it"}}],
  "created": 1730000000, "model": "gpt-3.5-turbo", "system_fingerprint": "b4567-0f9c2a",
  "object": "chat.completion", "id": "chatcmpl-llama"
})";

ResponseParseResult parse(std::string_view body, ChatResponse& out) {
  ChatResponseParser parser;
  return parser.parse(body, out);
}

ResponseDefect defect_of(std::string_view body) {
  ChatResponse out;
  return parse(body, out).defect;
}

}  // namespace

TEST_CASE("an OpenAI completion is read field by field", "[llm][response]") {
  ChatResponse r;
  const auto result = parse(kOpenAI, r);
  REQUIRE(result.ok());
  CHECK(result.reason.empty());
  CHECK(r.id == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT");
  CHECK(r.model == "gpt-4o-mini-2024-07-18");
  CHECK(r.system_fingerprint == "fp_06737a9306");
  CHECK(r.content == "{\"rating\": 4, \"reason\": \"Fun \xc3\xa9 film\"}");
  CHECK_FALSE(r.refusal);
  CHECK(r.finish_reason == FinishReason::kStop);
  CHECK(r.finish_reason_text == "stop");
  CHECK_FALSE(r.truncated());
  REQUIRE(r.has_usage);
  CHECK(r.usage.prompt_tokens == 19);
  CHECK(r.usage.completion_tokens == 10);
  CHECK(r.usage.total_tokens == 29);
  CHECK(r.usage.cached_prompt_tokens == 0);
}

TEST_CASE("cached prompt tokens are read when reported", "[llm][response]") {
  ChatResponse r;
  REQUIRE(parse(kOpenAICached, r).ok());
  CHECK(r.usage.prompt_tokens == 2006);
  CHECK(r.usage.cached_prompt_tokens == 1920);
  CHECK(r.system_fingerprint.empty());  // null
}

TEST_CASE("vLLM's extra fields are skipped", "[llm][response]") {
  ChatResponse r;
  REQUIRE(parse(kVllm, r).ok());
  CHECK(r.content == "3");
  CHECK(r.model == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(r.usage.prompt_tokens == 57);
  CHECK(r.usage.completion_tokens == 1);
  CHECK(r.usage.cached_prompt_tokens == 0);  // prompt_tokens_details: null
}

TEST_CASE("Ollama's zero prompt tokens are kept as reported", "[llm][response]") {
  ChatResponse r;
  REQUIRE(parse(kOllama, r).ok());
  CHECK(r.has_usage);
  CHECK(r.usage.prompt_tokens == 0);
  CHECK(r.usage.completion_tokens == 3);
  CHECK(r.system_fingerprint == "fp_ollama");
}

TEST_CASE("llama.cpp bodies parse in any field order; length means truncated", "[llm][response]") {
  ChatResponse r;
  REQUIRE(parse(kLlamaCpp, r).ok());
  CHECK(r.id == "chatcmpl-llama");
  CHECK(r.content == "I would rate it");
  CHECK(r.finish_reason == FinishReason::kLength);
  CHECK(r.truncated());
  CHECK(r.usage.total_tokens == 42);
}

TEST_CASE("finish reasons are mapped, unknown ones kept as text", "[llm][response]") {
  const auto reason_of = [](std::string_view finish) {
    ChatResponse r;
    const std::string body =
        std::string(R"({"choices":[{"message":{"content":"x"},"finish_reason":)") +
        std::string(finish) + "}]}";
    REQUIRE(parse(body, r).ok());
    return std::pair(r.finish_reason, r.finish_reason_text);
  };
  CHECK(reason_of("\"content_filter\"").first == FinishReason::kContentFilter);
  CHECK(reason_of("\"tool_calls\"").first == FinishReason::kToolCalls);
  CHECK(reason_of("\"function_call\"").first == FinishReason::kToolCalls);
  CHECK(reason_of("null").first == FinishReason::kNotReported);
  const auto abort = reason_of("\"abort\"");
  CHECK(abort.first == FinishReason::kOther);
  CHECK(abort.second == "abort");
}

TEST_CASE("usage may be absent; total is derived when missing", "[llm][response]") {
  ChatResponse r;
  REQUIRE(parse(R"({"choices":[{"message":{"content":"x"}}]})", r).ok());
  CHECK_FALSE(r.has_usage);
  CHECK(r.usage.prompt_tokens == 0);
  REQUIRE(parse(R"({"choices":[{"message":{"content":"x"}}],"usage":null})", r).ok());
  CHECK_FALSE(r.has_usage);
  REQUIRE(parse(R"({"choices":[{"message":{"content":"x"}}],)"
                R"("usage":{"prompt_tokens":5,"completion_tokens":2}})",
                r)
              .ok());
  CHECK(r.has_usage);
  CHECK(r.usage.total_tokens == 7);
}

TEST_CASE("only the first choice is read", "[llm][response]") {
  ChatResponse r;
  REQUIRE(parse(R"({"choices":[{"index":0,"message":{"content":"first"},"finish_reason":"stop"},)"
                R"({"index":1,"message":{"content":"second"},"finish_reason":"length"}]})",
                r)
              .ok());
  CHECK(r.content == "first");
  CHECK(r.finish_reason == FinishReason::kStop);
}

TEST_CASE("a refusal is reported with its text", "[llm][response]") {
  ChatResponse r;
  const auto result =
      parse(R"({"choices":[{"message":{"role":"assistant","content":null,)"
            R"("refusal":"I'm sorry, I can't help with that."},"finish_reason":"stop"}]})",
            r);
  CHECK(result.defect == ResponseDefect::kRefusal);
  REQUIRE(r.refusal);
  CHECK(*r.refusal == "I'm sorry, I can't help with that.");
  CHECK(result.reason.find("I'm sorry") != std::string::npos);
}

TEST_CASE("bodies that are not usable answers are reported, never accepted", "[llm][response]") {
  using D = ResponseDefect;
  CHECK(defect_of("") == D::kEmptyBody);
  CHECK(defect_of(" \r\n ") == D::kEmptyBody);
  CHECK(defect_of("<html><body>502 Bad Gateway</body></html>") == D::kMalformedJson);
  CHECK(defect_of("[1,2,3]") == D::kNotAnObject);
  CHECK(defect_of("\"just a string\"") == D::kNotAnObject);
  CHECK(defect_of(R"({"choices":[]})") == D::kNoChoices);
  CHECK(defect_of(R"({"choices":null})") == D::kNoChoices);
  CHECK(defect_of(R"({"choices":{"message":{"content":"x"}}})") == D::kNoChoices);
  CHECK(defect_of(R"({"id":"x","object":"chat.completion"})") == D::kNoChoices);
  CHECK(defect_of(R"({"choices":[{"finish_reason":"stop"}]})") == D::kNoMessage);
  CHECK(defect_of(R"({"choices":[{"message":null}]})") == D::kNoMessage);
  CHECK(defect_of(R"({"choices":[{"message":{"role":"assistant","content":null}}]})") ==
        D::kNullContent);
  CHECK(defect_of(R"({"choices":[{"message":{"role":"assistant"}}]})") == D::kNullContent);
  CHECK(defect_of(R"({"choices":[{"message":{"content":42}}]})") == D::kUnexpectedType);
  CHECK(defect_of(R"({"choices":[{"message":{"content":[{"type":"text","text":"x"}]}}]})") ==
        D::kUnexpectedType);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":"12"}})") ==
        D::kUnexpectedType);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-1}})") ==
        D::kUnexpectedType);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1.5}})") ==
        D::kUnexpectedType);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}],"id":7})") == D::kUnexpectedType);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}]}})") == D::kMalformedJson);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}]} trailing)") == D::kMalformedJson);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"x"}}],})") == D::kMalformedJson);
  CHECK(defect_of(R"({"choices":[{"message":{"content":"unterminated}}]})") == D::kMalformedJson);
  CHECK(defect_of("{\"choices\":[{\"message\":{\"content\":\"bad \xff utf8\"}}]}") ==
        D::kMalformedJson);
}

TEST_CASE("an error object in a 2xx body is recognised", "[llm][response]") {
  CHECK(defect_of(R"({"error":{"message":"Rate limit exceeded","code":429}})") ==
        ResponseDefect::kErrorObject);
  CHECK(defect_of(R"({"choices":[],"error":{"message":"upstream failed"}})") ==
        ResponseDefect::kErrorObject);
  // "error": null next to a good answer is no error.
  CHECK(defect_of(R"({"error":null,"choices":[{"message":{"content":"x"}}]})") ==
        ResponseDefect::kNone);
}

TEST_CASE("every truncation of a body is a failure, never a crash", "[llm][response]") {
  ChatResponseParser parser;
  ChatResponse r;
  for (const std::string_view body : {kOpenAI, kVllm, kLlamaCpp, kOpenAICached}) {
    REQUIRE(parser.parse(body, r).ok());
    // Cut after the last closing brace but keep the rest: every shorter
    // prefix lacks the closing brace of the top-level object.
    const auto end = body.rfind('}');
    for (std::size_t n = 0; n < end + 1; ++n) {
      const auto result = parser.parse(body.substr(0, n), r);
      INFO("prefix of " << n << " bytes: " << body.substr(0, n));
      CHECK_FALSE(result.ok());
      CHECK_FALSE(result.reason.empty());
    }
  }
}

TEST_CASE("a parser is reusable and leaves nothing from earlier bodies", "[llm][response]") {
  ChatResponseParser parser;
  ChatResponse r;
  REQUIRE(parser.parse(R"({"choices":[{"message":{"content":null,"refusal":"no"}}]})", r).defect ==
          ResponseDefect::kRefusal);
  REQUIRE(parser.parse(kOpenAICached, r).ok());
  CHECK_FALSE(r.refusal);
  CHECK(r.usage.cached_prompt_tokens == 1920);
  REQUIRE(parser.parse(kOllama, r).ok());
  CHECK(r.usage.cached_prompt_tokens == 0);
  CHECK(r.content == "Sure.");

  // A big body, then a small one.
  const std::string big_content(1 << 20, 'x');
  const std::string big = R"({"choices":[{"message":{"content":")" + big_content + R"("}}]})";
  REQUIRE(parser.parse(big, r).ok());
  CHECK(r.content.size() == big_content.size());
  REQUIRE(parser.parse(kLlamaCpp, r).ok());
  CHECK(r.content == "I would rate it");
}

TEST_CASE("defect and finish reason names are stable", "[llm][response]") {
  CHECK(response_defect_name(ResponseDefect::kMalformedJson) == "malformed_json");
  CHECK(response_defect_name(ResponseDefect::kErrorObject) == "error_object");
  CHECK(finish_reason_name(FinishReason::kLength) == "length");
  CHECK(finish_reason_name(FinishReason::kNotReported) == "not_reported");
}
