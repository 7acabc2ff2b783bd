// The mock server's building blocks that do not need a network: wire-format
// details read back with the client's own parsers, token counting, the
// prompt cache, the RPM/TPM limits on a fake clock, latency draws and fault
// plans.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/http/http_headers.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/failure_classification.hpp"
#include "engine/llm/rate_limit_headers.hpp"
#include "engine/mock/byte_hash.hpp"
#include "engine/mock/fault_plan.hpp"
#include "engine/mock/latency_model.hpp"
#include "engine/mock/prefix_cache.hpp"
#include "engine/mock/rate_limits.hpp"
#include "engine/mock/token_count.hpp"
#include "engine/mock/wire_format.hpp"

using namespace lusifer;
using namespace lusifer::mock;
using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

TEST_CASE("durations are written as Go writes them and read back exactly", "[mock][wire]") {
  CHECK(format_go_duration(0ns) == "0s");
  CHECK(format_go_duration(12ms) == "12ms");
  CHECK(format_go_duration(644ms) == "644ms");
  CHECK(format_go_duration(1s) == "1s");
  CHECK(format_go_duration(1500ms) == "1.5s");
  CHECK(format_go_duration(6min) == "6m0s");
  CHECK(format_go_duration(7min + 12s) == "7m12s");
  CHECK(format_go_duration(1h + 2min + 3004ms) == "1h2m3.004s");
  CHECK(format_go_duration(1h) == "1h0m0s");
  // Rounded up to whole milliseconds: a wait is never shown shorter.
  CHECK(format_go_duration(1ns) == "1ms");
  CHECK(format_go_duration(1001us) == "2ms");
  for (const std::chrono::milliseconds d :
       {1ms, 999ms, 1000ms, 1001ms, 59999ms, 60000ms, 61250ms, 3600000ms, 3723004ms}) {
    INFO(d.count());
    CHECK(llm::parse_go_duration(format_go_duration(d)) == llm::HintDuration(d));
  }
}

