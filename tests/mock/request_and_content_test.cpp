// Reading requests as OpenAI does, and writing the content of answers:
// schema instances validated against their schemas, filled-in answer
// shapes, spoiled answers.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "engine/llm/chat_request.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/failure_classification.hpp"
#include "engine/mock/answer_content.hpp"
#include "engine/mock/chat_request_reader.hpp"
#include "engine/mock/prompt_accounting.hpp"
#include "engine/mock/schema_filler.hpp"
#include "engine/mock/shape_filler.hpp"
#include "engine/sim/answer_schema.hpp"

using namespace lusifer;
using namespace lusifer::mock;
using nlohmann::json;

namespace {

// A small JSON-schema validator for the keywords the filler supports, so
// every generated instance is checked against its schema.
class Validator {
 public:
  explicit Validator(json root) : root_(std::move(root)) {}

  // Empty when `value` is valid, else the first problem.
  std::string check(const json& value) const { return check(value, root_, "$", 0); }

 private:
  std::string check(const json& v, const json& s, const std::string& at, int depth) const {
    if (depth > 40 || !s.is_object())
      return {};
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"];
      const json* target = &root_;
      if (ref != "#") {
        const json::json_pointer pointer(ref.substr(1));
        target = &root_.at(pointer);
      }
      return check(v, *target, at, depth + 1);
    }
    if (s.contains("const") && v != s["const"])
      return at + ": not the const";
    if (s.contains("enum")) {
      bool found = false;
      for (const auto& e : s["enum"])
        found = found || e == v;
      if (!found)
        return at + ": not in the enum: " + v.dump();
    }
    if (s.contains("anyOf") || s.contains("oneOf")) {
      const auto& branches = s.contains("anyOf") ? s["anyOf"] : s["oneOf"];
      for (const auto& b : branches) {
        if (check(v, b, at, depth + 1).empty())
          return {};
      }
      return at + ": matches no branch";
    }
    if (s.contains("type")) {
      std::vector<std::string> types;
      if (s["type"].is_string()) {
        types.push_back(s["type"]);
      } else {
        for (const auto& t : s["type"])
          types.push_back(t);
      }
      bool ok = false;
      for (const auto& t : types) {
        ok = ok || (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
             (t == "string" && v.is_string()) || (t == "integer" && v.is_number_integer()) ||
             (t == "number" && v.is_number()) || (t == "boolean" && v.is_boolean()) ||
             (t == "null" && v.is_null());
      }
      if (!ok)
        return at + ": wrong type " + std::string(v.type_name());
    }
    if (v.is_object()) {
      if (s.contains("required")) {
        for (const auto& r : s["required"]) {
          if (!v.contains(r.get<std::string>()))
            return at + ": missing " + r.get<std::string>();
        }
      }
      for (const auto& [key, value] : v.items()) {
        if (s.contains("properties") && s["properties"].contains(key)) {
          auto e = check(value, s["properties"][key], at + "." + key, depth + 1);
          if (!e.empty())
            return e;
        } else if (s.value("additionalProperties", true) == false) {
          return at + ": unexpected " + key;
        }
      }
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>())
        return at + ": too few items";
      if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>())
        return at + ": too many items";
      if (s.contains("items")) {
        for (std::size_t i = 0; i < v.size(); ++i) {
          auto e = check(v[i], s["items"], at + "[" + std::to_string(i) + "]", depth + 1);
          if (!e.empty())
            return e;
        }
      }
    }
    if (v.is_number()) {
      const double x = v.get<double>();
      if (s.contains("minimum") && x < s["minimum"].get<double>())
        return at + ": below minimum";
      if (s.contains("maximum") && x > s["maximum"].get<double>())
        return at + ": above maximum";
      if (s.contains("exclusiveMinimum") && x <= s["exclusiveMinimum"].get<double>())
        return at + ": not above exclusiveMinimum";
      if (s.contains("exclusiveMaximum") && x >= s["exclusiveMaximum"].get<double>())
        return at + ": not below exclusiveMaximum";
    }
    if (v.is_string()) {
      const auto n = v.get<std::string>().size();
      if (s.contains("minLength") && n < s["minLength"].get<std::size_t>())
        return at + ": too short";
      if (s.contains("maxLength") && n > s["maxLength"].get<std::size_t>())
        return at + ": too long";
    }
    return {};
  }

  json root_;
};

