#include "engine/llm/rate_limit_headers.hpp"

#include <array>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace lusifer::llm;
using namespace std::chrono_literals;
using std::chrono::system_clock;

namespace {

// Sun, 06 Nov 1994 08:49:37 GMT
const system_clock::time_point kRfcExample = system_clock::time_point(784111777s);

}  // namespace

TEST_CASE("Go duration strings in every form OpenAI sends", "[llm][headers]") {
  CHECK(parse_go_duration("1s") == HintDuration(1s));
  CHECK(parse_go_duration("6m0s") == HintDuration(6min));
  CHECK(parse_go_duration("12ms") == HintDuration(12ms));
  CHECK(parse_go_duration("9ms") == HintDuration(9ms));
  CHECK(parse_go_duration("1h2m3.5s") == HintDuration(1h + 2min + 3500ms));
  CHECK(parse_go_duration("0.5s") == HintDuration(500ms));
  CHECK(parse_go_duration(".5s") == HintDuration(500ms));
  CHECK(parse_go_duration("5.s") == HintDuration(5s));
  CHECK(parse_go_duration("250us") == HintDuration(250us));
  CHECK(parse_go_duration("250\xc2\xb5s") == HintDuration(250us));
  CHECK(parse_go_duration("250\xce\xbcs") == HintDuration(250us));
  CHECK(parse_go_duration("1.5ms") == HintDuration(1500us));
  CHECK(parse_go_duration("100ns") == HintDuration(100ns));
  CHECK(parse_go_duration("59.123s") == HintDuration(59123ms));
  CHECK(parse_go_duration("1.5h") == HintDuration(90min));
  CHECK(parse_go_duration("0") == HintDuration(0));
  CHECK(parse_go_duration("+2s") == HintDuration(2s));
  CHECK(parse_go_duration(" 3s ") == HintDuration(3s));
}

TEST_CASE("malformed Go durations are refused", "[llm][headers]") {
  for (const std::string_view bad :
       {"", " ", "1", "12", "-1s", "1x", "s", "1s2", "1 s", "1.2.3s", "ms", ".s", "1sms",
        "9999999999999h", "99999999999999999999s", "NaN", "inf", "1e3s"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_go_duration(bad));
  }
}

TEST_CASE("HTTP dates in RFC 9110's three formats", "[llm][headers]") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == kRfcExample);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == kRfcExample);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == kRfcExample);
  CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == system_clock::time_point{});
  CHECK(parse_http_date("Wed, 01-Jan-25 00:00:10 GMT") == system_clock::time_point(1735689610s));
  for (const std::string_view bad :
       {"", "yesterday", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994",
        "Sun Nov  6 08:49:37", "1994-11-06T08:49:37Z",
        // Found by fuzz_llm_response: years outside system_clock's range overflowed.
        "Sun, 06 Nov 1497 08:49:37 GMT", "Sun Nov  6 08:49:37 5994",
        "Sun, 06 Nov 2262 08:49:37 GMT"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_http_date(bad));
  }
}

TEST_CASE("Retry-After as seconds or as a date relative to now", "[llm][headers]") {
  CHECK(parse_retry_after("20", kRfcExample) == HintDuration(20s));
  CHECK(parse_retry_after("1.5", kRfcExample) == HintDuration(1500ms));
  CHECK(parse_retry_after("0", kRfcExample) == HintDuration(0));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", kRfcExample) == HintDuration(30s));
  // A date in the past means "now".
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", kRfcExample) == HintDuration(0));
  for (const std::string_view bad : {"", "-5", "soon", "5s", "1e3"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_retry_after(bad, kRfcExample));
  }
}

TEST_CASE("OpenAI's rate-limit headers are read, names in any case", "[llm][headers]") {
  const std::vector<HeaderField> headers = {
      {"Content-Type", "application/json"},
      {"x-ratelimit-limit-requests", "60"},
      {"X-RateLimit-Limit-Tokens", "150000"},
      {"x-ratelimit-remaining-requests", "59"},
      {"x-ratelimit-remaining-tokens", "149984"},
      {"x-ratelimit-reset-requests", "1s"},
      {"x-ratelimit-reset-tokens", "6m0s"},
      {"x-ratelimit-limit-tokens_usage_based", "999"},
      {"x-ratelimit-reset-tokens_usage_based", "1h"},
  };
  const auto h = parse_rate_limit_headers(headers, kRfcExample);
  CHECK(h.limit_requests == 60);
  CHECK(h.limit_tokens == 150000);
  CHECK(h.remaining_requests == 59);
  CHECK(h.remaining_tokens == 149984);
  CHECK(h.reset_requests == HintDuration(1s));
  CHECK(h.reset_tokens == HintDuration(6min));
  CHECK_FALSE(h.retry_after);
  CHECK(h.malformed == 0);
}

