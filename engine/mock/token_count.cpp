#include "engine/mock/token_count.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The count is popcounts: without a POPCNT instruction (baseline x86-64
// lacks it) each one is a libgcc call. GCC compiles the function twice and
// picks the AVX2 version (which has POPCNT) when the program loads.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define COUNT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define COUNT_CLONES
#endif

namespace lusifer::mock {
namespace {

using token_detail::class_of;

// One 64-byte chunk of text as bit masks, bit b for byte b of the chunk.
struct ChunkMasks {
  std::uint64_t alnum = 0;
  std::uint64_t space = 0;         // any whitespace byte
  std::uint64_t blank = 0;         // ' ' only: the one that joins the next piece
  std::uint64_t high = 0;          // bytes >= 0x80
  std::uint64_t continuation = 0;  // bytes 0x80-0xbf
};

// Masks of `length` <= 64 bytes at `p`; bits past `length` are clear.
inline ChunkMasks chunk_masks(const char* p, std::size_t length) noexcept {
  ChunkMasks m;
#if defined(__SSE2__)
  alignas(16) char padded[64];
  if (length < 64) {
    std::memset(padded, 0, sizeof padded);
    std::memcpy(padded, p, length);
    p = padded;
  }
  // Signed byte compares: bytes >= 0x80 are negative, so they fall outside
  // every ASCII range below, and 0x80-0xbf are exactly the bytes < -64.
  const __m128i lower_a = _mm_set1_epi8('a' - 1), lower_z = _mm_set1_epi8('z' + 1);
  const __m128i digit_0 = _mm_set1_epi8('0' - 1), digit_9 = _mm_set1_epi8('9' + 1);
  const __m128i case_bit = _mm_set1_epi8(0x20), blank = _mm_set1_epi8(' ');
  const __m128i control_lo = _mm_set1_epi8(0x08), control_hi = _mm_set1_epi8(0x0e);
  const __m128i lead_min = _mm_set1_epi8(-64);
  for (int block = 0; block < 4; ++block) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * block));
    const __m128i folded = _mm_or_si128(v, case_bit);
    const __m128i alpha =
        _mm_and_si128(_mm_cmpgt_epi8(folded, lower_a), _mm_cmplt_epi8(folded, lower_z));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, digit_0), _mm_cmplt_epi8(v, digit_9));
    const __m128i is_blank = _mm_cmpeq_epi8(v, blank);
    const __m128i control =
        _mm_and_si128(_mm_cmpgt_epi8(v, control_lo), _mm_cmplt_epi8(v, control_hi));
    const auto bits = [block](__m128i lanes) {
      return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(lanes)))
             << (16 * block);
    };
    m.alnum |= bits(_mm_or_si128(alpha, digit));
    m.space |= bits(_mm_or_si128(is_blank, control));
    m.blank |= bits(is_blank);
    m.high |= bits(v);
    m.continuation |= bits(_mm_cmplt_epi8(v, lead_min));
  }
  if (length < 64) {
    // Padding bytes are zeros: they only set punctuation, which is derived.
    const std::uint64_t valid = (std::uint64_t{1} << length) - 1;
    m.alnum &= valid;
    m.space &= valid;
    m.blank &= valid;
  }
#else
  for (std::size_t b = 0; b < length; ++b) {
    const auto c = static_cast<unsigned char>(p[b]);
    const std::uint64_t bit = std::uint64_t{1} << b;
    switch (class_of(p[b])) {
      case token_detail::kAlnum:
        m.alnum |= bit;
        break;
      case token_detail::kSpace:
        m.space |= bit;
        if (c == ' ')
          m.blank |= bit;
        break;
      case token_detail::kHigh:
        m.high |= bit;
        if ((c & 0xc0) == 0x80)
          m.continuation |= bit;
        break;
      default:
        break;
    }
  }
#endif
  return m;
}

// `mask` shifted towards higher positions by `s` (1 <= s < 64), with the
// bits that the previous chunk shifts in.
constexpr std::uint64_t from_before(std::uint64_t mask, std::uint64_t previous,
                                    unsigned s) noexcept {
  return (mask << s) | (previous >> (64 - s));
}

