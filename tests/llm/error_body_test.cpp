#include "engine/llm/error_body.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "engine/core/text_encoding.hpp"

using namespace lusifer::llm;

TEST_CASE("OpenAI's nested error with a string code", "[llm][error_body]") {
  const auto e = parse_error_body(
      R"({"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-abc on )"
      R"(tokens per min (TPM): Limit 200000, Used 199785, Requested 385. Please try again in )"
      R"(51ms. Visit https://platform.openai.com/account/rate-limits to learn more.",)"
      R"("type":"tokens","param":null,"code":"rate_limit_exceeded"}})");
  CHECK(e.shape == ErrorBodyShape::kNested);
  CHECK(e.type == "tokens");
  CHECK(e.code == "rate_limit_exceeded");
  CHECK_FALSE(e.numeric_code);
  CHECK(e.param.empty());
  CHECK(e.message.rfind("Rate limit reached for gpt-4o-mini", 0) == 0);
  CHECK(e.excerpt.empty());
  CHECK(e.summary() == e.message);
}

TEST_CASE("OpenAI's quota error and a null code", "[llm][error_body]") {
  const auto quota = parse_error_body(
      R"({"error":{"message":"You exceeded your current quota, please check your plan and )"
      R"(billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
  CHECK(quota.code == "insufficient_quota");
  CHECK(quota.type == "insufficient_quota");

  const auto invalid = parse_error_body(
      R"({"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error",)"
      R"("param":"temperature","code":null}})");
  CHECK(invalid.shape == ErrorBodyShape::kNested);
  CHECK(invalid.param == "temperature");
  CHECK(invalid.code.empty());
  CHECK_FALSE(invalid.numeric_code);
}

TEST_CASE("vLLM's flat and nested errors carry an integer code", "[llm][error_body]") {
  const auto flat = parse_error_body(
      R"({"object":"error","message":"This model's maximum context length is 4096 tokens. )"
      R"(However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",)"
      R"("type":"BadRequestError","param":null,"code":400})");
  CHECK(flat.shape == ErrorBodyShape::kFlat);
  REQUIRE(flat.numeric_code);
  CHECK(*flat.numeric_code == 400);
  CHECK(flat.type == "BadRequestError");
  CHECK(flat.message.find("maximum context length") != std::string::npos);

  const auto nested = parse_error_body(
      R"({"error":{"message":"The model `llama-9` does not exist.","type":"NotFoundError",)"
      R"("param":"model","code":404}})");
  CHECK(nested.shape == ErrorBodyShape::kNested);
  REQUIRE(nested.numeric_code);
  CHECK(*nested.numeric_code == 404);
  CHECK(nested.param == "model");
}

TEST_CASE("llama.cpp's loading-model error", "[llm][error_body]") {
  const auto e = parse_error_body(
      R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
  CHECK(e.shape == ErrorBodyShape::kNested);
  CHECK(e.message == "Loading model");
  CHECK(e.type == "unavailable_error");
  CHECK(e.numeric_code == 503);
}

TEST_CASE("Ollama's string error and FastAPI's detail", "[llm][error_body]") {
  const auto ollama = parse_error_body(
      R"({"error":"server busy, please try again.  maximum pending requests exceeded"})");
  CHECK(ollama.shape == ErrorBodyShape::kErrorString);
  CHECK(ollama.message == "server busy, please try again.  maximum pending requests exceeded");

  const auto detail = parse_error_body(R"({"detail":"Not Found"})");
  CHECK(detail.shape == ErrorBodyShape::kDetail);
  CHECK(detail.message == "Not Found");

  const auto validation = parse_error_body(
      R"({"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required","input":{}}]})");
  CHECK(validation.shape == ErrorBodyShape::kDetail);
  CHECK(validation.message == "Field required");
}

TEST_CASE("HTML from a proxy becomes a short readable excerpt", "[llm][error_body]") {
  const auto nginx = parse_error_body(
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
      "Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n");
  CHECK(nginx.shape == ErrorBodyShape::kNotJson);
  CHECK(nginx.message.empty());
  CHECK(nginx.excerpt == "502 Bad Gateway 502 Bad Gateway nginx/1.25.3");
  CHECK(nginx.summary() == nginx.excerpt);

  const auto styled = parse_error_body(
      "<!DOCTYPE html><html><head><style>body { color: red; }</style>"
      "<script>var x = '<b>';</script><title>Error 524</title></head>"
      "<body>A timeout occurred</body></html>");
  CHECK(styled.excerpt == "Error 524 A timeout occurred");
}

TEST_CASE("plain text, empty and other JSON bodies", "[llm][error_body]") {
  const auto text = parse_error_body("upstream connect error or disconnect/reset before headers\n");
  CHECK(text.shape == ErrorBodyShape::kNotJson);
  CHECK(text.excerpt == "upstream connect error or disconnect/reset before headers");

  const auto empty = parse_error_body("");
  CHECK(empty.shape == ErrorBodyShape::kEmpty);
  CHECK(empty.summary().empty());
  CHECK(parse_error_body("  \n").shape == ErrorBodyShape::kEmpty);

  const auto array = parse_error_body("[1,2]");
  CHECK(array.shape == ErrorBodyShape::kOtherJson);
  CHECK(array.excerpt == "[1,2]");
  CHECK(parse_error_body(R"({"status":"failed"})").shape == ErrorBodyShape::kOtherJson);

  const auto truncated = parse_error_body(R"({"error":{"message":"cut off)");
  CHECK(truncated.shape == ErrorBodyShape::kNotJson);
  CHECK(truncated.message.empty());
  CHECK(truncated.excerpt == R"({"error":{"message":"cut off)");

  const auto controls = parse_error_body("bad\x01\x02gateway\t\tnow");
  CHECK(controls.excerpt == "bad gateway now");
}

TEST_CASE("huge error bodies are bounded, on UTF-8 boundaries", "[llm][error_body]") {
  std::string page;
  for (int i = 0; i < 5000; ++i)
    page += "\xc3\xa9rr ";  // "érr "
  const auto text = parse_error_body(page);
  CHECK(text.excerpt.size() <= kMaxErrorExcerptBytes + 3);
  CHECK(text.excerpt.size() > kMaxErrorExcerptBytes - 8);
  CHECK(text.excerpt.substr(text.excerpt.size() - 3) == "...");
  CHECK_FALSE(lusifer::find_invalid_utf8(text.excerpt));

  const std::string message(100000, 'm');
  const auto json = parse_error_body(R"({"error":{"message":")" + message + R"("}})");
  CHECK(json.message.size() == kMaxErrorMessageBytes + 3);
}

TEST_CASE("shape names are stable", "[llm][error_body]") {
  CHECK(error_body_shape_name(ErrorBodyShape::kNested) == "nested");
  CHECK(error_body_shape_name(ErrorBodyShape::kNotJson) == "not_json");
}