// An instance of `schema_text` drawn with `seed`.
std::string instance_of(const std::string& schema_text, std::uint64_t seed) {
  simdjson::dom::parser parser;
  simdjson::dom::element schema;
  REQUIRE(parser.parse(schema_text).get(schema) == simdjson::SUCCESS);
  Rng rng(seed);
  std::string out;
  fill_schema(out, schema, rng);
  return out;
}

ValidationRules openai_rules() {
  return {};
}

// The error for `body`, which must be refused.
ApiError refused(const std::string& body, const ValidationRules& rules = openai_rules()) {
  ChatRequestReader reader;
  auto error = reader.read(body, rules);
  INFO(body);
  REQUIRE(error);
  CHECK(error->status == 400);
  // Every refusal is a terminal bad request for the client.
  const auto parsed = llm::parse_error_body(error_body(*error, Personality::kOpenAI));
  CHECK(parsed.message == error->message);
  CHECK(llm::classify_http_failure(400, parsed, {}).reason == llm::FailureReason::kBadRequest);
  return *error;
}

const std::string kMessages = R"("messages":[{"role":"user","content":"Say hi"}])";

std::string body_with(const std::string& extra) {
  return R"({"model":"gpt-4o-mini",)" + kMessages + (extra.empty() ? "" : "," + extra) + "}";
}

}  // namespace

TEST_CASE("a body the client builds reads back field by field", "[mock][request]") {
  llm::ChatRequest request;
  request.model = "gpt-4o-mini";
  request.messages = {{llm::MessageRole::kSystem, "You rate movies."},
                      {llm::MessageRole::kUser, "Rate item_5. Answer in JSON."}};
  request.temperature = 0.7;
  request.seed = 42;
  request.max_output_tokens = 150;
  request.user = "lusifer-user-7";
  const std::vector<ExternalId> items = {5};
  request.response_format = llm::ResponseFormat::json_schema(
      "lusifer_rate_items", rating_answer_schema(items, RatingScale{}));
  const std::string body =
      llm::chat_request_body(request, llm::default_backend_profile(llm::BackendKind::kOpenAI));

  ChatRequestReader reader;
  REQUIRE_FALSE(reader.read(body, openai_rules()));
  const auto& view = reader.request();
  CHECK(view.model == "gpt-4o-mini");
  REQUIRE(view.messages.size() == 2);
  CHECK(view.messages[0].role == "system");
  CHECK(view.messages[1].content == "Rate item_5. Answer in JSON.");
  CHECK(view.temperature == 0.7);
  CHECK(view.seed == 42);
  CHECK(view.max_tokens == 150);  // sent as max_completion_tokens to OpenAI
  CHECK(view.user == "lusifer-user-7");
  CHECK(view.format == FormatKind::kJsonSchema);
  CHECK(view.schema_name == "lusifer_rate_items");
  CHECK(view.strict);
  REQUIRE(view.schema);
  CHECK(view.schema_json == request.response_format.schema_compact());

  // Every backend's dialect is readable (Ollama and vLLM send max_tokens).
  for (const auto kind : {llm::BackendKind::kVllm, llm::BackendKind::kOllama,
                          llm::BackendKind::kLlamaCpp, llm::BackendKind::kAzure}) {
    auto profile = llm::default_backend_profile(kind);
    if (kind == llm::BackendKind::kAzure) {
      profile.base_url = "https://x.openai.azure.com";
      profile.azure_deployment = "d";
      profile.azure_api_version = "2024-10-21";
    }
    ValidationRules rules;
    rules.personality = Personality::kVllm;
    REQUIRE_FALSE(reader.read(llm::chat_request_body(request, profile), rules));
    CHECK(reader.request().max_tokens == 150);
  }
}