TEST_CASE("headers are read from any field container without copies", "[llm][headers]") {
  // The HTTP layer's own fields own their strings.
  struct OwnedField {
    std::string name;
    std::string value;
  };
  const std::vector<OwnedField> owned = {{"X-RateLimit-Remaining-Tokens", " 42 "},
                                         {"retry-after", "3"}};
  CHECK(find_header(owned, "x-ratelimit-remaining-tokens") == std::string_view("42"));
  CHECK_FALSE(find_header(owned, "x-ratelimit-remaining"));
  const auto h = parse_rate_limit_headers(owned, kRfcExample);
  CHECK(h.remaining_tokens == 42);
  CHECK(h.retry_after == HintDuration(3s));

  const std::array<HeaderField, 1> fixed{{{"Retry-After", "1"}}};
  CHECK(parse_rate_limit_headers(fixed, kRfcExample).retry_after == HintDuration(1s));
  const HeaderList list(fixed);
  CHECK(list.size() == 1);
  CHECK(list[0].name == "Retry-After");
  CHECK(HeaderList().empty());
}

TEST_CASE("retry-after-ms wins over retry-after", "[llm][headers]") {
  const std::vector<HeaderField> both = {{"Retry-After", "2"}, {"retry-after-ms", "644.5"}};
  CHECK(parse_rate_limit_headers(both, kRfcExample).retry_after == HintDuration(644500us));

  const std::vector<HeaderField> bad_ms = {{"retry-after-ms", "soon"}, {"Retry-After", "2"}};
  const auto fallback = parse_rate_limit_headers(bad_ms, kRfcExample);
  CHECK(fallback.retry_after == HintDuration(2s));
  CHECK(fallback.malformed == 1);

  const std::vector<HeaderField> date = {{"retry-after", "Sun, 06 Nov 1994 08:49:47 GMT"}};
  CHECK(parse_rate_limit_headers(date, kRfcExample).retry_after == HintDuration(10s));
}

TEST_CASE("missing and garbage header values", "[llm][headers]") {
  const std::vector<HeaderField> none;
  const auto empty = parse_rate_limit_headers(none, kRfcExample);
  CHECK_FALSE(empty.retry_after);
  CHECK_FALSE(empty.limit_requests);
  CHECK_FALSE(empty.reset_tokens);
  CHECK(empty.malformed == 0);

  const std::vector<HeaderField> garbage = {
      {"x-ratelimit-limit-requests", "sixty"}, {"x-ratelimit-remaining-tokens", "-5"},
      {"x-ratelimit-reset-requests", "later"}, {"x-ratelimit-reset-tokens", "2.5"},
      {"retry-after", "when you are ready"},   {"x-ratelimit-limit-tokens", ""},
  };
  const auto h = parse_rate_limit_headers(garbage, kRfcExample);
  CHECK_FALSE(h.limit_requests);
  CHECK_FALSE(h.remaining_tokens);
  CHECK_FALSE(h.reset_requests);
  CHECK(h.reset_tokens == HintDuration(2500ms));  // a bare number is seconds
  CHECK_FALSE(h.retry_after);
  CHECK_FALSE(h.limit_tokens);
  CHECK(h.malformed == 5);
}

TEST_CASE("a wait suggested in a 429 message", "[llm][headers]") {
  CHECK(retry_hint_from_message("Limit 30000, Used 29937, Requested 385. Please try again in "
                                "644ms. Visit https://platform.openai.com/account/rate-limits") ==
        HintDuration(644ms));
  CHECK(retry_hint_from_message("Please try again in 1.5s.") == HintDuration(1500ms));
  CHECK(retry_hint_from_message("Please try again in 7m12s.") == HintDuration(7min + 12s));
  CHECK(retry_hint_from_message("Please try again in 20s") == HintDuration(20s));
  CHECK(retry_hint_from_message("Try again in 59 seconds.") == HintDuration(59s));
  CHECK(retry_hint_from_message("Requests to the ChatCompletions_Create Operation under Azure "
                                "OpenAI API version 2024-10-21 have exceeded token rate limit of "
                                "your current tier. Please retry after 20 seconds.") ==
        HintDuration(20s));
  CHECK(retry_hint_from_message("please retry in 1 minute") == HintDuration(1min));
  CHECK(retry_hint_from_message("retry after 500 milliseconds") == HintDuration(500ms));
  CHECK_FALSE(retry_hint_from_message("Please try again later."));
  CHECK_FALSE(retry_hint_from_message("Please try again in a moment."));
  CHECK_FALSE(retry_hint_from_message("Please try again in 5 fortnights."));
  CHECK_FALSE(retry_hint_from_message(""));
}
