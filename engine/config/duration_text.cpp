#include "engine/config/duration_text.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace lusifer {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanoseconds;
};

// Largest first, which is the order format_duration writes them in.
constexpr Unit kUnits[] = {{"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
                           {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t digits_begin = pos;
    while (pos < text.size() && is_digit(text[pos]))
      ++pos;
    const std::string_view whole = text.substr(digits_begin, pos - digits_begin);
    if (whole.empty())
      return std::nullopt;
    std::string_view fraction;
    if (pos < text.size() && text[pos] == '.') {
      const std::size_t fraction_begin = ++pos;
      while (pos < text.size() && is_digit(text[pos]))
        ++pos;
      fraction = text.substr(fraction_begin, pos - fraction_begin);
      if (fraction.empty())
        return std::nullopt;
    }
    const std::size_t unit_begin = pos;
    while (pos < text.size() && is_letter(text[pos]))
      ++pos;
    const std::string_view unit_name = text.substr(unit_begin, pos - unit_begin);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_name)
        unit = &u;
    }
    if (unit == nullptr)
      return std::nullopt;

    // Whole part in exact integer arithmetic, so large values do not drift.
    std::int64_t part = 0;
    for (const char c : whole) {
      const std::int64_t digit = c - '0';
      if (part > (kMax - digit) / 10)
        return std::nullopt;
      part = part * 10 + digit;
    }
    if (part > kMax / unit->nanoseconds)
      return std::nullopt;
    part *= unit->nanoseconds;
    if (!fraction.empty()) {
      long double f = 0.0L;
      long double scale = 0.1L;
      for (const char c : fraction) {
        f += static_cast<long double>(c - '0') * scale;
        scale /= 10.0L;
      }
      const auto extra =
          static_cast<std::int64_t>(std::llround(f * static_cast<long double>(unit->nanoseconds)));
      if (part > kMax - extra)
        return std::nullopt;
      part += extra;
    }
    if (total > kMax - part)
      return std::nullopt;
    total += part;
  }
  return std::chrono::nanoseconds(total);
}

std::string format_duration(std::chrono::nanoseconds value) {
  std::int64_t left = value.count();
  if (left <= 0)
    return "0s";
  std::string out;
  for (const Unit& u : kUnits) {
    if (left >= u.nanoseconds) {
      out += std::to_string(left / u.nanoseconds);
      out += u.name;
      left %= u.nanoseconds;
    }
  }
  return out;
}

}  // namespace lusifer
