#include "messages/errors.hpp"

#include <caf/message.hpp>

namespace lusifer {

std::string errc_name(Errc code) {
  switch (code) {
    case Errc::kOverloaded:
      return "overloaded";
    case Errc::kBudgetExhausted:
      return "budget_exhausted";
    case Errc::kLlmFailed:
      return "llm_failed";
    case Errc::kReplayMiss:
      return "replay_miss";
    case Errc::kInvalidRequest:
      return "invalid_request";
    case Errc::kUnknownUser:
      return "unknown_user";
    case Errc::kShuttingDown:
      return "shutting_down";
  }
  return "unknown";
}

caf::error make_error(Errc code, std::string reason) {
  return caf::error(static_cast<std::uint8_t>(code), kErrorCategory,
                    caf::make_message(std::move(reason)));
}

std::string describe(const caf::error& error) {
  if (error.category() != kErrorCategory)
    return caf::to_string(error);
  std::string out = errc_name(static_cast<Errc>(error.code()));
  const auto& context = error.context();
  if (context.match_elements<std::string>())
    out += ": " + context.get_as<std::string>(0);
  return out;
}

}  // namespace lusifer
