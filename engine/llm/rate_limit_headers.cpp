#include "engine/llm/rate_limit_headers.hpp"

#include <array>
#include <cmath>
#include <limits>

#include "engine/llm/ascii_text.hpp"

namespace lusifer::llm {
namespace {

using std::chrono::system_clock;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::uint64_t kMaxNanos =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// A non-negative decimal "12", "1.5", ".5", "5." at the front of `text`,
// consumed from it. `whole` overflows to failure; fraction digits beyond 18
// are ignored (below a nanosecond for every unit used here).
struct Decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;
  std::uint64_t scale = 1;  // fraction / scale is the fractional part
};

std::optional<Decimal> take_decimal(std::string_view& text) noexcept {
  Decimal d;
  std::size_t i = 0;
  bool digits = false;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (d.whole > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      return std::nullopt;
    d.whole = d.whole * 10 + digit;
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      digits = true;
      if (d.scale < 1'000'000'000'000'000'000ULL) {
        d.fraction = d.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        d.scale *= 10;
      }
    }
  }
  if (!digits)
    return std::nullopt;
  text.remove_prefix(i);
  return d;
}

// d * unit_nanos, or nullopt beyond the int64 range.
std::optional<std::uint64_t> scale_to_nanos(const Decimal& d, std::uint64_t unit_nanos) noexcept {
  if (d.whole > kMaxNanos / unit_nanos)
    return std::nullopt;
  std::uint64_t total = d.whole * unit_nanos;
  if (d.fraction > 0) {
    const double part = static_cast<double>(d.fraction) *
                        (static_cast<double>(unit_nanos) / static_cast<double>(d.scale));
    total += static_cast<std::uint64_t>(part);
    if (total > kMaxNanos)
      return std::nullopt;
  }
  return total;
}

std::optional<HintDuration> whole_text_as(std::string_view text,
                                          std::uint64_t unit_nanos) noexcept {
  text = trim_ascii_space(text);
  const auto d = take_decimal(text);
  if (!d || !text.empty())
    return std::nullopt;
  const auto nanos = scale_to_nanos(*d, unit_nanos);
  if (!nanos)
    return std::nullopt;
  return HintDuration(static_cast<std::int64_t>(*nanos));
}

