#include "engine/llm/json_type_phrase.hpp"

namespace lusifer::llm {

std::string_view json_type_phrase(simdjson::dom::element_type type) noexcept {
  using simdjson::dom::element_type;
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a decimal";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

}  // namespace lusifer::llm
