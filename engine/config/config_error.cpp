#include "engine/config/config_error.hpp"

#include <utility>

namespace lusifer {

ConfigError::ConfigError(std::string file, std::size_t line, std::string expected,
                         std::string found, std::string key, std::size_t column)
    : InputError(std::move(file), line, std::move(expected), std::move(found)),
      key_(std::move(key)),
      column_(column) {}

}  // namespace lusifer