// The unit at the front of `text` (consumed), as nanoseconds.
std::optional<std::uint64_t> take_go_unit(std::string_view& text) noexcept {
  struct Unit {
    std::string_view name;
    std::uint64_t nanos;
  };
  // Longest names first, so "ms" is not read as "m".
  static constexpr std::array<Unit, 8> kUnits{{{"ns", 1},
                                               {"us", 1'000},
                                               {"\xc2\xb5s", 1'000},  // U+00B5 micro sign
                                               {"\xce\xbcs", 1'000},  // U+03BC Greek mu
                                               {"ms", 1'000'000},
                                               {"s", 1'000'000'000},
                                               {"m", 60'000'000'000},
                                               {"h", 3'600'000'000'000}}};
  for (const auto& unit : kUnits) {
    if (text.substr(0, unit.name.size()) == unit.name) {
      text.remove_prefix(unit.name.size());
      return unit.nanos;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_count(std::string_view text) noexcept {
  text = trim_ascii_space(text);
  if (text.empty() || text.size() > 18)
    return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (!is_digit(c))
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A reset value: a Go duration, or a bare number of seconds.
std::optional<HintDuration> parse_reset(std::string_view text) noexcept {
  if (auto d = parse_go_duration(text))
    return d;
  return whole_text_as(text, kNanosPerSecond);
}

int month_from_name(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 12> kMonths{
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (ascii_iequals(name, kMonths[i]))
      return static_cast<int>(i) + 1;
  }
  return 0;
}

// Exactly `count` digits at the front of `text` (consumed).
std::optional<int> take_digits(std::string_view& text, std::size_t count) noexcept {
  if (text.size() < count)
    return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(text[i]))
      return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  text.remove_prefix(count);
  return value;
}

bool take_literal(std::string_view& text, std::string_view literal) noexcept {
  if (text.substr(0, literal.size()) != literal)
    return false;
  text.remove_prefix(literal.size());
  return true;
}

// "HH:MM:SS" at the front of `text` (consumed), as seconds of the day.
std::optional<int> take_time_of_day(std::string_view& text) noexcept {
  const auto h = take_digits(text, 2);
  if (!h || !take_literal(text, ":"))
    return std::nullopt;
  const auto m = take_digits(text, 2);
  if (!m || !take_literal(text, ":"))
    return std::nullopt;
  const auto s = take_digits(text, 2);
  if (!s || *h > 23 || *m > 59 || *s > 60)
    return std::nullopt;  // 60: leap second
  return *h * 3600 + *m * 60 + *s;
}

std::optional<system_clock::time_point> make_time(int year, int month, int day,
                                                  int seconds_of_day) noexcept {
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  // system_clock counts nanoseconds in 64 bits: about 1678 to 2262. A server
  // date outside a sane window is garbage, not a reason to overflow.
  if (!date.ok() || year < 1970 || year > 2200)
    return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::seconds(seconds_of_day);
}

}  // namespace

std::optional<HintDuration> parse_go_duration(std::string_view text) noexcept {
  text = trim_ascii_space(text);
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1);
  if (text == "0")
    return HintDuration::zero();
  if (text.empty())
    return std::nullopt;
  std::uint64_t total = 0;
  while (!text.empty()) {
    const auto d = take_decimal(text);
    if (!d)
      return std::nullopt;
    const auto unit = take_go_unit(text);
    if (!unit)
      return std::nullopt;
    const auto nanos = scale_to_nanos(*d, *unit);
    if (!nanos || *nanos > kMaxNanos - total)
      return std::nullopt;
    total += *nanos;
  }
  return HintDuration(static_cast<std::int64_t>(total));
}

std::optional<system_clock::time_point> parse_http_date(std::string_view text) noexcept {
  text = trim_ascii_space(text);
  const auto comma = text.find(',');
  if (comma != std::string_view::npos) {
    // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" or RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT".
    text.remove_prefix(comma + 1);
    text = trim_ascii_space(text);
    const auto day = take_digits(text, 2);
    if (!day || text.empty())
      return std::nullopt;
    const char separator = text.front();
    if (separator != ' ' && separator != '-')
      return std::nullopt;
    text.remove_prefix(1);
    const int month = month_from_name(text.substr(0, 3));
    if (month == 0)
      return std::nullopt;
    text.remove_prefix(3);
    if (!take_literal(text, std::string_view(&separator, 1)))
      return std::nullopt;
    int year = 0;
    if (separator == ' ') {
      const auto y = take_digits(text, 4);
      if (!y)
        return std::nullopt;
      year = *y;
    } else {
      const auto y = take_digits(text, 2);
      if (!y)
        return std::nullopt;
      year = *y < 70 ? 2000 + *y : 1900 + *y;
    }
    if (!take_literal(text, " "))
      return std::nullopt;
    const auto seconds = take_time_of_day(text);
    if (!seconds || !ascii_iequals(trim_ascii_space(text), "GMT"))
      return std::nullopt;
    return make_time(year, month, *day, *seconds);
  }
  // asctime "Sun Nov  6 08:49:37 1994".
  if (text.size() < 4 || text[3] != ' ')
    return std::nullopt;
  text.remove_prefix(4);
  const int month = month_from_name(text.substr(0, 3));
  if (month == 0)
    return std::nullopt;
  text.remove_prefix(3);
  if (!take_literal(text, " "))
    return std::nullopt;
  if (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  int day = 0;
  if (const auto two = take_digits(text, 2)) {
    day = *two;
  } else if (const auto one = take_digits(text, 1)) {
    day = *one;
  } else {
    return std::nullopt;
  }
  if (!take_literal(text, " "))
    return std::nullopt;
  const auto seconds = take_time_of_day(text);
  if (!seconds || !take_literal(text, " "))
    return std::nullopt;
  const auto year = take_digits(text, 4);
  if (!year || !text.empty())
    return std::nullopt;
  return make_time(*year, month, day, *seconds);
}

std::optional<HintDuration> parse_retry_after(std::string_view value,
                                              system_clock::time_point now) noexcept {
  if (auto seconds = whole_text_as(value, kNanosPerSecond))
    return seconds;
  const auto date = parse_http_date(value);
  if (!date)
    return std::nullopt;
  if (*date <= now)
    return HintDuration::zero();
  return std::chrono::duration_cast<HintDuration>(*date - now);
}

std::optional<HintDuration> retry_hint_from_message(std::string_view message) noexcept {
  for (const std::string_view phrase : {"try again in ", "retry after ", "retry in "}) {
    const auto at = ascii_ifind(message, phrase);
    if (at == std::string_view::npos)
      continue;
    std::string_view rest = message.substr(at + phrase.size());
    // A Go-style token such as "644ms", "1.5s" or "7m12s" (a sentence's full
    // stop may follow it).
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != ',' && rest[end] != ';' &&
           rest[end] != ')') {
      ++end;
    }
    std::string_view token = rest.substr(0, end);
    while (!token.empty() && token.back() == '.')
      token.remove_suffix(1);
    if (auto d = parse_go_duration(token))
      return d;
    // "<number> <unit word>", as in "20 seconds".
    const auto number = take_decimal(rest);
    if (!number)
      return std::nullopt;
    rest = trim_ascii_space(rest);
    std::size_t word_end = 0;
    while (word_end < rest.size() && ascii_lower(rest[word_end]) >= 'a' &&
           ascii_lower(rest[word_end]) <= 'z') {
      ++word_end;
    }
    const std::string_view word = rest.substr(0, word_end);
    std::uint64_t unit = 0;
    for (const std::string_view name : {"s", "sec", "secs", "second", "seconds"}) {
      if (ascii_iequals(word, name))
        unit = 1'000'000'000;
    }
    for (const std::string_view name : {"ms", "millisecond", "milliseconds"}) {
      if (ascii_iequals(word, name))
        unit = 1'000'000;
    }
    for (const std::string_view name : {"min", "mins", "minute", "minutes"}) {
      if (ascii_iequals(word, name))
        unit = 60'000'000'000;
    }
    for (const std::string_view name : {"hour", "hours"}) {
      if (ascii_iequals(word, name))
        unit = 3'600'000'000'000;
    }
    if (unit == 0)
      return std::nullopt;
    const auto nanos = scale_to_nanos(*number, unit);
    if (!nanos)
      return std::nullopt;
    return HintDuration(static_cast<std::int64_t>(*nanos));
  }
  return std::nullopt;
}

RateLimitHeaders parse_rate_limit_headers(HeaderList headers, system_clock::time_point now) {
  RateLimitHeaders out;
  const auto read = [&](std::string_view name, auto& field, auto parse) {
    const auto value = find_header(headers, name);
    if (!value)
      return;
    field = parse(*value);
    if (!field)
      ++out.malformed;
  };
  const auto count = [](std::string_view v) { return parse_count(v); };
  const auto reset = [](std::string_view v) { return parse_reset(v); };

  std::optional<HintDuration> retry_after_ms;
  read("retry-after-ms", retry_after_ms,
       [](std::string_view v) { return whole_text_as(v, 1'000'000); });
  if (retry_after_ms) {
    out.retry_after = retry_after_ms;
  } else {
    read("retry-after", out.retry_after,
         [now](std::string_view v) { return parse_retry_after(v, now); });
  }
  read("x-ratelimit-limit-requests", out.limit_requests, count);
  read("x-ratelimit-limit-tokens", out.limit_tokens, count);
  read("x-ratelimit-remaining-requests", out.remaining_requests, count);
  read("x-ratelimit-remaining-tokens", out.remaining_tokens, count);
  read("x-ratelimit-reset-requests", out.reset_requests, reset);
  read("x-ratelimit-reset-tokens", out.reset_tokens, reset);
  return out;
}

}  // namespace lusifer::llm
