#pragma once

// "Did you mean ...?" for misspelt keys and enum values.
//
// Distances are optimal-string-alignment edit distances over bytes
// (insertions, deletions, substitutions and swaps of two neighbours all cost
// one), so "modle" is one edit from "model".

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace lusifer {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `wanted`, when it is close enough to be a likely
// typo (one edit for names up to four bytes, two up to eight, three beyond);
// ties go to the earliest candidate. Nullopt when none is that close or
// `wanted` is itself a candidate.
std::optional<std::string_view> closest_name(std::string_view wanted,
                                             std::span<const std::string_view> candidates);

}  // namespace lusifer
