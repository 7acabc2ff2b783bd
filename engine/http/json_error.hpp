#pragma once

// The JSON error body lusifer's servers send with 4xx and 5xx answers, in the
// shape OpenAI-compatible clients already parse:
//   {"error":{"message":"...","type":"..."}}
// The message is escaped (and invalid UTF-8 replaced), so any text is safe.

#include <string>
#include <string_view>

namespace lusifer {

std::string json_error_body(std::string_view message, std::string_view type);

}  // namespace lusifer
