#pragma once

// The rate-limit hints servers put in response headers and 429 messages.
//
//   retry-after-ms: <ms>                 non-standard, fractional allowed; wins when valid
//   retry-after: <seconds> | <HTTP-date> fractional seconds accepted (as openai-python does);
//                                        a date is taken relative to `now`, a past date is 0
//   x-ratelimit-limit-requests|tokens: <int>
//   x-ratelimit-remaining-requests|tokens: <int>
//   x-ratelimit-reset-requests|tokens: <Go duration>  "1s", "6m0s", "12ms", "1h2m3.5s",
//                                        "250us"; a bare number is taken as seconds, as some
//                                        compatible servers send it
//
// "reset" is the time until the bucket is full again, not the wait for one
// more request. Every field is an optional hint: headers are missing on some
// responses, and a malformed value is treated as absent (and counted in
// `malformed`, so callers can report it). Header names match in any case;
// the *_usage_based variants are not these fields and are ignored.
//
// Pure functions; thread-safe; no exceptions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/llm/header_field.hpp"

namespace lusifer::llm {

using HintDuration = std::chrono::nanoseconds;

struct RateLimitHeaders {
  std::optional<HintDuration> retry_after;
  std::optional<std::int64_t> limit_requests;
  std::optional<std::int64_t> limit_tokens;
  std::optional<std::int64_t> remaining_requests;
  std::optional<std::int64_t> remaining_tokens;
  std::optional<HintDuration> reset_requests;
  std::optional<HintDuration> reset_tokens;
  int malformed = 0;  // fields present but unreadable
};

RateLimitHeaders parse_rate_limit_headers(HeaderList headers,
                                          std::chrono::system_clock::time_point now);

// A Go time.Duration string: an optional "+", then one or more
// <decimal><unit> with unit ns, us, µs, μs, ms, s, m or h ("1h2m3.5s",
// ".5s"), or the bare "0". Negative durations and values beyond ~292 years
// are rejected.
std::optional<HintDuration> parse_go_duration(std::string_view text) noexcept;

// A Retry-After value: non-negative (fractional) seconds or an HTTP-date in
// any of RFC 9110's three formats (IMF-fixdate, RFC 850, asctime).
std::optional<HintDuration> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) noexcept;

// An HTTP-date as a time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text) noexcept;

// The wait a 429 message suggests, as a fallback when headers give none:
// "Please try again in 644ms." / "in 1.5s" / "in 7m12s" / "in 20 seconds" /
// "Please retry after 20 seconds" (Azure). The first such phrase counts.
std::optional<HintDuration> retry_hint_from_message(std::string_view message) noexcept;

}  // namespace lusifer::llm
