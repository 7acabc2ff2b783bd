#include "engine/llm/chat_request.hpp"

#include <cmath>
#include <stdexcept>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/llm/canonical_json.hpp"

using namespace lusifer::llm;
using nlohmann::json;

namespace {

constexpr std::string_view kSchema = R"({
  "type": "object",
  "properties": {
    "rating": {"type": "integer", "minimum": 1, "maximum": 5},
    "reason": {"type": "string"}
  },
  "required": ["rating", "reason"],
  "additionalProperties": false
})";

ChatRequest rating_request() {
  ChatRequest r;
  r.model = "gpt-4o-mini";
  r.messages = {{MessageRole::kSystem, "You are user 42."},
                {MessageRole::kUser, "Rate \"Toy Story (1995)\".\nAnswer in JSON."},
                {MessageRole::kAssistant, "{\"rating\": 4}"}};
  r.temperature = 0.7;
  r.seed = 1234;
  r.max_output_tokens = 256;
  r.response_format = ResponseFormat::json_schema("rating", kSchema);
  r.user = "sim-run-7";
  return r;
}

json body_for(const ChatRequest& r, const BackendProfile& p) {
  return json::parse(chat_request_body(r, p));
}

}  // namespace

TEST_CASE("OpenAI bodies use max_completion_tokens, json_schema and user", "[llm][request]") {
  const auto body = body_for(rating_request(), default_backend_profile(BackendKind::kOpenAI));
  CHECK(body["model"] == "gpt-4o-mini");
  REQUIRE(body["messages"].size() == 3);
  CHECK(body["messages"][0]["role"] == "system");
  CHECK(body["messages"][1]["role"] == "user");
  CHECK(body["messages"][1]["content"] == "Rate \"Toy Story (1995)\".\nAnswer in JSON.");
  CHECK(body["messages"][2]["role"] == "assistant");
  CHECK(body["temperature"].get<double>() == 0.7);
  CHECK(body["seed"] == 1234);
  CHECK(body["max_completion_tokens"] == 256);
  CHECK_FALSE(body.contains("max_tokens"));
  CHECK(body["response_format"]["type"] == "json_schema");
  CHECK(body["response_format"]["json_schema"]["name"] == "rating");
  CHECK(body["response_format"]["json_schema"]["strict"] == true);
  CHECK(body["response_format"]["json_schema"]["schema"] == json::parse(kSchema));
  CHECK(body["user"] == "sim-run-7");
  CHECK_FALSE(body.contains("n"));
  CHECK_FALSE(body.contains("stream"));
}

TEST_CASE("local servers get max_tokens and no user", "[llm][request]") {
  for (const auto kind : {BackendKind::kVllm, BackendKind::kOllama, BackendKind::kLlamaCpp}) {
    INFO(backend_kind_name(kind));
    const auto body = body_for(rating_request(), default_backend_profile(kind));
    CHECK(body["max_tokens"] == 256);
    CHECK_FALSE(body.contains("max_completion_tokens"));
    CHECK_FALSE(body.contains("user"));
    CHECK_FALSE(body.contains("n"));
    CHECK(body["seed"] == 1234);
    CHECK(body["response_format"]["type"] == "json_schema");
  }
}

TEST_CASE("json_schema falls back to json_object where schemas are unsupported", "[llm][request]") {
  auto generic = default_backend_profile(BackendKind::kGeneric);
  generic.base_url = "http://localhost:1234/v1";
  const auto request = rating_request();
  CHECK(effective_response_format(request, generic) == ResponseFormat::Kind::kJsonObject);
  const auto body = body_for(request, generic);
  CHECK(body["response_format"] == json::parse(R"({"type":"json_object"})"));

  generic.supports_json_schema = true;  // a configuration may say otherwise
  CHECK(effective_response_format(request, generic) == ResponseFormat::Kind::kJsonSchema);
  CHECK(body_for(request, generic)["response_format"]["type"] == "json_schema");
}

