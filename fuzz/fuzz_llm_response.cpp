// Fuzzes what an LLM server sends back: chat-completion bodies, error bodies,
// rate-limit headers, Server-Sent-Event streams and Batch API result lines.
//
// The first byte picks the parser; the rest is its input:
//   '0' (and every byte = 0 mod 4)  a response body: ChatResponseParser, then
//       parse_error_body and classify_http_failure with a status picked by
//       the second byte
//   '1'  an SSE stream, fed once whole and once cut into pieces (sizes from
//       the second byte): the outcome must not depend on where reads split it
//   '2'  "Name: value" header lines: parse_rate_limit_headers, every value
//       through each hint parser, and the 429 message fallback
//   '3'  a Batch API output line and a batch status object
// Beyond not crashing, the harness checks what the headers promise: parsers
// that keep buffers between calls give the same results as fresh ones,
// error texts stay within their bounds, and hints are never negative.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/llm/batch_lines.hpp"
#include "engine/llm/batch_status.hpp"
#include "engine/llm/chat_response.hpp"
#include "engine/llm/chat_stream.hpp"
#include "engine/llm/error_body.hpp"
#include "engine/llm/failure_classification.hpp"
#include "engine/llm/header_field.hpp"
#include "engine/llm/rate_limit_headers.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer::llm;

// Statuses a server may answer with, the odd ones included.
constexpr std::array<int, 20> kStatuses = {200, 201, 204, 302, 400, 401, 403, 404, 408, 409,
                                           413, 422, 429, 500, 502, 503, 504, 529, 0,   999};

// Sun, 06 Nov 1994 08:49:37 GMT: a fixed "now" keeps runs reproducible.
const std::chrono::system_clock::time_point kNow{std::chrono::seconds(784111777)};

bool same_response(const ChatResponse& a, const ChatResponse& b) {
  return a.id == b.id && a.model == b.model && a.system_fingerprint == b.system_fingerprint &&
         a.content == b.content && a.refusal == b.refusal && a.finish_reason == b.finish_reason &&
         a.finish_reason_text == b.finish_reason_text && a.has_usage == b.has_usage &&
         a.usage.prompt_tokens == b.usage.prompt_tokens &&
         a.usage.completion_tokens == b.usage.completion_tokens &&
         a.usage.total_tokens == b.usage.total_tokens &&
         a.usage.cached_prompt_tokens == b.usage.cached_prompt_tokens;
}

void check_usage(const ChatResponse& r) {
  LUSIFER_FUZZ_CHECK(r.usage.prompt_tokens >= 0 && r.usage.completion_tokens >= 0 &&
                         r.usage.total_tokens >= 0 && r.usage.cached_prompt_tokens >= 0,
                     "token counts are never negative (a negative count is kUnexpectedType)");
}

void check_error_body(const ErrorBody& body) {
  // assign_bounded appends "..." to a cut text.
  LUSIFER_FUZZ_CHECK(body.message.size() <= kMaxErrorMessageBytes + 3,
                     "an error message is bounded by kMaxErrorMessageBytes");
  LUSIFER_FUZZ_CHECK(body.excerpt.size() <= kMaxErrorExcerptBytes + 3,
                     "an error excerpt is bounded by kMaxErrorExcerptBytes");
  const std::string_view summary = body.summary();
  LUSIFER_FUZZ_CHECK(summary.size() <= kMaxErrorMessageBytes + 3, "the summary is bounded");
}

void fuzz_body(lusifer::fuzz::FuzzInput& in) {
  const int status = kStatuses[in.byte() % kStatuses.size()];
  const std::string_view body = in.rest();

  // One parser for the whole run, as the gateway keeps one per thread.
  static ChatResponseParser reused;
  static ChatResponse reused_out;
  const ResponseParseResult a = reused.parse(body, reused_out);
  ChatResponseParser fresh;
  ChatResponse fresh_out;
  const ResponseParseResult b = fresh.parse(body, fresh_out);
  LUSIFER_FUZZ_CHECK(a.defect == b.defect && a.reason == b.reason,
                     "a reused ChatResponseParser answers as a fresh one does");
  LUSIFER_FUZZ_CHECK(a.ok() == a.reason.empty(), "the reason is empty exactly on success");
  if (a.ok()) {
    LUSIFER_FUZZ_CHECK(same_response(reused_out, fresh_out),
                       "a reused ChatResponseParser reads the same fields as a fresh one");
    check_usage(reused_out);
  }

  const ErrorBody error = parse_error_body(body);
  check_error_body(error);
  const std::vector<HeaderField> no_headers;
  (void)classify_http_failure(status, error, no_headers);
}