TEST_CASE("the prompt's token figures", "[mock][request]") {
  ChatRequestReader reader;
  REQUIRE_FALSE(reader.read(
      R"({"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"The quick brown fox."}]})",
      openai_rules()));
  // 3 priming + (3 + 3) + (3 + 5)
  CHECK(count_prompt_tokens(reader.request()) == 17);
  // The client's rule: 3 + (4 + 3) + (4 + 5)
  CHECK(estimate_prompt_tokens(reader.request()) == 19);
  std::vector<std::uint64_t> prefixes;
  prompt_prefix_hashes(reader.request(), PrefixCacheOptions{}, prefixes);
  CHECK(prefixes.empty());  // shorter than 1,024 tokens

  // A long prompt has one hash per 128 tokens past 1,024, and equal prefixes
  // hash alike.
  std::string head;
  for (int i = 0; i < 1200; ++i)
    head += " word";
  std::string tail;
  for (int i = 0; i < 300; ++i)
    tail += " word";
  // 1,200 equal words, one that differs, 300 equal words.
  const auto long_body = [&](const std::string& middle) {
    return R"({"model":"m","messages":[{"role":"user","content":")" + head + middle + tail +
           R"("}]})";
  };
  REQUIRE_FALSE(reader.read(long_body(" alpha"), openai_rules()));
  const auto tokens = count_prompt_tokens(reader.request());
  CHECK(tokens == 3 + 3 + 1501);
  prompt_prefix_hashes(reader.request(), PrefixCacheOptions{}, prefixes);
  CHECK(prefixes.size() == static_cast<std::size_t>((tokens - 3 - 1024) / 128 + 1));
  const auto first = prefixes;
  REQUIRE_FALSE(reader.read(long_body(" beta"), openai_rules()));
  prompt_prefix_hashes(reader.request(), PrefixCacheOptions{}, prefixes);
  REQUIRE(prefixes.size() == first.size());
  CHECK(prefixes.front() == first.front());
  CHECK(prefixes[1] == first[1]);          // 1,152 tokens: before the word that differs
  CHECK(prefixes.back() != first.back());  // 1,408 tokens: after it
}

TEST_CASE("bodies that are not JSON objects are refused as OpenAI does", "[mock][request]") {
  CHECK(refused("{not json").message.starts_with("We could not parse the JSON body"));
  CHECK(refused("").message.starts_with("We could not parse the JSON body"));
  CHECK(refused("[1,2]").code == "invalid_type");
  CHECK(refused(body_with(R"("frobnicate":1)")).message ==
        "Unrecognized request argument supplied: frobnicate");
  // vLLM and llama.cpp accept extras such as top_k.
  ValidationRules vllm;
  vllm.personality = Personality::kVllm;
  ChatRequestReader reader;
  CHECK_FALSE(reader.read(body_with(R"("top_k":5)"), vllm));
}

TEST_CASE("model and messages are required and checked", "[mock][request]") {
  CHECK(refused(R"({)" + kMessages + "}").message == "you must provide a model parameter");
  ValidationRules azure;
  azure.model_required = false;
  ChatRequestReader reader;
  CHECK_FALSE(reader.read(R"({)" + kMessages + "}", azure));

  auto e = refused(R"({"model":"m"})");
  CHECK(e.message == "Missing required parameter: 'messages'.");
  CHECK(e.param == "messages");
  CHECK(e.code == "missing_required_parameter");
  e = refused(R"({"model":"m","messages":[]})");
  CHECK(e.code == "empty_array");
  CHECK(e.message ==
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.");
  e = refused(R"({"model":"m","messages":"hi"})");
  CHECK(e.message ==
        "Invalid type for 'messages': expected an array of objects, but got a string instead.");
  e = refused(R"({"model":"m","messages":[{"content":"hi"}]})");
  CHECK(e.param == "messages[0].role");
  e = refused(R"({"model":"m","messages":[{"role":"bot","content":"hi"}]})");
  CHECK(e.code == "invalid_value");
  CHECK(e.message ==
        "Invalid value: 'bot'. Supported values are: 'system', 'user', 'assistant', 'tool', "
        "'function', and 'developer'.");
  e = refused(R"({"model":"m","messages":[{"role":"user"}]})");
  CHECK(e.message == "Missing required parameter: 'messages[0].content'.");
  e = refused(R"({"model":"m","messages":[{"role":"user","content":5}]})");
  CHECK(e.code == "invalid_type");
  e = refused(R"({"model":"m","messages":[{"role":"user","content":"x","mood":"happy"}]})");
  CHECK(e.message.find("'mood' was unexpected") != std::string::npos);
  e = refused(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})");
  CHECK(e.param == "messages[0].tool_call_id");

  // Content parts are joined; an assistant turn may have null content.
  REQUIRE_FALSE(reader.read(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]},{"role":"assistant","content":null},{"role":"user","content":[{"type":"text","text":"c"}]}]})",
      openai_rules()));
  REQUIRE(reader.request().messages.size() == 3);
  CHECK(reader.request().messages[0].content == "ab");
  CHECK(reader.request().messages[1].content.empty());
  CHECK(reader.request().messages[2].content == "c");
}

