#include "engine/llm/ascii_text.hpp"

namespace lusifer::llm {

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i]))
      return false;
  }
  return true;
}

std::size_t ascii_ifind(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.empty())
    return 0;
  if (needle.size() > haystack.size())
    return std::string_view::npos;
  const char first = ascii_lower(needle[0]);
  const std::size_t last_start = haystack.size() - needle.size();
  for (std::size_t i = 0; i <= last_start; ++i) {
    if (ascii_lower(haystack[i]) != first)
      continue;
    if (ascii_iequals(haystack.substr(i, needle.size()), needle))
      return i;
  }
  return std::string_view::npos;
}

bool ascii_icontains(std::string_view haystack, std::string_view needle) noexcept {
  return ascii_ifind(haystack, needle) != std::string_view::npos;
}

std::string_view trim_ascii_space(std::string_view text) noexcept {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos)
    return {};
  const auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

}  // namespace lusifer::llm
