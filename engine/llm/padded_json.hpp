#pragma once

// simdjson On-Demand over bodies that arrive without simdjson's padding.
//
// simdjson reads up to SIMDJSON_PADDING bytes past the end of its input, so
// a body straight from the network cannot be given to it. The parser copies
// each body into a buffer it keeps (so a steady stream of bodies costs one
// memcpy each and no allocation) and iterates that copy. The buffer grows to
// the largest body seen; the HTTP layer bounds body sizes.
//
// Internal to engine/llm (it exposes simdjson). Not thread-safe: use one
// parser per thread. A document is valid until the next `iterate`.

#include <string>
#include <string_view>

#include <simdjson.h>

namespace lusifer::llm {

class PaddedJsonParser {
 public:
  PaddedJsonParser() = default;
  PaddedJsonParser(const PaddedJsonParser&) = delete;
  PaddedJsonParser& operator=(const PaddedJsonParser&) = delete;

  simdjson::error_code iterate(std::string_view json, simdjson::ondemand::document& doc) noexcept;

 private:
  std::string buffer_;
  simdjson::ondemand::parser parser_;
};

// True when nothing but whitespace follows the root value (On-Demand does not
// look past the root by itself, so "{...}}" would otherwise pass).
bool at_document_end(simdjson::ondemand::document& doc) noexcept;

// True when `text` is exactly one valid JSON value. For the rare paths that
// must tell "JSON, but not an object" from "not JSON" (On-Demand reports both
// as a wrong type at the root); validates fully, with a per-thread parser.
bool is_valid_json(std::string_view text) noexcept;

// A readable name for a simdjson error, for failure reasons.
std::string_view json_error_text(simdjson::error_code error) noexcept;

}  // namespace lusifer::llm