TEST_CASE("sampling parameters are range-checked", "[mock][request]") {
  auto e = refused(body_with(R"("temperature":3)"));
  CHECK(e.code == "decimal_above_max_value");
  CHECK(e.param == "temperature");
  CHECK(e.message ==
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 "
        "instead.");
  CHECK(refused(body_with(R"("temperature":-0.5)")).code == "decimal_below_min_value");
  CHECK(refused(body_with(R"("temperature":"hot")")).code == "invalid_type");
  CHECK(refused(body_with(R"("top_p":1.5)")).param == "top_p");
  CHECK(refused(body_with(R"("presence_penalty":-3)")).param == "presence_penalty");
  CHECK(refused(body_with(R"("seed":1.5)")).code == "invalid_type");
  CHECK(refused(body_with(R"("max_tokens":0)")).code == "integer_below_min_value");
  CHECK(refused(body_with(R"("max_completion_tokens":-1)")).param == "max_completion_tokens");
  CHECK(refused(body_with(R"("n":2)")).message == "Only one completion choice is allowed");
  CHECK(refused(body_with(R"("n":0)")).code == "integer_below_min_value");
  CHECK(refused(body_with(R"("stream":"yes")")).param == "stream");
  CHECK(refused(body_with(R"("stream_options":{"include_usage":true})")).param == "stream_options");
  CHECK(refused(body_with(R"("stop":["a","b","c","d","e"])")).code == "array_above_max_length");

  ChatRequestReader reader;
  ValidationRules allow_n;
  allow_n.allow_n = true;
  REQUIRE_FALSE(reader.read(body_with(R"("n":3,"temperature":0,"stop":["x","y"])"), allow_n));
  CHECK(reader.request().n == 3);
  CHECK(reader.request().stop.size() == 2);
  REQUIRE_FALSE(reader.read(body_with(R"("stream":true,"stream_options":{"include_usage":true})"),
                            openai_rules()));
  CHECK(reader.request().stream);
  CHECK(reader.request().include_usage);
}

TEST_CASE("both max-tokens fields are accepted unless the server takes only one",
          "[mock][request]") {
  ChatRequestReader reader;
  REQUIRE_FALSE(
      reader.read(body_with(R"("max_tokens":100,"max_completion_tokens":50)"), openai_rules()));
  CHECK(reader.request().max_tokens == 50);
  ValidationRules reasoning;
  reasoning.max_tokens_fields = MaxTokensFields::kMaxCompletionTokens;
  auto e = refused(body_with(R"("max_tokens":100)"), reasoning);
  CHECK(e.code == "unsupported_parameter");
  CHECK(e.message.find("Use 'max_completion_tokens' instead") != std::string::npos);
  ValidationRules old;
  old.max_tokens_fields = MaxTokensFields::kMaxTokens;
  CHECK(refused(body_with(R"("max_completion_tokens":100)"), old).param == "max_completion_tokens");
  CHECK_FALSE(reader.read(body_with(R"("max_tokens":100)"), old));
}

