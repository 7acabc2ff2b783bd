#include "engine/llm/chat_stream.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/failure_classification.hpp"

using namespace lusifer::llm;

namespace {

// An OpenAI stream with stream_options.include_usage.
const std::string kOpenAIStream =
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]"
    ","
    "\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"rating\\\": "
    "\"},"
    "\"finish_reason\":null}],\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4}\"},"
    "\"finish_reason\":null}],\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
    "\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,"
    "\"completion_tokens\":5,\"total_tokens\":35,\"prompt_tokens_details\":{\"cached_tokens\":0}}}"
    "\n\n"
    "data: [DONE]\n\n";

void check_openai_result(const ResponseParseResult& result, const ChatResponse& r) {
  REQUIRE(result.ok());
  CHECK(r.id == "chatcmpl-1");
  CHECK(r.model == "gpt-4o-mini");
  CHECK(r.system_fingerprint == "fp_44709d6fcb");
  CHECK(r.content == "{\"rating\": 4}");
  CHECK(r.finish_reason == FinishReason::kStop);
  REQUIRE(r.has_usage);
  CHECK(r.usage.prompt_tokens == 30);
  CHECK(r.usage.completion_tokens == 5);
  CHECK(r.usage.total_tokens == 35);
}

ResponseParseResult run(std::string_view stream, ChatResponse& out,
                        std::size_t max_bytes = ChatStreamAccumulator::kDefaultMaxBytes) {
  ChatStreamAccumulator acc(max_bytes);
  acc.feed(stream);
  return acc.finish(out);
}

std::string with_crlf(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n')
      out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("a streamed completion is assembled from its chunks", "[llm][stream]") {
  ChatStreamAccumulator acc;
  REQUIRE(acc.feed(kOpenAIStream).ok());
  CHECK(acc.done());
  CHECK(acc.usage_seen());
  ChatResponse r;
  check_openai_result(acc.finish(r), r);
}

TEST_CASE("chunks split anywhere give the same answer", "[llm][stream]") {
  for (const auto& stream : {kOpenAIStream, with_crlf(kOpenAIStream)}) {
    ChatStreamAccumulator bytewise;
    for (const char c : stream)
      REQUIRE(bytewise.feed(std::string_view(&c, 1)).ok());
    ChatResponse r;
    check_openai_result(bytewise.finish(r), r);

    lusifer::Rng rng(7);
    for (int trial = 0; trial < 50; ++trial) {
      ChatStreamAccumulator acc;
      std::size_t at = 0;
      while (at < stream.size()) {
        const std::size_t n = 1 + rng.uniform_index(40);
        REQUIRE(acc.feed(std::string_view(stream).substr(at, n)).ok());
        at += n;
      }
      ChatResponse split;
      check_openai_result(acc.finish(split), split);
    }
  }
}

TEST_CASE("comments, other fields, bare CR and multi-line data", "[llm][stream]") {
  const std::string stream =
      ": keep-alive\r"
      "event: message\rid: 7\rretry: 1000\r"
      "data:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\r\r"
      "data: {\"choices\":[{\"index\":0,\n"
      "data: \"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"}]}\n\n"
      "data: [DONE]";  // no blank line at the very end
  ChatResponse r;
  const auto result = run(stream, r);
  REQUIRE(result.ok());
  CHECK(r.content == "ab");
  CHECK(r.truncated());
  CHECK_FALSE(r.has_usage);  // this server sent none: normal
}

TEST_CASE("Ollama and vLLM stream shapes", "[llm][stream]") {
  const std::string ollama =
      "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      "\"model\":\"llama3.1:8b\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,"
      "\"delta\":{\"role\":\"assistant\",\"content\":\"Sure\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      "\"model\":\"llama3.1:8b\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,"
      "\"delta\":{\"role\":\"assistant\",\"content\":\".\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  ChatResponse r;
  REQUIRE(run(ollama, r).ok());
  CHECK(r.content == "Sure.");
  CHECK(r.system_fingerprint == "fp_ollama");

  // vLLM's usage chunk may carry "choices": null.
  const std::string vllm =
      "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"3\"},"
      "\"finish_reason\":\"stop\",\"stop_reason\":null}]}\n\n"
      "data: {\"id\":\"c\",\"choices\":null,\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,"
      "\"total_tokens\":10}}\n\n"
      "data: [DONE]\n\n";
  REQUIRE(run(vllm, r).ok());
  CHECK(r.content == "3");
  CHECK(r.usage.total_tokens == 10);
}

