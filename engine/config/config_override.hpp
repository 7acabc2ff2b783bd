#pragma once

// Command-line overrides: `--set world.users=5000` changes one setting for one
// run without editing a file.
//
// An override is `key=value` where the key is a TOML key (dotted for nested
// tables) and the value is a TOML value, so strings are quoted:
// llm.model="gpt-4o-mini", world.users=5000, llm.stop=["\n"],
// llm.pricing={input=0.15, output=0.6}. Missing tables on the way are
// created. The value replaces whatever was there; it is checked when a module
// reads it, like a value from the file, and any error about it (wrong type,
// out of range, unknown key) names the override instead of the file:
//   --set world.users="many": expected an integer for world.users, found a string "many"
// Relative paths in an override resolve against the working directory.
// Overrides must be applied before any section is taken from the file
// (std::logic_error otherwise), so every module sees the same values.

#include <span>
#include <string>
#include <string_view>

#include "engine/config/config_file.hpp"

namespace lusifer {

// Throws ConfigError, naming the override, when `assignment` is not a
// single TOML key=value, when a table on the key's path is already a value
// of another type, or when the key names a secret (the value is not echoed).
void apply_override(ConfigFile& file, std::string_view assignment);

// Applies each in order; a later override of the same key wins.
void apply_overrides(ConfigFile& file, std::span<const std::string> assignments);

}  // namespace lusifer
