#include <stdexcept>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/llm/batch_lines.hpp"
#include "engine/llm/batch_status.hpp"
#include "engine/llm/failure_classification.hpp"

using namespace lusifer::llm;
using nlohmann::json;

namespace {

ChatRequest request() {
  ChatRequest r;
  r.model = "gpt-4o-mini";
  r.messages = {{MessageRole::kSystem, "You are user 42.\nBe brief."},
                {MessageRole::kUser, "Rate item 50."}};
  r.max_output_tokens = 64;
  r.temperature = 0.0;
  return r;
}

BackendProfile azure() {
  auto p = default_backend_profile(BackendKind::kAzure);
  p.base_url = "https://r.openai.azure.com";
  p.azure_deployment = "gpt-4o-mini-batch";
  return p;
}

}  // namespace

TEST_CASE("batch input lines wrap the backend's body", "[llm][batch]") {
  std::string file;
  append_batch_request_line(file, "u42-i50", request(),
                            default_backend_profile(BackendKind::kOpenAI));
  append_batch_request_line(file, "u42-i51", request(),
                            default_backend_profile(BackendKind::kOpenAI));
  REQUIRE(file.back() == '\n');
  const auto first_end = file.find('\n');
  REQUIRE(first_end != std::string::npos);
  CHECK(file.find('\n', first_end + 1) == file.size() - 1);  // exactly two lines

  const auto line = json::parse(file.substr(0, first_end));
  CHECK(line["custom_id"] == "u42-i50");
  CHECK(line["method"] == "POST");
  CHECK(line["url"] == "/v1/chat/completions");
  CHECK(line["body"]["model"] == "gpt-4o-mini");
  CHECK(line["body"]["max_completion_tokens"] == 64);
  CHECK(line["body"]["messages"][0]["content"] == "You are user 42.\nBe brief.");

  std::string azure_file;
  auto unnamed = request();
  unnamed.model.clear();
  append_batch_request_line(azure_file, "a", unnamed, azure());
  const auto azure_line = json::parse(azure_file);
  CHECK(azure_line["url"] == "/chat/completions");
  CHECK(azure_line["body"]["model"] == "gpt-4o-mini-batch");

  std::string out;
  CHECK_THROWS_AS(
      append_batch_request_line(out, "", request(), default_backend_profile(BackendKind::kOpenAI)),
      std::invalid_argument);
  auto streamed = request();
  streamed.stream = true;
  CHECK_THROWS_AS(
      append_batch_request_line(out, "x", streamed, default_backend_profile(BackendKind::kOpenAI)),
      std::invalid_argument);
}

TEST_CASE("batch output lines: success, failed request, expired request", "[llm][batch]") {
  BatchResultParser parser;
  BatchResultLine line;

  const auto ok = parser.parse(
      R"({"id":"batch_req_1","custom_id":"u42-i50","response":{"status_code":200,)"
      R"("request_id":"req_abc","body":{"id":"chatcmpl-1","object":"chat.completion",)"
      R"("model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"{\"rating\":4}"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}},"error":null})"
      "\n",
      line);
  REQUIRE(ok.ok());
  CHECK(line.custom_id == "u42-i50");
  CHECK(line.request_id == "req_abc");
  CHECK(line.status_code == 200);
  CHECK(line.succeeded());
  CHECK(line.response.content == "{\"rating\":4}");
  CHECK(line.response.usage.total_tokens == 25);

  const auto failed = parser.parse(
      R"({"id":"batch_req_2","custom_id":"u42-i51","response":{"status_code":400,)"
      R"("request_id":"req_def","body":{"error":{"message":"This model's maximum context length )"
      R"(is 128000 tokens.","type":"invalid_request_error","param":"messages",)"
      R"("code":"context_length_exceeded"}}},"error":null})",
      line);
  REQUIRE(failed.ok());  // the line is fine; the request in it failed
  CHECK(line.status_code == 400);
  CHECK_FALSE(line.succeeded());
  CHECK(line.error.code == "context_length_exceeded");
  CHECK(classify_http_failure(line.status_code, line.error, {}).reason ==
        FailureReason::kContextLengthExceeded);

  const auto expired = parser.parse(
      R"({"id":"batch_req_3","custom_id":"u42-i52","response":null,"error":{"code":"batch_expired",)"
      R"("message":"This request could not be executed before the completion window expired."}})",
      line);
  REQUIRE(expired.ok());
  CHECK(line.status_code == 0);
  CHECK_FALSE(line.succeeded());
  CHECK(line.error.code == "batch_expired");
  CHECK(line.error.message.find("completion window expired") != std::string::npos);

  const auto unusable = parser.parse(
      R"({"custom_id":"x","response":{"status_code":200,"body":{"choices":[{"message":)"
      R"({"content":null}}]}}})",
      line);
  REQUIRE(unusable.ok());
  CHECK(line.body_result.defect == ResponseDefect::kNullContent);
  CHECK_FALSE(line.succeeded());
}

