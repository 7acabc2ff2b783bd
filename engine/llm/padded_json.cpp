#include "engine/llm/padded_json.hpp"

#include <cstring>

namespace lusifer::llm {

simdjson::error_code PaddedJsonParser::iterate(std::string_view json,
                                               simdjson::ondemand::document& doc) noexcept {
  const std::size_t needed = json.size() + simdjson::SIMDJSON_PADDING;
  try {
    if (buffer_.size() < needed)
      buffer_.resize(needed);
  } catch (const std::bad_alloc&) {
    return simdjson::MEMALLOC;
  }
  if (!json.empty())
    std::memcpy(buffer_.data(), json.data(), json.size());
  // The padding only has to be readable; zeroing its first bytes keeps a
  // previous, longer body from ever looking like a continuation.
  std::memset(buffer_.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  return parser_.iterate(simdjson::padded_string_view(buffer_.data(), json.size(), buffer_.size()))
      .get(doc);
}

bool at_document_end(simdjson::ondemand::document& doc) noexcept {
  const char* location = nullptr;
  return doc.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
}

bool is_valid_json(std::string_view text) noexcept {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  // realloc_if_needed: the parser copies `text` into a padded buffer.
  return parser.parse(text.data(), text.size(), true).get(root) == simdjson::SUCCESS;
}

std::string_view json_error_text(simdjson::error_code error) noexcept {
  switch (error) {
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "JSON ends in the middle of an object or array";
    case simdjson::TAPE_ERROR:
      return "malformed JSON structure";
    case simdjson::UNCLOSED_STRING:
      return "JSON string is not closed";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8 in JSON";
    case simdjson::EMPTY:
      return "no JSON value";
    case simdjson::DEPTH_ERROR:
      return "JSON nested too deeply";
    case simdjson::INCORRECT_TYPE:
      return "JSON value of the wrong type";
    case simdjson::NUMBER_ERROR:
      return "malformed JSON number";
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "JSON number out of range";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "malformed JSON literal (true, false or null)";
    case simdjson::STRING_ERROR:
      return "malformed JSON string";
    case simdjson::MEMALLOC:
      return "out of memory while parsing JSON";
    case simdjson::CAPACITY:
      return "JSON document too large";
    default:
      return simdjson::error_message(error);
  }
}

}  // namespace lusifer::llm
