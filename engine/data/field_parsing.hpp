#pragma once

// Strict parsing of single fields: the whole field must be the number, with no
// spaces, signs where they make no sense, or trailing text.

#include <cstdint>
#include <optional>
#include <string_view>

namespace lusifer {

std::optional<std::int64_t> parse_int64(std::string_view field) noexcept;
std::optional<double> parse_double(std::string_view field) noexcept;

// The year in a trailing "(1995)" of a MovieLens title, tolerating trailing
// spaces and the "(1995-2003)" form of series; nullopt when there is none.
std::optional<int> year_from_title(std::string_view title) noexcept;

}  // namespace lusifer
