#pragma once

// Durations written as text in config files: "250ms", "2s", "1.5s", "1m30s".
//
// A duration is one or more <number><unit> parts with no spaces; the number is
// decimal digits with an optional fraction, the unit one of ns, us, ms, s, m
// (minutes) and h. A bare number has no unit and is rejected, since "250"
// could mean anything. Results are rounded to the nanosecond and must fit in
// std::chrono::nanoseconds (about 292 years); negative durations do not exist.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer {

// The duration `text` spells, or nullopt when it is not a duration as above.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Text that parse_duration reads back exactly as `value`, largest units first
// ("1m30s", "250ms", "1s500ms", "0s"); negative values are written as "0s".
std::string format_duration(std::chrono::nanoseconds value);

}  // namespace lusifer