TEST_CASE("response_format is omitted for text and minimal for json_object", "[llm][request]") {
  auto request = rating_request();
  request.response_format = ResponseFormat();
  const auto openai = default_backend_profile(BackendKind::kOpenAI);
  CHECK_FALSE(body_for(request, openai).contains("response_format"));
  request.response_format = ResponseFormat::json_object();
  CHECK(body_for(request, openai)["response_format"] == json::parse(R"({"type":"json_object"})"));
}

TEST_CASE("n is sent only when more than one choice is wanted and possible", "[llm][request]") {
  auto request = rating_request();
  request.n = 3;
  CHECK(body_for(request, default_backend_profile(BackendKind::kOpenAI))["n"] == 3);
  CHECK(body_for(request, default_backend_profile(BackendKind::kVllm))["n"] == 3);

  const auto ollama = default_backend_profile(BackendKind::kOllama);
  const auto problem = check_chat_request(request, ollama);
  REQUIRE(problem);
  CHECK(problem->find("n = 3") != std::string::npos);
  CHECK_THROWS_AS(chat_request_body(request, ollama), std::invalid_argument);
  CHECK_THROWS_AS(chat_request_body(request, default_backend_profile(BackendKind::kLlamaCpp)),
                  std::invalid_argument);
}

TEST_CASE("unset optional fields are not sent", "[llm][request]") {
  ChatRequest request;
  request.model = "llama3.1:8b";
  request.messages = {{MessageRole::kUser, "hi"}};
  const auto body = chat_request_body(request, default_backend_profile(BackendKind::kOllama));
  CHECK(body == R"({"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]})");

  auto no_seed = default_backend_profile(BackendKind::kVllm);
  no_seed.sends_seed = false;
  request.seed = 9;
  CHECK_FALSE(body_for(request, no_seed).contains("seed"));
}

TEST_CASE("streamed requests ask for usage in the last chunk", "[llm][request]") {
  auto request = rating_request();
  request.stream = true;
  const auto body = body_for(request, default_backend_profile(BackendKind::kOllama));
  CHECK(body["stream"] == true);
  CHECK(body["stream_options"]["include_usage"] == true);
  CHECK_FALSE(body_for(rating_request(), default_backend_profile(BackendKind::kOllama))
                  .contains("stream_options"));
}

TEST_CASE("Azure bodies may leave the model to the deployment", "[llm][request]") {
  auto azure = default_backend_profile(BackendKind::kAzure);
  azure.base_url = "https://r.openai.azure.com";
  azure.azure_deployment = "gpt-4o";
  auto request = rating_request();
  request.model.clear();
  const auto body = body_for(request, azure);
  CHECK_FALSE(body.contains("model"));
  CHECK(body["max_completion_tokens"] == 256);
  CHECK(check_chat_request(request, default_backend_profile(BackendKind::kOpenAI)));
}

TEST_CASE("message text of any kind survives the round trip", "[llm][request]") {
  ChatRequest request;
  request.model = "m";
  const std::string tricky = "quote \" backslash \\ tab \t nl \n ctl \x01 é 東京 😀 </script>";
  request.messages = {{MessageRole::kUser, tricky}};
  const auto body = body_for(request, default_backend_profile(BackendKind::kVllm));
  CHECK(body["messages"][0]["content"] == tricky);
}

TEST_CASE("the body is appended to the caller's buffer", "[llm][request]") {
  std::string out = "prefix:";
  append_chat_request_body(out, rating_request(), default_backend_profile(BackendKind::kVllm));
  REQUIRE(out.rfind("prefix:", 0) == 0);
  CHECK(json::parse(out.substr(7))["model"] == "gpt-4o-mini");
}

