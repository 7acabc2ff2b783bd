#pragma once

// Errors that lusifer's actors return to callers, as CAF errors of the
// category "lusifer". The context message carries a human-readable reason.

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

namespace lusifer {

enum class Errc : std::uint8_t {
  kOverloaded = 1,   // a bounded queue was full: the caller should slow down
  kBudgetExhausted,  // the run's LLM budget cap would be passed
  kLlmFailed,        // the LLM call failed terminally (classified reason in the text)
  kReplayMiss,       // replay-only cache mode and the answer was never recorded
  kInvalidRequest,   // the request itself was malformed
  kUnknownUser,      // no such user on this node
  kShuttingDown,     // the run is stopping
};

inline constexpr caf::atom_value kErrorCategory = caf::atom("lusifer");

std::string errc_name(Errc code);

caf::error make_error(Errc code, std::string reason);

// Renders an error of any category as "<name>: <reason>".
std::string describe(const caf::error& error);

}  // namespace lusifer
