#pragma once

// How the mock LLM server counts tokens: a cheap, deterministic rule that
// behaves like a BPE tokenizer in the ways that matter to a client, without
// a vocabulary.
//
// Text is cut into pieces:
//   - a run of ASCII letters and digits of length L: ceil(L / 6) tokens
//     (one per common word, two or three for long ones);
//   - a run of ASCII punctuation of length L: ceil(L / 2) tokens;
//   - one space before a word or punctuation belongs to it (free); any other
//     run of whitespace is one token;
//   - every non-ASCII code point is one token (CJK text is token-dense).
// A request's prompt tokens are
//   3 (reply priming) + sum over messages of (3 + tokens(content))
//   + tokens(schema JSON) when the request has a json_schema response format,
// and completion tokens are tokens(content) of each choice.
//
// On purpose this is NOT the client's 4-bytes-per-token estimate
// (engine/llm/token_estimate.hpp): plain prose comes out close to it, JSON
// and punctuation higher, so a client that reserves by its estimate must
// correct its accounting from the reported usage, as it must with a real
// tokenizer.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lusifer::mock {

inline constexpr std::int64_t kReplyPrimingTokens = 3;
inline constexpr std::int64_t kTokensPerMessage = 3;

std::int64_t count_text_tokens(std::string_view text) noexcept;

// The length in bytes of the longest prefix of `text` made of whole pieces
// that count at most `max_tokens` tokens: where a completion limited to
// `max_tokens` is cut (finish_reason "length"). Never splits a UTF-8
// sequence.
std::size_t prefix_within_tokens(std::string_view text, std::int64_t max_tokens) noexcept;

// Walks `text` piece by piece: `on_piece(end_offset, tokens)` is called after
// each piece with the offset just past it and its token count.
template <class OnPiece>
void scan_token_pieces(std::string_view text, OnPiece&& on_piece);

namespace token_detail {

// Byte classes, looked up in one table (the scan is on the hot path).
enum : unsigned char { kAlnum = 1, kSpace = 2, kPunct = 3, kHigh = 4 };

struct ClassTable {
  unsigned char of[256];
  constexpr ClassTable() : of{} {
    for (int c = 0; c < 256; ++c) {
      unsigned char k = kPunct;
      if (c >= 0x80)
        k = kHigh;
      else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        k = kAlnum;
      else if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
        k = kSpace;
      of[c] = k;
    }
  }
};

inline constexpr ClassTable kClasses{};

inline unsigned char class_of(char c) noexcept {
  return kClasses.of[static_cast<unsigned char>(c)];
}

}  // namespace token_detail

template <class OnPiece>
void scan_token_pieces(std::string_view text, OnPiece&& on_piece) {
  using namespace token_detail;
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char k = class_of(text[i]);
    if (text[i] == ' ' && i + 1 < n && class_of(text[i + 1]) != kSpace) {
      ++i;  // a single space joins the piece after it
      k = class_of(text[i]);
    }
    const std::size_t start = i;
    std::int64_t tokens = 1;
    switch (k) {
      case kAlnum:
        while (i < n && class_of(text[i]) == kAlnum)
          ++i;
        tokens = static_cast<std::int64_t>((i - start + 5) / 6);
        break;
      case kSpace:
        while (i < n && class_of(text[i]) == kSpace)
          ++i;
        break;
      case kPunct:
        while (i < n && class_of(text[i]) == kPunct)
          ++i;
        tokens = static_cast<std::int64_t>((i - start + 1) / 2);
        break;
      default:
        // One code point: a lead byte and its continuation bytes.
        ++i;
        while (i < n && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80)
          ++i;
        break;
    }
    on_piece(i, tokens);
  }
}

}  // namespace lusifer::mock
