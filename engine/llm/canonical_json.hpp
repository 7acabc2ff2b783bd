#pragma once

// Two normal forms of a JSON object given as text (a response-format schema):
//
//  - compact:   the same members in the same order, without insignificant
//               whitespace, for the wire. Order is kept because OpenAI's
//               structured outputs emit properties in schema order.
//  - canonical: members of every object sorted by key (bytewise, after
//               unescaping), strings re-escaped one way, numbers written in
//               their shortest form (1, 1.0 and 1e0 all become 1), for hashing:
//               two texts that mean the same JSON get the same canonical form.
//
// Duplicate keys are kept (in a stable order). Nesting deeper than
// kMaxJsonDepth is refused. Pure and thread-safe.

#include <string>
#include <string_view>

namespace lusifer::llm {

inline constexpr int kMaxJsonDepth = 64;

struct NormalisedJson {
  std::string compact;
  std::string canonical;
};

// Throws std::invalid_argument naming the problem when `text` is not exactly
// one JSON object (with optional surrounding whitespace).
NormalisedJson normalise_json_object(std::string_view text);

}  // namespace lusifer::llm