TEST_CASE("unreadable batch lines are reported", "[llm][batch]") {
  BatchResultParser parser;
  BatchResultLine line;
  CHECK(parser.parse("", line).defect == ResponseDefect::kEmptyBody);
  CHECK_FALSE(parser.parse(R"({"custom_id":"x","response":{"status_code":200)", line).ok());
  CHECK_FALSE(parser.parse(R"({"response":{"status_code":200,"body":{}}})", line).ok());
  CHECK_FALSE(parser.parse(R"({"custom_id":"x"})", line).ok());
  CHECK_FALSE(parser.parse(R"({"custom_id":"x","error":null}})", line).ok());
  CHECK_FALSE(parser.parse("[1]", line).ok());
}

TEST_CASE("batch objects are read while polling", "[llm][batch]") {
  BatchStatus status;
  REQUIRE_FALSE(parse_batch_status(
      R"({"id":"batch_abc123","object":"batch","endpoint":"/v1/chat/completions","errors":null,)"
      R"("input_file_id":"file-in","completion_window":"24h","status":"in_progress",)"
      R"("output_file_id":null,"error_file_id":null,"created_at":1711471533,)"
      R"("request_counts":{"total":100,"completed":40,"failed":2},"metadata":{"run":"7"}})",
      status));
  CHECK(status.id == "batch_abc123");
  CHECK(status.state == BatchState::kInProgress);
  CHECK_FALSE(is_final(status.state));
  CHECK(status.input_file_id == "file-in");
  CHECK(status.output_file_id.empty());
  CHECK(status.total == 100);
  CHECK(status.completed == 40);
  CHECK(status.failed == 2);

  REQUIRE_FALSE(parse_batch_status(
      R"({"id":"batch_abc123","status":"completed","output_file_id":"file-out",)"
      R"("error_file_id":"file-err","request_counts":{"total":100,"completed":98,"failed":2}})",
      status));
  CHECK(status.state == BatchState::kCompleted);
  CHECK(is_final(status.state));
  CHECK(status.output_file_id == "file-out");
  CHECK(status.error_file_id == "file-err");

  REQUIRE_FALSE(parse_batch_status(
      R"({"id":"batch_x","status":"failed","errors":{"object":"list","data":[)"
      R"({"code":"invalid_json_line","message":"This line is not parseable as valid JSON.",)"
      R"("param":null,"line":3},{"code":"empty_file","message":"The file is empty."}]}})",
      status));
  CHECK(status.state == BatchState::kFailed);
  REQUIRE(status.errors.size() == 2);
  CHECK(status.errors[0] == "line 3: This line is not parseable as valid JSON.");
  CHECK(status.errors[1] == "The file is empty.");

  REQUIRE_FALSE(parse_batch_status(R"({"id":"b","status":"paused"})", status));
  CHECK(status.state == BatchState::kUnknown);
  CHECK(status.state_text == "paused");

  CHECK(parse_batch_status(R"({"status":"completed"})", status));
  CHECK(parse_batch_status("<html>502</html>", status));
  CHECK(parse_batch_status(R"({"id":"b","status":"completed","request_counts":{"total":"x"}})",
                           status));
  for (const auto state : {BatchState::kValidating, BatchState::kFinalizing, BatchState::kExpired,
                           BatchState::kCancelling, BatchState::kCancelled}) {
    REQUIRE_FALSE(parse_batch_status(
        std::string(R"({"id":"b","status":")") + std::string(batch_state_name(state)) + "\"}",
        status));
    CHECK(status.state == state);
  }
}

TEST_CASE("batch creation bodies and endpoint URLs", "[llm][batch]") {
  CHECK(
      batch_create_body(BackendKind::kOpenAI, "file-in") ==
      R"({"input_file_id":"file-in","endpoint":"/v1/chat/completions","completion_window":"24h"})");
  CHECK(batch_create_body(BackendKind::kAzure, "file-in") ==
        R"({"input_file_id":"file-in","endpoint":"/chat/completions","completion_window":"24h"})");

  const auto openai = default_backend_profile(BackendKind::kOpenAI);
  CHECK(batches_url(openai) == "https://api.openai.com/v1/batches");
  CHECK(batches_url(openai, "batch_abc") == "https://api.openai.com/v1/batches/batch_abc");
  CHECK(files_url(openai) == "https://api.openai.com/v1/files");
  CHECK(file_content_url(openai, "file-out") == "https://api.openai.com/v1/files/file-out/content");
  CHECK(batches_url(azure(), "batch_1") ==
        "https://r.openai.azure.com/openai/batches/batch_1?api-version=2024-10-21");
  CHECK(file_content_url(azure(), "file 1") ==
        "https://r.openai.azure.com/openai/files/file%201/content?api-version=2024-10-21");
  CHECK(api_root_url(azure()) == "https://r.openai.azure.com/openai");
  CHECK_THROWS_AS(batches_url(default_backend_profile(BackendKind::kVllm)), std::invalid_argument);
  CHECK_THROWS_AS(file_content_url(openai, ""), std::invalid_argument);
  CHECK(supports_batch_api(BackendKind::kOpenAI));
  CHECK_FALSE(supports_batch_api(BackendKind::kOllama));
}
