#pragma once

// ASCII-only text helpers for protocol tokens: header names, error codes and
// the English phrases servers put in error messages. They fold case for
// A-Z only, so they are for protocol text, never for user text.
//
// All functions are pure, noexcept and thread-safe.

#include <string_view>

namespace lusifer::llm {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool ascii_iequals(std::string_view a, std::string_view b) noexcept;

// True when `needle` occurs in `haystack`, ignoring ASCII case. An empty
// needle is found everywhere.
bool ascii_icontains(std::string_view haystack, std::string_view needle) noexcept;

// The position of the first case-insensitive occurrence of `needle`, or npos.
std::size_t ascii_ifind(std::string_view haystack, std::string_view needle) noexcept;

// `text` without leading and trailing spaces, tabs, CRs and LFs (HTTP's
// optional whitespace, plus the line ends some servers leave in values).
std::string_view trim_ascii_space(std::string_view text) noexcept;

}  // namespace lusifer::llm