// Cuts `stream` into pieces whose sizes follow `seed`, empty pieces included.
std::vector<std::string_view> cut(std::string_view stream, std::uint8_t seed) {
  std::vector<std::string_view> pieces;
  std::uint32_t state = 0x9e3779b9u ^ seed;
  while (!stream.empty()) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    // Mostly tiny pieces (splitting lines and CRLF pairs), sometimes big ones.
    const std::size_t size = (state & 7) == 0 ? (state >> 8) % 512 : (state >> 8) % 9;
    const std::size_t n = std::min(size, stream.size());
    pieces.push_back(stream.substr(0, n));
    stream.remove_prefix(n);
  }
  return pieces;
}

void fuzz_stream(lusifer::fuzz::FuzzInput& in) {
  const std::uint8_t seed = in.byte();
  const std::string_view stream = in.rest();

  ChatStreamAccumulator whole;
  whole.feed(stream);
  ChatResponse whole_out;
  const ResponseParseResult a = whole.finish(whole_out);

  // One accumulator reset between streams, as a connection reuses it.
  static ChatStreamAccumulator pieces;
  pieces.reset();
  for (const auto piece : cut(stream, seed)) {
    const ResponseParseResult r = pieces.feed(piece);
    if (!r.ok()) {
      LUSIFER_FUZZ_CHECK(pieces.feed("data: [DONE]\n\n").defect == r.defect,
                         "after the first failure every feed returns that failure");
      break;
    }
  }
  ChatResponse pieces_out;
  const ResponseParseResult b = pieces.finish(pieces_out);

  // Inputs are far below the 8 MiB bound, so kTooLarge (whose check depends
  // on how lines arrive) cannot occur; everything else must match.
  LUSIFER_FUZZ_CHECK(a.defect == b.defect && a.reason == b.reason,
                     "a stream's outcome does not depend on how reads split it");
  LUSIFER_FUZZ_CHECK(whole.error_data() == pieces.error_data(),
                     "the error event's data does not depend on how reads split the stream");
  if (a.ok()) {
    LUSIFER_FUZZ_CHECK(same_response(whole_out, pieces_out),
                       "the accumulated response does not depend on how reads split the stream");
    check_usage(whole_out);
  }

  // A tiny bound: exercises the kTooLarge paths on every input.
  ChatStreamAccumulator small(64);
  small.feed(stream);
  ChatResponse small_out;
  const ResponseParseResult c = small.finish(small_out);
  LUSIFER_FUZZ_CHECK(small_out.content.size() <= 64, "the accumulated content respects max_bytes");
  if (c.ok())
    check_usage(small_out);
}

void check_hint(const std::optional<HintDuration>& hint, const char* what) {
  LUSIFER_FUZZ_CHECK(!hint || hint->count() >= 0, what);
}

void fuzz_headers(lusifer::fuzz::FuzzInput& in) {
  const std::string_view text = in.rest();
  std::vector<HeaderField> headers;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    const std::string_view line = text.substr(start, end - start);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos)
      headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    start = end + 1;
  }

  const RateLimitHeaders hints = parse_rate_limit_headers(headers, kNow);
  check_hint(hints.retry_after, "retry_after is never negative");
  check_hint(hints.reset_requests, "reset_requests is never negative");
  check_hint(hints.reset_tokens, "reset_tokens is never negative");
  LUSIFER_FUZZ_CHECK(
      hints.malformed >= 0 && static_cast<std::size_t>(hints.malformed) <= headers.size(),
      "at most one malformed count per header");
  for (const auto& field : headers) {
    check_hint(parse_go_duration(field.value), "parse_go_duration rejects negative durations");
    check_hint(parse_retry_after(field.value, kNow), "parse_retry_after is never negative");
    (void)parse_http_date(field.value);
    (void)find_header(headers, field.name);
  }
  check_hint(retry_hint_from_message(text), "a 429 message's hint is never negative");

  ErrorBody error;
  error.message = std::string(text.substr(0, 256));
  (void)classify_http_failure(429, error, headers);
  (void)classify_http_failure(503, error, headers);
}

void fuzz_batch(lusifer::fuzz::FuzzInput& in) {
  const std::string_view text = in.rest();
  static BatchResultParser parser;
  BatchResultLine line;
  const ResponseParseResult r = parser.parse(text, line);
  LUSIFER_FUZZ_CHECK(r.ok() == r.reason.empty(), "the reason is empty exactly on success");
  if (r.ok()) {
    check_error_body(line.error);
    if (line.body_result.ok())
      check_usage(line.response);
  }

  BatchStatus status;
  if (!parse_batch_status(text, status)) {
    LUSIFER_FUZZ_CHECK(status.errors.size() <= kMaxBatchErrorsKept,
                       "at most kMaxBatchErrorsKept batch errors are kept");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lusifer::fuzz::FuzzInput in(data, size);
  switch (in.byte() % 4) {
    case 0:
      fuzz_body(in);
      break;
    case 1:
      fuzz_stream(in);
      break;
    case 2:
      fuzz_headers(in);
      break;
    default:
      fuzz_batch(in);
      break;
  }
  return 0;
}