TEST_CASE("only choice 0 is assembled when several are streamed", "[llm][stream]") {
  const std::string stream =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"}},"
      "{\"index\":1,\"delta\":{\"content\":\"X\"}}]}\n\n"
      "data: "
      "{\"choices\":[{\"delta\":{\"content\":\"Y\"},\"index\":1,\"finish_reason\":\"length\"}]}\n\n"
      "data: "
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"B\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  ChatResponse r;
  REQUIRE(run(stream, r).ok());
  CHECK(r.content == "AB");
  CHECK(r.finish_reason == FinishReason::kStop);
}

TEST_CASE("streams that end badly are reported", "[llm][stream]") {
  ChatResponse r;
  // Cut before [DONE]: a transport problem, worth a retry.
  const auto cut = kOpenAIStream.substr(0, kOpenAIStream.find("data: [DONE]"));
  const auto incomplete = run(cut, r);
  CHECK(incomplete.defect == ResponseDefect::kIncompleteStream);
  CHECK(r.content == "{\"rating\": 4}");  // what did arrive is kept
  CHECK(classify_response_defect(incomplete.defect).should_retry());
  // Cut inside a chunk.
  CHECK_FALSE(run(kOpenAIStream.substr(0, 100), r).ok());

  CHECK(run("data: [DONE]\n\n", r).defect == ResponseDefect::kNoChoices);
  CHECK(run("", r).defect == ResponseDefect::kIncompleteStream);
  CHECK(run("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"
            "data: [DONE]\n\n",
            r)
            .defect == ResponseDefect::kNullContent);
  const auto refusal =
      run("data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't\"}}]}\n\n"
          "data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\" help.\"}}]}\n\n"
          "data: [DONE]\n\n",
          r);
  CHECK(refusal.defect == ResponseDefect::kRefusal);
  REQUIRE(r.refusal);
  CHECK(*r.refusal == "I can't help.");
}

TEST_CASE("a malformed chunk fails the stream for good", "[llm][stream]") {
  ChatStreamAccumulator acc;
  const auto bad = acc.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]\n\n");
  CHECK(bad.defect == ResponseDefect::kMalformedJson);
  CHECK(acc.feed("data: [DONE]\n\n").defect == ResponseDefect::kMalformedJson);
  ChatResponse r;
  CHECK(acc.finish(r).defect == ResponseDefect::kMalformedJson);
}

TEST_CASE("an error event keeps its body for classification", "[llm][stream]") {
  ChatStreamAccumulator acc;
  REQUIRE(acc.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n").ok());
  const auto result = acc.feed(
      "data: {\"error\":{\"message\":\"the request exceeds the available context size\","
      "\"code\":400}}\n\n");
  CHECK(result.defect == ResponseDefect::kErrorObject);
  const auto error = parse_error_body(acc.error_data());
  CHECK(error.message == "the request exceeds the available context size");
  CHECK(classify_http_failure(200, error, {}).reason == FailureReason::kContextLengthExceeded);
}

TEST_CASE("streams cannot grow without bound", "[llm][stream]") {
  ChatResponse r;
  std::string long_line = "data: " + std::string(200, 'x');
  CHECK(run(long_line, r, 100).defect == ResponseDefect::kTooLarge);

  std::string many_pieces;
  for (int i = 0; i < 20; ++i) {
    many_pieces += "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"0123456789\"}}]}\n\n";
  }
  CHECK(run(many_pieces + "data: [DONE]\n\n", r, 150).defect == ResponseDefect::kTooLarge);
  CHECK(classify_response_defect(ResponseDefect::kTooLarge).disposition ==
        FailureDisposition::kTerminal);
  REQUIRE(run(many_pieces + "data: [DONE]\n\n", r, 1000).ok());
  CHECK(r.content.size() == 200);
}

TEST_CASE("data after [DONE] is ignored", "[llm][stream]") {
  ChatResponse r;
  REQUIRE(
      run(kOpenAIStream + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}]}\n\n",
          r)
          .ok());
  CHECK(r.content == "{\"rating\": 4}");
}