// Bits of positions whose run of `mask` began exactly `k` bytes earlier:
// the mask holds at p - k ... p and not at p - k - 1. A template, so that
// the shifts unroll.
template <unsigned k>
std::uint64_t offset_exactly(std::uint64_t mask, std::uint64_t previous) noexcept {
  std::uint64_t all = mask;
  [&]<unsigned... s>(std::integer_sequence<unsigned, s...>) {
    ((all &= from_before(mask, previous, s + 1)), ...);
  }
  (std::make_integer_sequence<unsigned, k>{});
  return all & ~from_before(mask, previous, k + 1);
}

// A run of the class `kind` reached its k-th byte past its start at `at`:
// the tokens it counts beyond the one its start counted, ceil(L / k) - 1.
inline std::int64_t long_run_extra(std::string_view text, std::size_t at, unsigned char kind,
                                   unsigned k) noexcept {
  std::size_t end = at + 1;
  while (end < text.size() && class_of(text[end]) == kind)
    ++end;
  const std::size_t length = end - (at - k);
  return static_cast<std::int64_t>((length + k - 1) / k) - 1;
}

}  // namespace

// The same count as summing scan_token_pieces, found from bit masks: a
// maximal run of one class is one piece (ASCII letters and digits,
// punctuation, whitespace) or one piece per code point (bytes >= 0x80), so
//   alnum runs count 1 each, plus ceil(L / 6) - 1 for the few longer than 6;
//   punctuation runs count 1 each, plus ceil(L / 2) - 1 for those longer than 2;
//   whitespace runs count 1 each, minus the lone ' ' that joins a next piece;
//   high bytes count 1 per lead byte, and 1 for a run that opens on a
//   continuation byte.
// Only the long runs are walked byte by byte: on the gateway benchmark's
// 1.3 KB prompts this takes about half the scan's instructions (7,300
// against 13,500 a request), and the mock counts every prompt.
COUNT_CLONES std::int64_t count_text_tokens(std::string_view text) noexcept {
  constexpr unsigned kAlnumPerToken = 6;
  constexpr unsigned kPunctPerToken = 2;
  std::int64_t total = 0;
  ChunkMasks before;  // the previous chunk (all clear before the text)
  std::uint64_t punct_before = 0;
  for (std::size_t base = 0; base < text.size(); base += 64) {
    const std::size_t length = std::min<std::size_t>(64, text.size() - base);
    const std::uint64_t valid = length == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << length) - 1;
    const ChunkMasks m = chunk_masks(text.data() + base, length);
    const std::uint64_t punct = valid & ~(m.alnum | m.space | m.high);
    const auto starts = [](std::uint64_t mask, std::uint64_t previous) {
      return std::popcount(mask & ~from_before(mask, previous, 1));
    };
    total +=
        starts(m.alnum, before.alnum) + starts(punct, punct_before) + starts(m.space, before.space);
    // A lone ' ' at q - 1 joins the piece at q: q exists and is no
    // whitespace, and q - 2 is no whitespace either.
    total -= std::popcount(valid & ~m.space & from_before(m.blank, before.blank, 1) &
                           ~from_before(m.space, before.space, 2));
    total += std::popcount(m.high & ~m.continuation) +
             std::popcount(m.continuation & ~from_before(m.high, before.high, 1));
    for (std::uint64_t at = offset_exactly<kAlnumPerToken>(m.alnum, before.alnum); at != 0;
         at &= at - 1) {
      total += long_run_extra(text, base + static_cast<std::size_t>(std::countr_zero(at)),
                              token_detail::kAlnum, kAlnumPerToken);
    }
    for (std::uint64_t at = offset_exactly<kPunctPerToken>(punct, punct_before); at != 0;
         at &= at - 1) {
      total += long_run_extra(text, base + static_cast<std::size_t>(std::countr_zero(at)),
                              token_detail::kPunct, kPunctPerToken);
    }
    before = m;
    punct_before = punct;
  }
  return total;
}

std::size_t prefix_within_tokens(std::string_view text, std::int64_t max_tokens) noexcept {
  std::int64_t total = 0;
  std::size_t end = 0;
  bool full = false;
  scan_token_pieces(text, [&](std::size_t piece_end, std::int64_t tokens) {
    if (full)
      return;
    if (total + tokens > max_tokens) {
      full = true;
      return;
    }
    total += tokens;
    end = piece_end;
  });
  return end;
}

}  // namespace lusifer::mock
