#include "engine/data/field_parsing.hpp"

#include <charconv>

namespace lusifer {

std::optional<std::int64_t> parse_int64(std::string_view field) noexcept {
  std::int64_t value = 0;
  const char* first = field.data();
  const char* last = first + field.size();
  if (first != last && *first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr != last || first == last) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view field) noexcept {
  double value = 0;
  const char* first = field.data();
  const char* last = first + field.size();
  const auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (ec != std::errc{} || ptr != last || first == last) return std::nullopt;
  return value;
}

std::optional<int> year_from_title(std::string_view title) noexcept {
  while (!title.empty() && title.back() == ' ') title.remove_suffix(1);
  if (title.empty() || title.back() != ')') return std::nullopt;
  const std::size_t open = title.rfind('(');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view inside = title.substr(open + 1, title.size() - open - 2);
  if (inside.size() > 4 && inside[4] == '-') inside = inside.substr(0, 4);  // "(1995-2003)"
  if (inside.size() != 4) return std::nullopt;
  int year = 0;
  const auto [ptr, ec] = std::from_chars(inside.data(), inside.data() + 4, year);
  if (ec != std::errc{} || ptr != inside.data() + 4 || year < 1800 || year > 2200) {
    return std::nullopt;
  }
  return year;
}

}  // namespace lusifer
