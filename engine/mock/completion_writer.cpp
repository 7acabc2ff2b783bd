#include "engine/mock/completion_writer.hpp"

#include <charconv>

#include "engine/core/json_writer.hpp"
#include "engine/mock/token_count.hpp"

namespace lusifer::mock {
namespace {

std::string_view finish_reason(const ChoiceText& choice) noexcept {
  return choice.cut ? "length" : "stop";
}

void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// The usage object as each personality writes it.
void append_usage(std::string& out, const CompletionFields& f) {
  const std::int64_t total = f.prompt_tokens + f.completion_tokens;
  switch (f.personality) {
    case Personality::kOpenAI:
      out += R"({"prompt_tokens":)";
      append_number(out, f.prompt_tokens);
      out += R"(,"completion_tokens":)";
      append_number(out, f.completion_tokens);
      out += R"(,"total_tokens":)";
      append_number(out, total);
      out += R"(,"prompt_tokens_details":{"cached_tokens":)";
      append_number(out, f.cached_tokens);
      out += R"(,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,)"
             R"("audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})";
      break;
    case Personality::kVllm:
      out += R"({"prompt_tokens":)";
      append_number(out, f.prompt_tokens);
      out += R"(,"total_tokens":)";
      append_number(out, total);
      out += R"(,"completion_tokens":)";
      append_number(out, f.completion_tokens);
      out += R"(,"prompt_tokens_details":null})";
      break;
    case Personality::kLlamaCpp:
      out += R"({"completion_tokens":)";
      append_number(out, f.completion_tokens);
      out += R"(,"prompt_tokens":)";
      append_number(out, f.prompt_tokens);
      out += R"(,"total_tokens":)";
      append_number(out, total);
      out += '}';
      break;
  }
}

void write_head(JsonWriter& json, const CompletionFields& f, std::string_view object) {
  json.field("id", f.id)
      .field("object", object)
      .field("created", f.created)
      .field("model", f.model);
}

}  // namespace

void append_completion_body(std::string& out, const CompletionFields& f) {
  // Written by hand rather than with JsonWriter: this is the server's hot path.
  std::size_t size = 640;
  for (const auto& c : f.choices)
    size += c.content.size() + c.content.size() / 4 + 160;
  out.reserve(out.size() + size);
  const auto number = [&](std::int64_t v) { append_number(out, v); };
  out += R"({"id":)";
  append_json_string(out, f.id);
  out += R"(,"object":"chat.completion","created":)";
  number(f.created);
  out += R"(,"model":)";
  append_json_string(out, f.model);
  out += R"(,"choices":[)";
  for (std::size_t i = 0; i < f.choices.size(); ++i) {
    const ChoiceText& choice = f.choices[i];
    out += i == 0 ? R"({"index":)" : R"(,{"index":)";
    number(static_cast<std::int64_t>(i));
    switch (f.personality) {
      case Personality::kOpenAI:
        out += R"(,"message":{"role":"assistant","content":)";
        append_json_string(out, choice.content);
        out += R"(,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":")";
        out += finish_reason(choice);
        out += R"("})";
        break;
      case Personality::kVllm:
        out += R"(,"message":{"role":"assistant","reasoning_content":null,"content":)";
        append_json_string(out, choice.content);
        out += R"(,"tool_calls":[]},"logprobs":null,"finish_reason":")";
        out += finish_reason(choice);
        out += R"(","stop_reason":null})";
        break;
      case Personality::kLlamaCpp:
        out += R"(,"message":{"role":"assistant","content":)";
        append_json_string(out, choice.content);
        out += R"(},"finish_reason":")";
        out += finish_reason(choice);
        out += R"("})";
        break;
    }
  }
  out += R"(],"usage":)";
  append_usage(out, f);
  switch (f.personality) {
    case Personality::kOpenAI:
      out += R"(,"service_tier":"default","system_fingerprint":)";
      append_json_string(out, f.system_fingerprint);
      break;
    case Personality::kVllm:
      out += R"(,"system_fingerprint":null,"prompt_logprobs":null)";
      break;
    case Personality::kLlamaCpp:
      out += R"(,"system_fingerprint":)";
      append_json_string(out, f.system_fingerprint);
      out += R"(,"timings":{"prompt_n":)";
      append_number(out, f.prompt_tokens);
      out += R"(,"prompt_ms":0,"predicted_n":)";
      append_number(out, f.completion_tokens);
      out += R"(,"predicted_ms":)";
      append_number(out, f.latency_ms);
      out += '}';
      break;
  }
  out += '}';
}

void append_completion_stream(std::string& out, const CompletionFields& f, bool include_usage) {
  std::string usage_json;
  auto chunk = [&](auto&& write_choices, bool usage_chunk) {
    out += "data: ";
    JsonWriter json(out);
    json.begin_object();
    write_head(json, f, "chat.completion.chunk");
    if (f.personality == Personality::kOpenAI)
      json.field("service_tier", "default").field("system_fingerprint", f.system_fingerprint);
    json.key("choices").begin_array();
    write_choices(json);
    json.end_array();
    if (usage_chunk) {
      usage_json.clear();
      append_usage(usage_json, f);
      json.key("usage").raw(usage_json);
    } else if (include_usage) {
      json.key("usage").null();
    }
    json.end_object();
    out += "\n\n";
  };
  std::string piece_json;
  for (std::size_t i = 0; i < f.choices.size(); ++i) {
    const auto index = static_cast<std::int64_t>(i);
    const ChoiceText& choice = f.choices[i];
    chunk(
        [&](JsonWriter& json) {
          json.begin_object().field("index", index);
          json.key("delta").begin_object().field("role", "assistant").field("content", "");
          json.key("refusal").null();
          json.end_object();
          json.key("logprobs").null();
          json.key("finish_reason").null();
          json.end_object();
        },
        false);
    std::size_t start = 0;
    scan_token_pieces(choice.content, [&](std::size_t end, std::int64_t) {
      const std::string_view piece = choice.content.substr(start, end - start);
      start = end;
      chunk(
          [&](JsonWriter& json) {
            json.begin_object().field("index", index);
            piece_json.clear();
            append_json_string(piece_json, piece);
            json.key("delta").begin_object().key("content").raw(piece_json).end_object();
            json.key("logprobs").null();
            json.key("finish_reason").null();
            json.end_object();
          },
          false);
    });
    chunk(
        [&](JsonWriter& json) {
          json.begin_object().field("index", index);
          json.key("delta").begin_object().end_object();
          json.key("logprobs").null();
          json.field("finish_reason", finish_reason(choice));
          json.end_object();
        },
        false);
  }
  if (include_usage)
    chunk([](JsonWriter&) {}, true);
  out += "data: [DONE]\n\n";
}

}  // namespace lusifer::mock