TEST_CASE("response formats are checked like OpenAI's structured outputs", "[mock][request]") {
  CHECK(refused(body_with(R"("response_format":{"type":"xml"})")).message ==
        "Invalid value: 'xml'. Supported values are: 'json_object', 'json_schema', and 'text'.");
  CHECK(refused(body_with(R"("response_format":{"type":"json_schema"})")).message ==
        "Missing required parameter: 'response_format.json_schema'.");
  CHECK(refused(body_with(R"("response_format":{"type":"json_schema","json_schema":{}})")).param ==
        "response_format.json_schema.name");
  CHECK(
      refused(body_with(R"("response_format":{"type":"json_schema","json_schema":{"name":"a b"}})"))
          .message.find("does not match pattern") != std::string::npos);
  // Strict schemas must close every object and require every property.
  auto e = refused(body_with(
      R"("response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true,"schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}})"));
  CHECK(e.message ==
        "Invalid schema for response_format 'x': In context=(), 'additionalProperties' is "
        "required to be supplied and to be false.");
  e = refused(body_with(
      R"("response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true,"schema":{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"required":[],"additionalProperties":false}},"required":["a"],"additionalProperties":false}}})"));
  CHECK(e.message ==
        "Invalid schema for response_format 'x': In context=('properties', 'a'), 'required' is "
        "required to be supplied and to be an array including every key in properties. "
        "Missing 'b'.");
  e = refused(body_with(
      R"("response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true,"schema":{"type":"array"}}})"));
  CHECK(e.message.find("schema must be a JSON Schema of 'type: \"object\"'") != std::string::npos);
  // The same schema without strict is accepted.
  ChatRequestReader reader;
  CHECK_FALSE(reader.read(
      body_with(
          R"("response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"a":{"type":"string"}}}}})"),
      openai_rules()));
  // lusifer's own schemas pass the strict check.
  const std::vector<ExternalId> items = {1, 2};
  for (const std::string& schema : {profile_answer_schema(), rating_answer_schema(items, {})}) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    REQUIRE(parser.parse(schema).get(root) == simdjson::SUCCESS);
    CHECK_FALSE(check_strict_schema(root, "lusifer"));
  }
  // JSON mode needs the word "json" somewhere in the messages (OpenAI only).
  CHECK(refused(body_with(R"("response_format":{"type":"json_object"})")).message ==
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
        "'json_object'.");
  CHECK_FALSE(reader.read(
      R"({"model":"m","messages":[{"role":"user","content":"Answer in JSON."}],"response_format":{"type":"json_object"}})",
      openai_rules()));
  CHECK(reader.request().format == FormatKind::kJsonObject);
}

TEST_CASE("schema instances satisfy their schemas", "[mock][schema]") {
  const std::vector<ExternalId> items = {5, 9, 42};
  const std::string rating = rating_answer_schema(items, RatingScale{});
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto text = instance_of(rating, seed);
    const json value = json::parse(text);
    INFO(text);
    CHECK(Validator(json::parse(rating)).check(value).empty());
    CHECK(value.size() == 3);
    for (const char* key : {"item_5", "item_9", "item_42"}) {
      REQUIRE(value.contains(key));
      CHECK(value[key]["rating"].is_number_integer());
      CHECK_FALSE(value[key]["explanation"].get<std::string>().empty());
    }
  }
  const RatingScale half_stars{0.5f, 5.0f, 0.5f};
  const std::string half = rating_answer_schema(items, half_stars);
  std::set<double> seen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const json value = json::parse(instance_of(half, seed));
    CHECK(Validator(json::parse(half)).check(value).empty());
    seen.insert(value["item_5"]["rating"].get<double>());
  }
  CHECK(seen.size() == 10);  // every level shows up

  const std::string profile = profile_answer_schema();
  const json p = json::parse(instance_of(profile, 1));
  CHECK(Validator(json::parse(profile)).check(p).empty());
  CHECK(p["profile"].get<std::string>().size() > 20);  // prose, not a word

  CHECK(instance_of(rating, 7) == instance_of(rating, 7));
  CHECK(instance_of(rating, 7) != instance_of(rating, 8));
}

