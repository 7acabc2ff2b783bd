#include "engine/mock/wire_format.hpp"

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/core/random.hpp"

namespace lusifer::mock {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kAlphanumeric[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

void append_hex(std::string& out, std::uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i)
    out += kHexDigits[(value >> (4 * i)) & 0xf];
}

void optional_string(JsonWriter& json, std::string_view key, const std::optional<std::string>& v) {
  json.key(key);
  if (v) {
    json.value(*v);
  } else {
    json.null();
  }
}

}  // namespace

std::string_view personality_name(Personality personality) noexcept {
  switch (personality) {
    case Personality::kOpenAI:
      return "openai";
    case Personality::kVllm:
      return "vllm";
    case Personality::kLlamaCpp:
      return "llama.cpp";
  }
  return "openai";
}

std::optional<Personality> parse_personality(std::string_view name) noexcept {
  if (name == "openai")
    return Personality::kOpenAI;
  if (name == "vllm")
    return Personality::kVllm;
  if (name == "llama.cpp" || name == "llamacpp" || name == "llama-cpp")
    return Personality::kLlamaCpp;
  return std::nullopt;
}

std::string error_body(const ApiError& error, Personality personality) {
  std::string out;
  out.reserve(96 + error.message.size());
  JsonWriter json(out);
  switch (personality) {
    case Personality::kOpenAI:
      json.begin_object().key("error").begin_object();
      json.field("message", error.message).field("type", error.type);
      optional_string(json, "param", error.param);
      optional_string(json, "code", error.code);
      json.end_object().end_object();
      break;
    case Personality::kVllm:
      json.begin_object().field("object", "error");
      json.field("message", error.message).field("type", error.type);
      optional_string(json, "param", error.param);
      json.field("code", error.status).end_object();
      break;
    case Personality::kLlamaCpp:
      json.begin_object().key("error").begin_object();
      json.field("code", error.status).field("message", error.message).field("type", error.type);
      json.end_object().end_object();
      break;
  }
  return out;
}

std::string_view llama_cpp_loading_body() noexcept {
  return R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";
}

std::int64_t ceil_milliseconds(std::chrono::nanoseconds duration) noexcept {
  if (duration.count() <= 0)
    return 0;
  return (duration.count() + 999'999) / 1'000'000;
}

std::string format_go_duration(std::chrono::nanoseconds duration) {
  const std::int64_t ms = ceil_milliseconds(duration);
  if (ms == 0)
    return "0s";
  if (ms < 1000)
    return fmt::format("{}ms", ms);
  const std::int64_t hours = ms / 3'600'000;
  const std::int64_t minutes = (ms / 60'000) % 60;
  const std::int64_t seconds = (ms / 1000) % 60;
  const std::int64_t millis = ms % 1000;
  std::string out;
  if (hours > 0)
    out += fmt::format("{}h", hours);
  if (hours > 0 || minutes > 0)
    out += fmt::format("{}m", minutes);
  out += fmt::format("{}", seconds);
  if (millis > 0) {
    std::string fraction = fmt::format("{:03}", millis);
    while (fraction.back() == '0')
      fraction.pop_back();
    out += '.';
    out += fraction;
  }
  out += 's';
  return out;
}

void add_rate_limit_headers(HttpHeaders& headers, std::string_view unit,
                            const LimitHeaderValues& values) {
  std::string name = "x-ratelimit-limit-";
  name += unit;
  headers.add(name, std::to_string(values.limit));
  name.replace(12, 5, "remaining");
  headers.add(name, std::to_string(values.remaining));
  name.replace(12, 9, "reset");
  headers.add(std::move(name), format_go_duration(values.reset));
}

void add_retry_after_headers(HttpHeaders& headers, std::chrono::nanoseconds wait) {
  const std::int64_t ms = std::max<std::int64_t>(ceil_milliseconds(wait), 1);
  headers.add("retry-after", std::to_string((ms + 999) / 1000));
  headers.add("retry-after-ms", std::to_string(ms));
}

std::string request_id(std::uint64_t value) {
  std::string out = "req_";
  append_hex(out, mix64(value), 16);
  append_hex(out, mix64(value ^ 0x5bd1e9955bd1e995ULL), 16);
  return out;
}

std::string completion_id(std::uint64_t value) {
  std::string out = "chatcmpl-";
  Rng rng(value);
  for (int i = 0; i < 29; ++i)
    out += kAlphanumeric[rng.uniform_index(sizeof(kAlphanumeric) - 1)];
  return out;
}

std::string system_fingerprint(std::uint64_t value) {
  std::string out = "fp_";
  append_hex(out, mix64(value), 10);
  return out;
}

}  // namespace lusifer::mock
