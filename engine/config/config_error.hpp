#pragma once

// The error every configuration problem becomes: a TOML syntax error, an
// unknown key, a value of the wrong type or out of range, a literal secret, a
// bad command-line override, an unset environment variable named by a `*_env`
// key.
//
// It is an InputError, so it carries the file (or the override, as
// `--set world.users=5`), the line (0 when no line applies), what was expected
// and what was found, and its message reads
//   config/default.toml:12: expected an integer for world.users, found a string "many"
// It also names the key's full dotted path where one applies.

#include <cstddef>
#include <string>

#include "engine/core/input_error.hpp"

namespace lusifer {

class ConfigError : public InputError {
 public:
  ConfigError(std::string file, std::size_t line, std::string expected, std::string found,
              std::string key = {}, std::size_t column = 0);

  // The dotted path of the key at fault ("llm.pricing.input",
  // "data.item_text[1].file"), or empty when the whole file is at fault.
  const std::string& key() const noexcept { return key_; }
  // 1-based; 0 when unknown (only TOML syntax errors report one).
  std::size_t column() const noexcept { return column_; }

 private:
  std::string key_;
  std::size_t column_;
};

}  // namespace lusifer
