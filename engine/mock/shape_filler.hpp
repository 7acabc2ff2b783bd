#pragma once

// Fills in an answer shape that a prompt shows, for json_object requests and
// plain-text requests that ask for JSON: what a model in JSON mode writes
// when the prompt says "Answer with this JSON object: {...}".
//
// The shape is the last balanced {...} of the prompt that becomes valid JSON
// once filled in:
//   "..."                  a string to write: one or two sentences
//   "" and other strings   kept as they are (keys, fixed values)
//   <one of: 1, 2, 3>      one of the listed values, uniformly (numbers,
//                          true/false/null as they are, other words quoted)
//   <other placeholder>    a number when it mentions a number or an
//                          integer, else a sentence
//   ... outside strings    dropped ("[...]" becomes "[]")
// lusifer's own prompts show their shapes this way (engine/sim/answer_schema.hpp):
//   {"item_5": {"explanation": "...", "rating": <one of: 1, 2, 3, 4, 5>}, ...}
//   {"profile": "...", "change": ""}
//
// Pure given the Rng; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "engine/core/random.hpp"

namespace lusifer::mock {

// The filled-in shape, or nullopt when `prompt` shows none.
std::optional<std::string> fill_answer_shape(std::string_view prompt, Rng& rng);

}  // namespace lusifer::mock
