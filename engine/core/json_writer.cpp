#include "engine/core/json_writer.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/core/text_encoding.hpp"

namespace lusifer {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      break;
  }
  if (c < 0x20) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  } else {
    out += static_cast<char>(c);
  }
}

// How many bytes at the start of [p, p + n) are printable ASCII other than
// '"' and '\\': copied verbatim, with nothing to escape or validate. Prompts
// are long runs of such bytes, so they are checked 16 at a time with SSE2
// (part of every x86-64 CPU) or 8 at a time (SWAR) elsewhere: a block is
// plain unless it has a byte >= 0x80, < 0x20, == '"' or == '\\'. A tail
// shorter than a block is checked as the last whole block, overlapping bytes
// already found plain: most calls are JSON keys and short values, for which
// a byte-by-byte tail was most of the cost.
std::size_t plain_ascii_span(const char* p, std::size_t n) noexcept {
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    const __m128i space = _mm_set1_epi8(0x20);
    const auto special_bytes = [&](const char* block_start) noexcept {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block_start));
      const __m128i special =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash)),
                       _mm_cmplt_epi8(block, space));
      return static_cast<unsigned>(_mm_movemask_epi8(special));
    };
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      if (const unsigned mask = special_bytes(p + i); mask != 0)
        return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
    if (i == n)
      return n;
    // Bit k of the last block's mask is byte n - 16 + k; bytes before i are plain.
    const unsigned mask = special_bytes(p + n - 16) >> (16 - (n - i));
    return mask != 0 ? i + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
  }
#endif
  // Within a word, a flag can be wrong only above a true special byte (a
  // borrow runs upwards), so the lowest flagged byte is the first special one.
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto has_zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const auto special_word = [&](const char* word_start) noexcept {
    std::uint64_t w;
    std::memcpy(&w, word_start, 8);
    return (w & kHighs) | ((w - kOnes * 0x20) & ~w & kHighs) | has_zero_byte(w ^ (kOnes * '"')) |
           has_zero_byte(w ^ (kOnes * '\\'));
  };
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 8 <= n; i += 8) {
      if (const std::uint64_t special = special_word(p + i); special != 0)
        return i + static_cast<std::size_t>(__builtin_ctzll(special)) / 8;
    }
    if (i < n && n >= 8) {
      const std::uint64_t special = special_word(p + n - 8) >> (8 * (8 - (n - i)));
      return special != 0 ? i + static_cast<std::size_t>(__builtin_ctzll(special)) / 8 : n;
    }
  } else {
    for (; i + 8 <= n && special_word(p + i) == 0; i += 8) {
    }
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
      break;
  }
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  const char* const data = text.data();
  const std::size_t size = text.size();
  std::size_t run_start = 0;  // the first byte not yet copied to `out`
  std::size_t i = 0;
  while (true) {
    i += plain_ascii_span(data + i, size - i);
    if (i == size)
      break;
    const auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x80) {  // a byte to escape
      out.append(data + run_start, i - run_start);
      append_escaped_ascii(out, c);
      run_start = ++i;
      continue;
    }
    // A multi-byte sequence is copied as it is when valid (no sequence is
    // longer than 4 bytes); one bad byte is replaced and skipped.
    if (const auto bad = find_invalid_utf8(text.substr(i, 4)); !bad || *bad > 0) {
      i += c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      continue;
    }
    out.append(data + run_start, i - run_start);
    out += "\xef\xbf\xbd";
    run_start = ++i;
  }
  out.append(data + run_start, size - run_start);
  out += '"';
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back())
      out_ += ',';
    has_element_.back() = true;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_ += '{';
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
  separate();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  separate();
  if (!std::isfinite(number)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  // Shortest representation that round-trips.
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace lusifer