TEST_CASE("the filler honours the keywords it supports", "[mock][schema]") {
  const std::string schema = R"({
    "type": "object",
    "$defs": {"point": {"type": "object", "properties": {"x": {"type": "integer", "minimum": -3, "maximum": 3},
                                                        "y": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}},
                        "required": ["x", "y"], "additionalProperties": false}},
    "properties": {
      "kind": {"enum": ["a", "b", "c"]},
      "fixed": {"const": {"v": [1, 2]}},
      "maybe": {"type": ["string", "null"]},
      "choice": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/point"}]},
      "points": {"type": "array", "items": {"$ref": "#/$defs/point"}, "minItems": 2, "maxItems": 3},
      "even": {"type": "integer", "minimum": 10, "maximum": 20, "multipleOf": 2},
      "flag": {"type": "boolean"},
      "when": {"type": "string", "format": "date-time"},
      "day": {"type": "string", "format": "date"},
      "id": {"type": "string", "format": "uuid"},
      "mail": {"type": "string", "format": "email"},
      "code": {"type": "string", "minLength": 12, "maxLength": 16},
      "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 5},
      "reason": {"type": "string"},
      "untyped": {"properties": {"z": {"type": "boolean"}}, "required": ["z", "extra"]}
    },
    "required": ["kind", "fixed", "maybe", "choice", "points", "even"],
    "additionalProperties": false
  })";
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const auto text = instance_of(schema, seed);
    INFO(text);
    const json v = json::parse(text);
    CHECK(Validator(json::parse(schema)).check(v).empty());
    CHECK(v["maybe"].is_string());
    CHECK(v["choice"].is_object());
    CHECK(v["even"].get<int>() % 2 == 0);
    CHECK(v["when"].get<std::string>().size() == 20);
    CHECK(v["id"].get<std::string>().size() == 36);
    CHECK(v["mail"].get<std::string>().find('@') != std::string::npos);
    CHECK(v["untyped"]["z"].is_boolean());
    CHECK(v["untyped"].contains("extra"));
    CHECK(v["tags"].size() >= 5);
  }
}

TEST_CASE("recursive schemas end", "[mock][schema]") {
  const std::string tree = R"({"type":"object","properties":{"name":{"type":"string"},
    "children":{"type":"array","minItems":1,"items":{"$ref":"#"}}},"required":["name","children"],
    "additionalProperties":false})";
  const auto text = instance_of(tree, 3);
  const json v = json::parse(text);
  CHECK(v.contains("children"));
  CHECK(text.size() < 1'000'000);
}

TEST_CASE("answer shapes in prompts are filled in", "[mock][shape]") {
  const std::vector<ExternalId> items = {5, 9};
  const std::string prompt = "Rate these movies.\n\nAnswer with this JSON object:\n" +
                             rating_answer_shape(items, RatingScale{});
  Rng rng(1);
  const auto filled = fill_answer_shape(prompt, rng);
  REQUIRE(filled);
  const json v = json::parse(*filled);
  REQUIRE(v.size() == 2);
  for (const char* key : {"item_5", "item_9"}) {
    const int r = v[key]["rating"].get<int>();
    CHECK(r >= 1);
    CHECK(r <= 5);
    CHECK(v[key]["explanation"].get<std::string>().size() > 10);
  }

  const auto profile =
      fill_answer_shape(std::string("Write it.\n") + std::string(kCreateProfileShape), rng);
  REQUIRE(profile);
  const json p = json::parse(*profile);
  CHECK(p["profile"].get<std::string>().size() > 10);
  CHECK(p["change"] == "");

  const RatingScale half_stars{0.5f, 5.0f, 0.5f};
  const auto half = fill_answer_shape(rating_answer_shape(items, half_stars), rng);
  REQUIRE(half);
  const double r = json::parse(*half)["item_9"]["rating"].get<double>();
  CHECK(half_stars.contains(r));

  const auto list = fill_answer_shape(
      R"(Reply as {"names": [...], "score": <number>, "ok": <one of: yes, no>})", rng);
  REQUIRE(list);
  const json l = json::parse(*list);
  CHECK(l["names"] == json::array());
  CHECK(l["score"].is_number());
  CHECK((l["ok"] == "yes" || l["ok"] == "no"));

  CHECK_FALSE(fill_answer_shape("Just chat with me.", rng));
  CHECK_FALSE(fill_answer_shape("Use {curly} braces and a stray } or {.", rng));
}

