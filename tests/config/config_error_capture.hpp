#pragma once

// Runs `action`, which must throw a ConfigError, and returns it so a test can
// check the whole message and each field.

#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "engine/config/config_error.hpp"

namespace lusifer::testing {

template <class Action>
ConfigError config_error_from(Action&& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("expected a ConfigError, nothing was thrown");
  throw std::logic_error("unreachable");
}

}  // namespace lusifer::testing
