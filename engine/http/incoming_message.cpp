#include "engine/http/incoming_message.hpp"

namespace lusifer {

IncomingMessage::IncomingMessage(std::size_t body_limit, std::size_t expected_fields)
    : body_limit_(body_limit) {
  headers_.reserve(expected_fields);
}

void IncomingMessage::add_field(std::string_view name, std::string_view value) {
  headers_.add(std::string(name), std::string(value));
}

bool IncomingMessage::start_body(std::optional<std::uint64_t> content_length) {
  if (!content_length)
    return true;
  if (*content_length > body_limit_)
    return false;
  body_.reserve(static_cast<std::size_t>(*content_length));
  return true;
}

}  // namespace lusifer