TEST_CASE("error bodies in every personality parse with the client's parser", "[mock][wire]") {
  ApiError e{429, "You exceeded your current quota, please check your plan and billing details.",
             "insufficient_quota", std::nullopt, std::string("insufficient_quota")};
  const std::string openai = error_body(e, Personality::kOpenAI);
  CHECK(
      openai ==
      R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
  auto parsed = llm::parse_error_body(openai);
  CHECK(parsed.shape == llm::ErrorBodyShape::kNested);
  CHECK(parsed.code == "insufficient_quota");
  CHECK(parsed.type == "insufficient_quota");

  const std::string vllm = error_body(e, Personality::kVllm);
  CHECK(vllm.starts_with(R"({"object":"error","message":"You exceeded)"));
  parsed = llm::parse_error_body(vllm);
  CHECK(parsed.shape == llm::ErrorBodyShape::kFlat);
  CHECK(parsed.numeric_code == 429);
  CHECK(llm::classify_http_failure(429, parsed, {}).reason == llm::FailureReason::kQuotaExhausted);

  const std::string llama = error_body(e, Personality::kLlamaCpp);
  CHECK(llama.starts_with(R"({"error":{"code":429,"message":)"));
  parsed = llm::parse_error_body(llama);
  CHECK(parsed.shape == llm::ErrorBodyShape::kNested);
  CHECK(parsed.numeric_code == 429);

  ApiError with_param{400, "Invalid 'temperature'", "invalid_request_error",
                      std::string("temperature"), std::nullopt};
  parsed = llm::parse_error_body(error_body(with_param, Personality::kOpenAI));
  CHECK(parsed.param == "temperature");
  CHECK(parsed.code.empty());

  CHECK(llama_cpp_loading_body() ==
        R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
  CHECK(
      llm::classify_http_failure(503, llm::parse_error_body(llama_cpp_loading_body()), {}).reason ==
      llm::FailureReason::kModelLoading);
}

TEST_CASE("rate-limit and retry headers read back with the client's parser", "[mock][wire]") {
  HttpHeaders headers;
  add_rate_limit_headers(headers, "requests", {60, 59, 1s});
  add_rate_limit_headers(headers, "tokens", {150000, 149984, 6min});
  add_retry_after_headers(headers, 1500ms);
  CHECK(headers.find("x-ratelimit-reset-tokens") == "6m0s");
  CHECK(headers.find("retry-after") == "2");
  CHECK(headers.find("retry-after-ms") == "1500");
  const auto hints =
      llm::parse_rate_limit_headers(headers.fields(), std::chrono::system_clock::now());
  CHECK(hints.malformed == 0);
  CHECK(hints.limit_requests == 60);
  CHECK(hints.remaining_requests == 59);
  CHECK(hints.reset_requests == llm::HintDuration(1s));
  CHECK(hints.limit_tokens == 150000);
  CHECK(hints.remaining_tokens == 149984);
  CHECK(hints.reset_tokens == llm::HintDuration(6min));
  CHECK(hints.retry_after == llm::HintDuration(1500ms));

  HttpHeaders tiny;
  add_retry_after_headers(tiny, 0ns);
  CHECK(tiny.find("retry-after") == "1");
  CHECK(tiny.find("retry-after-ms") == "1");
}

TEST_CASE("ids look like OpenAI's and are deterministic", "[mock][wire]") {
  const auto id = completion_id(7);
  CHECK(id.size() == 9 + 29);
  CHECK(id.starts_with("chatcmpl-"));
  CHECK(id == completion_id(7));
  CHECK(id != completion_id(8));
  CHECK(std::all_of(id.begin() + 9, id.end(), [](char c) { return std::isalnum(c) != 0; }));
  const auto req = request_id(3);
  CHECK(req.size() == 4 + 32);
  CHECK(req.starts_with("req_"));
  CHECK(system_fingerprint(1).size() == 13);
}

TEST_CASE("tokens are counted piece by piece", "[mock][tokens]") {
  CHECK(count_text_tokens("") == 0);
  CHECK(count_text_tokens("The quick brown fox.") == 5);
  CHECK(count_text_tokens("hello") == 1);
  CHECK(count_text_tokens("tokenization") == 2);  // 12 letters
  CHECK(count_text_tokens("item_123") == 3);      // item, _, 123
  CHECK(count_text_tokens("a\n\nb") == 3);
  CHECK(count_text_tokens("{\"a\": 1}") == 5);  // {" a ": 1 }
  // Each code point outside ASCII counts once.
  CHECK(count_text_tokens("\xe6\x97\xa5\xe6\x9c\xac") == 2);
  // Prose is close to four bytes per token; JSON costs more.
  const std::string prose =
      "Enjoys slow, character-driven dramas and has little patience for loud action films.";
  const auto prose_tokens = count_text_tokens(prose);
  CHECK(prose_tokens >= static_cast<std::int64_t>(prose.size()) / 6);
  CHECK(prose_tokens <= static_cast<std::int64_t>(prose.size()) / 3);
}

TEST_CASE("the fast token count equals the piece-by-piece scan on any text", "[mock][tokens]") {
  // Texts drawn from a small alphabet with every byte class, long runs of
  // each, lone and repeated blanks, UTF-8 of every length and stray
  // continuation bytes, at lengths across several 64-byte chunks.
  const std::vector<std::string> atoms = {"a",
                                          "Z",
                                          "7",
                                          "tokenization",
                                          "x_y",
                                          " ",
                                          "  ",
                                          "\n",
                                          "\t ",
                                          "\r\n",
                                          "\v",
                                          "\f",
                                          "{",
                                          "\"",
                                          ":",
                                          "!!!!!",
                                          "\x01",
                                          "\x7f",
                                          "\xc3\xa9",
                                          "\xe2\x82\xac",
                                          "\xf0\x9f\x98\x80",
                                          "\x80",
                                          "\xbf\xbf",
                                          "\xff",
                                          std::string(1, '\0'),
                                          "abcdefghijklm"};
  const auto reference = [](std::string_view text) {
    std::int64_t total = 0;
    scan_token_pieces(text, [&](std::size_t, std::int64_t tokens) { total += tokens; });
    return total;
  };
  Rng rng(11);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const std::size_t target = rng.uniform_index(300);
    while (text.size() < target)
      text += atoms[rng.uniform_index(atoms.size())];
    INFO("trial " << trial << " length " << text.size());
    REQUIRE(count_text_tokens(text) == reference(text));
    // Every suffix start moves the chunk boundaries across the runs.
    const std::size_t cut = rng.uniform_index(text.size() + 1);
    REQUIRE(count_text_tokens(std::string_view(text).substr(cut)) ==
            reference(std::string_view(text).substr(cut)));
  }
  const std::string long_word(200, 'q');
  CHECK(count_text_tokens(long_word) == 34);  // ceil(200 / 6)
  const std::string long_punct(129, '-');
  CHECK(count_text_tokens(long_punct) == 65);  // ceil(129 / 2)
}

TEST_CASE("a completion is cut at whole pieces within the token limit", "[mock][tokens]") {
  const std::string text = "one two three four five";
  CHECK(prefix_within_tokens(text, 0) == 0);
  CHECK(text.substr(0, prefix_within_tokens(text, 2)) == "one two");
  CHECK(text.substr(0, prefix_within_tokens(text, 5)) == text);
  CHECK(prefix_within_tokens(text, 100) == text.size());
  const std::string cjk = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  CHECK(prefix_within_tokens(cjk, 2) == 6);  // never inside a code point
  for (std::int64_t k = 0; k < 6; ++k)
    CHECK(count_text_tokens(text.substr(0, prefix_within_tokens(text, k))) <= k);
}

TEST_CASE("incremental hashing equals one-shot hashing", "[mock][hash]") {
  const std::string text = "The prompt prefix that providers cache, fed in pieces of any size.";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    ByteHasher h;
    h.update(std::string_view(text).substr(0, cut));
    h.update(std::string_view(text).substr(cut));
    CHECK(h.digest() == hash_bytes(text));
  }
  CHECK(hash_bytes("a") != hash_bytes("b"));
  CHECK(hash_bytes("") != hash_bytes(std::string_view("\0", 1)));
}

TEST_CASE("the prompt cache reports the longest prefix seen recently", "[mock][cache]") {
  PrefixCacheOptions options;
  options.capacity = 8;
  options.ttl = 5min;
  PrefixCache cache(options);
  const SteadyTime t0{};
  const std::vector<std::uint64_t> a = {1, 2, 3};  // 1024, 1152, 1280 tokens
  CHECK(cache.lookup_and_insert(a, t0) == 0);
  CHECK(cache.lookup_and_insert(a, t0 + 1s) == 1280);
  // Same first 1,152 tokens, then different.
  const std::vector<std::uint64_t> b = {1, 2, 9, 10};
  CHECK(cache.lookup_and_insert(b, t0 + 2s) == 1152);
  CHECK(cache.lookup_and_insert({}, t0) == 0);
  // Entries expire.
  CHECK(cache.lookup_and_insert(std::vector<std::uint64_t>{1}, t0 + 2s + 5min + 1ns) == 0);
  // Bounded: the least recently used go first.
  for (std::uint64_t h = 100; h < 120; ++h)
    cache.lookup_and_insert(std::vector<std::uint64_t>{h}, t0 + 10min);
  CHECK(cache.size() == 8);
  CHECK(cache.lookup_and_insert(std::vector<std::uint64_t>{119}, t0 + 10min) == 1024);
  CHECK(cache.lookup_and_insert(std::vector<std::uint64_t>{100}, t0 + 10min) == 0);
  CHECK_THROWS_AS(PrefixCache(PrefixCacheOptions{1024, 0, 8, 1s}), std::invalid_argument);
}

TEST_CASE("RPM is enforced with exact waits and OpenAI's header values", "[mock][limits]") {
  const SteadyTime t0{};
  MockRateLimiter limiter({60, 0}, t0);  // one request per second
  REQUIRE(limiter.enabled());
  for (int i = 0; i < 59; ++i) {
    const auto d = limiter.admit(100, t0);
    REQUIRE(d.admitted());
    CHECK(d.requests->remaining == 59 - i);
    CHECK(!d.tokens);
  }
  const auto last = limiter.admit(100, t0);
  CHECK(last.admitted());
  CHECK(last.requests->limit == 60);
  CHECK(last.requests->remaining == 0);
  CHECK(last.requests->reset == 60s);
  auto refused = limiter.admit(100, t0);
  CHECK(refused.verdict == RateVerdict::kRequestsExceeded);
  CHECK(refused.retry_after == 1s);
  CHECK(refused.used == 60);
  CHECK(refused.requested == 1);
  // Half a second later: half a request refilled, half a second to wait.
  refused = limiter.admit(100, t0 + 500ms);
  CHECK(refused.retry_after == 500ms);
  CHECK(limiter.admit(100, t0 + 1s).admitted());
  CHECK(limiter.peek(t0 + 1s).requests->reset == 60s);
}

TEST_CASE("TPM is enforced, and a request above the whole limit is too large", "[mock][limits]") {
  const SteadyTime t0{};
  MockRateLimiter limiter({0, 30000}, t0);
  auto d = limiter.admit(29000, t0);
  REQUIRE(d.admitted());
  CHECK(d.tokens->remaining == 1000);
  CHECK(d.tokens->reset == 58s);
  d = limiter.admit(1500, t0);
  CHECK(d.verdict == RateVerdict::kTokensExceeded);
  CHECK(d.used == 29000);
  CHECK(d.requested == 1500);
  CHECK(d.retry_after == 1s);  // 500 tokens at 500 per second
  CHECK(d.tokens->remaining == 1000);
  d = limiter.admit(30001, t0 + 10min);
  CHECK(d.verdict == RateVerdict::kTooLarge);
  CHECK(d.retry_after == 0ns);
  CHECK(d.requested == 30001);
  CHECK(limiter.admit(30000, t0 + 10min).admitted());

  MockRateLimiter unlimited({}, t0);
  CHECK_FALSE(unlimited.enabled());
  CHECK(unlimited.admit(1'000'000'000, t0).admitted());
  CHECK_THROWS_AS(MockRateLimiter({-1, 0}, t0), std::invalid_argument);
}

TEST_CASE("a refused request takes nothing from either limit", "[mock][limits]") {
  const SteadyTime t0{};
  MockRateLimiter limiter({10, 1000}, t0);
  REQUIRE(limiter.admit(900, t0).admitted());
  const auto refused = limiter.admit(200, t0);
  CHECK(refused.verdict == RateVerdict::kTokensExceeded);
  CHECK(refused.requests->remaining == 9);  // the refused request was not counted
  CHECK(limiter.admit(100, t0).admitted());
}

namespace {

double mean_seconds(const LatencyOptions& options, std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    sum += static_cast<double>(sample_latency(options, rng, 0).count()) * 1e-9;
  return sum / static_cast<double>(n);
}

}  // namespace

TEST_CASE("latency distributions have the configured moments", "[mock][latency]") {
  LatencyOptions fixed;
  fixed.distribution = LatencyDistribution::kFixed;
  fixed.fixed = 100ms;
  Rng rng(1);
  CHECK(sample_latency(fixed, rng, 0) == 100ms);
  fixed.per_output_token = 1ms;
  CHECK(sample_latency(fixed, rng, 50) == 150ms);
  fixed.cap = 120ms;
  CHECK(sample_latency(fixed, rng, 50) == 120ms);

  LatencyOptions uniform;
  uniform.distribution = LatencyDistribution::kUniform;
  uniform.min = 10ms;
  uniform.max = 30ms;
  Rng urng(2);
  for (int i = 0; i < 1000; ++i) {
    const auto d = sample_latency(uniform, urng, 0);
    CHECK(d >= 10ms);
    CHECK(d <= 30ms);
  }
  CHECK(mean_seconds(uniform, 20000, 3) == Approx(0.020).epsilon(0.02));

  LatencyOptions exponential;
  exponential.distribution = LatencyDistribution::kExponential;
  exponential.min = 5ms;
  exponential.mean = 50ms;
  CHECK(mean_seconds(exponential, 40000, 4) == Approx(0.050).epsilon(0.03));

  LatencyOptions lognormal;
  lognormal.distribution = LatencyDistribution::kLogNormal;
  lognormal.mean = 200ms;
  lognormal.sd = 100ms;
  Rng lrng(5);
  std::vector<double> draws;
  for (int i = 0; i < 40000; ++i)
    draws.push_back(static_cast<double>(sample_latency(lognormal, lrng, 0).count()) * 1e-9);
  double mean = 0;
  for (const double x : draws)
    mean += x;
  mean /= static_cast<double>(draws.size());
  double var = 0;
  for (const double x : draws)
    var += (x - mean) * (x - mean);
  const double sd = std::sqrt(var / static_cast<double>(draws.size() - 1));
  CHECK(mean == Approx(0.200).epsilon(0.03));
  CHECK(sd == Approx(0.100).epsilon(0.08));
  CHECK(*std::min_element(draws.begin(), draws.end()) > 0.0);

  // The same seed, the same latencies.
  CHECK(mean_seconds(lognormal, 100, 9) == mean_seconds(lognormal, 100, 9));
}

TEST_CASE("inconsistent latency settings are described", "[mock][latency]") {
  LatencyOptions o;
  o.distribution = LatencyDistribution::kUniform;
  o.min = 20ms;
  o.max = 10ms;
  CHECK(check_latency_options(o));
  o.distribution = LatencyDistribution::kExponential;
  o.mean = 10ms;
  CHECK(check_latency_options(o));
  o.distribution = LatencyDistribution::kLogNormal;
  o.mean = 0ms;
  CHECK(check_latency_options(o));
  o.distribution = LatencyDistribution::kFixed;
  o.fixed = -1ms;
  CHECK(check_latency_options(o));
  o.fixed = 1ms;
  CHECK_FALSE(check_latency_options(o));
  CHECK(parse_latency_distribution("log-normal") == LatencyDistribution::kLogNormal);
  CHECK_FALSE(parse_latency_distribution("gaussian"));
}

TEST_CASE("fault names round-trip", "[mock][faults]") {
  for (std::size_t i = 0; i < kFaultKindCount; ++i) {
    const auto kind = static_cast<FaultKind>(i);
    CHECK(parse_fault_kind(fault_kind_name(kind)) == kind);
  }
  CHECK_FALSE(parse_fault_kind("meltdown"));
}

TEST_CASE("fault draws follow the configured rates and repeat for a seed", "[mock][faults]") {
  FaultRates rates;
  rates[FaultKind::kServerError] = 0.10;
  rates[FaultKind::kRateLimit] = 0.05;
  rates.all = 0.09;  // 0.01 more for each of the nine kinds other than model_loading
  const FaultPlan plan(rates);
  CHECK(plan.rate(FaultKind::kServerError) == Approx(0.11));
  CHECK(plan.rate(FaultKind::kHang) == Approx(0.01));
  CHECK(plan.rate(FaultKind::kModelLoading) == 0.0);
  CHECK(plan.total_rate() == Approx(0.24));

  constexpr int kDraws = 100'000;
  std::array<int, kFaultKindCount> counts{};
  std::vector<FaultKind> first;
  for (int i = 0; i < kDraws; ++i) {
    Rng rng(derive_seed(42, static_cast<std::uint64_t>(i)));
    const FaultKind k = plan.draw(rng);
    ++counts[static_cast<std::size_t>(k)];
    if (i < 1000)
      first.push_back(k);
  }
  for (std::size_t i = 1; i < kFaultKindCount; ++i) {
    const double p = plan.rate(static_cast<FaultKind>(i));
    const double expected = p * kDraws;
    const double sd = std::sqrt(kDraws * p * (1 - p));
    INFO(fault_kind_name(static_cast<FaultKind>(i)));
    CHECK(std::abs(counts[i] - expected) <= 4.5 * sd + 1);
  }
  CHECK(std::abs(counts[0] - 0.76 * kDraws) <= 4.5 * std::sqrt(kDraws * 0.76 * 0.24));
  for (int i = 0; i < 1000; ++i) {
    Rng rng(derive_seed(42, static_cast<std::uint64_t>(i)));
    CHECK(plan.draw(rng) == first[static_cast<std::size_t>(i)]);
  }
}

TEST_CASE("fault rates are checked", "[mock][faults]") {
  FaultRates too_much;
  too_much[FaultKind::kHang] = 0.6;
  too_much[FaultKind::kServerError] = 0.5;
  CHECK_THROWS_AS(FaultPlan(too_much), std::invalid_argument);
  FaultRates negative;
  negative.all = -0.1;
  CHECK_THROWS_AS(FaultPlan(negative), std::invalid_argument);
  FaultRates everything;
  everything.all = 1.0;
  everything.all_includes_model_loading = true;
  const FaultPlan plan(everything);
  CHECK(plan.rate(FaultKind::kModelLoading) == Approx(0.1));
  Rng rng(1);
  for (int i = 0; i < 100; ++i)
    CHECK(plan.draw(rng) != FaultKind::kNone);
  const FaultPlan none{FaultRates{}};
  Rng rng2(1);
  for (int i = 0; i < 100; ++i)
    CHECK(none.draw(rng2) == FaultKind::kNone);
}
