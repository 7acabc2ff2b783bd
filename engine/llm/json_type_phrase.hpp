#pragma once

// What a JSON value's type is called in an error message for whoever sent it:
// "an array", "an object", "an integer", "a decimal", "a string", "a
// boolean", "null", worded as OpenAI's 400 bodies word them ("Invalid type
// for 'n': expected an integer, but got a string instead."). The mock LLM
// server must answer in exactly those words; the env server answers in the
// same ones so that both of lusifer's HTTP APIs describe bad input alike.

#include <string_view>

#include <simdjson.h>

namespace lusifer::llm {

std::string_view json_type_phrase(simdjson::dom::element_type type) noexcept;

}  // namespace lusifer::llm
