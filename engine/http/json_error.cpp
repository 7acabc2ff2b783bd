#include "engine/http/json_error.hpp"

#include "engine/core/json_writer.hpp"

namespace lusifer {

std::string json_error_body(std::string_view message, std::string_view type) {
  std::string out;
  out.reserve(message.size() + type.size() + 40);
  JsonWriter json(out);
  json.begin_object()
      .key("error")
      .begin_object()
      .field("message", message)
      .field("type", type)
      .end_object()
      .end_object();
  return out;
}

}  // namespace lusifer