TEST_CASE("requests that cannot be sent are described", "[llm][request]") {
  const auto vllm = default_backend_profile(BackendKind::kVllm);
  CHECK_FALSE(check_chat_request(rating_request(), vllm));

  auto r = rating_request();
  r.messages.clear();
  CHECK(check_chat_request(r, vllm));
  r = rating_request();
  r.model.clear();
  CHECK(check_chat_request(r, vllm));
  for (const double t : {-0.1, 2.01, std::nan(""), double{INFINITY}}) {
    r = rating_request();
    r.temperature = t;
    CHECK(check_chat_request(r, vllm));
    CHECK_THROWS_AS(chat_request_body(r, vllm), std::invalid_argument);
  }
  r = rating_request();
  r.temperature = 0.0;
  CHECK_FALSE(check_chat_request(r, vllm));
  r.temperature = 2.0;
  CHECK_FALSE(check_chat_request(r, vllm));
  r = rating_request();
  r.max_output_tokens = 0;
  CHECK(check_chat_request(r, vllm));
  r = rating_request();
  r.n = 0;
  CHECK(check_chat_request(r, vllm));
}

TEST_CASE("schemas keep member order on the wire, without whitespace", "[llm][request]") {
  const auto format = ResponseFormat::json_schema(
      "movie_rating", R"( { "z" : 1 , "a" : [ true , null , "x" ] } )", false);
  CHECK(format.kind() == ResponseFormat::Kind::kJsonSchema);
  CHECK(format.schema_name() == "movie_rating");
  CHECK_FALSE(format.strict());
  CHECK(format.schema_compact() == R"({"z":1,"a":[true,null,"x"]})");
  CHECK(format.schema_canonical() == R"({"a":[true,null,"x"],"z":1})");

  auto request = rating_request();
  request.response_format = format;
  const auto body = chat_request_body(request, default_backend_profile(BackendKind::kOpenAI));
  CHECK(body.find(R"("schema":{"z":1,"a":[true,null,"x"]},"strict":false)") != std::string::npos);
}

TEST_CASE("canonical JSON ignores key order, escapes and number spelling", "[llm][request]") {
  const auto a = normalise_json_object(R"({"b":1,"a":{"d":[1.0,2e0,-0.0,0.25],"c":"\u0041\n"}})");
  const auto b = normalise_json_object(R"({"a":{"c":"A\u000a","d":[1,2,0,2.5e-1]},"b":1.00})");
  CHECK(a.canonical == R"({"a":{"c":"A\n","d":[1,2,0,0.25]},"b":1})");
  CHECK(a.canonical == b.canonical);
  CHECK(a.compact != b.compact);
  // Integers beyond 64 bits keep their digits.
  CHECK(normalise_json_object(R"({"big":123456789012345678901234567890})").canonical ==
        R"({"big":123456789012345678901234567890})");
  // Different values stay different.
  CHECK(normalise_json_object(R"({"a":1})").canonical !=
        normalise_json_object(R"({"a":"1"})").canonical);
}

TEST_CASE("bad schemas are refused when the format is made", "[llm][request]") {
  for (const std::string_view bad :
       {"", "not json", "[1,2]", "\"text\"", "{\"a\":1", "{\"a\":1}}", "{\"a\":1} x", "{\"a\":tru}",
        "{\"a\":nul}", "{\"a\":[1,]}", "{\"a\":\"\xff\"}"}) {
    INFO("schema: " << bad);
    CHECK_THROWS_AS(ResponseFormat::json_schema("s", bad), std::invalid_argument);
  }
  std::string deep;
  for (int i = 0; i < 200; ++i)
    deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 200; ++i)
    deep += "}";
  CHECK_THROWS_AS(ResponseFormat::json_schema("s", deep), std::invalid_argument);

  const std::string too_long(65, 'a');
  for (const std::string_view name : {std::string_view(""), std::string_view("has space"),
                                      std::string_view("dot.ted"), std::string_view(too_long)}) {
    INFO("name: " << name);
    CHECK_THROWS_AS(ResponseFormat::json_schema(name, "{}"), std::invalid_argument);
  }
  CHECK_NOTHROW(ResponseFormat::json_schema("Rating_v2-final", "{}"));
}