TEST_CASE("spoiled answers lose members or become prose", "[mock][content]") {
  const std::string good =
      R"({"item_1":{"explanation":"a","rating":3},"item_2":{"explanation":"b","rating":4},"item_3":{"explanation":"c","rating":5},"item_4":{"explanation":"d","rating":1}})";
  int fewer = 0;
  int prose = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::string content = good;
    Rng rng(seed);
    spoil_content(content, rng);
    REQUIRE(content != good);
    if (content.front() == '{') {
      const json v = json::parse(content);
      CHECK(v.size() >= 2);
      CHECK(v.size() <= 3);
      for (const auto& [key, value] : v.items())
        CHECK(value == json::parse(good)[key]);
      ++fewer;
    } else {
      CHECK(content.find('{') == std::string::npos);
      ++prose;
    }
  }
  CHECK(fewer > 50);
  CHECK(prose > 50);
  std::string single = R"({"item_1":{"explanation":"a","rating":3}})";
  Rng rng(1);
  spoil_content(single, rng);
  CHECK(single.find('{') == std::string::npos);
}

namespace {

// A stand-in answerer: answers bodies that mention "lusifer-task".
class KeywordAnswerer final : public TaskAnswerer {
 public:
  std::optional<std::string> answer(std::string_view body) const override {
    if (body.find("lusifer-task") == std::string_view::npos)
      return std::nullopt;
    return std::string(R"({"answered":"by the answerer"})");
  }
  std::string_view name() const noexcept override { return "keyword"; }
};

}  // namespace

TEST_CASE("content comes from the answerer first, then the fillers", "[mock][content]") {
  const AnswerContent with_answerer(std::make_shared<KeywordAnswerer>(), 5);
  const AnswerContent plain(nullptr, 5);
  ChatRequestReader reader;
  std::string out;

  const std::string task =
      R"({"model":"m","messages":[{"role":"user","content":"lusifer-task: json please"}],"response_format":{"type":"json_object"}})";
  REQUIRE_FALSE(reader.read(task, openai_rules()));
  with_answerer.write(reader.request(), task, 0, out);
  CHECK(out == R"({"answered":"by the answerer"})");
  plain.write(reader.request(), task, 0, out);
  CHECK(json::parse(out).contains("answer"));  // JSON mode without a shape

  const std::vector<ExternalId> items = {3};
  const std::string schema_body =
      R"({"model":"m","messages":[{"role":"user","content":"rate"}],"response_format":{"type":"json_schema","json_schema":{"name":"r","strict":true,"schema":)" +
      rating_answer_schema(items, {}) + "}}}";
  REQUIRE_FALSE(reader.read(schema_body, openai_rules()));
  with_answerer.write(reader.request(), schema_body, 0, out);
  CHECK(json::parse(out).contains("item_3"));
  std::string again;
  with_answerer.write(reader.request(), schema_body, 0, again);
  CHECK(out == again);  // the same request, the same answer
  with_answerer.write(reader.request(), schema_body, 1, again);
  CHECK(json::parse(again).contains("item_3"));

  const std::string text_body = R"({"model":"m","messages":[{"role":"user","content":"Hello"}]})";
  REQUIRE_FALSE(reader.read(text_body, openai_rules()));
  plain.write(reader.request(), text_body, 0, out);
  CHECK(out.find('{') == std::string::npos);
  CHECK(out.back() == '.');

  // A text request whose prompt shows a JSON shape gets JSON.
  const std::string shaped =
      R"({"model":"m","messages":[{"role":"user","content":"Answer with {\"profile\": \"...\", \"change\": \"\"}"}]})";
  REQUIRE_FALSE(reader.read(shaped, openai_rules()));
  plain.write(reader.request(), shaped, 0, out);
  CHECK(json::parse(out).contains("profile"));
}
