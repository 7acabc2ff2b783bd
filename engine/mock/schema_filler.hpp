#pragma once

// Generates a seeded instance of a JSON schema: what a model with structured
// outputs would write for a json_schema response format. Internal to
// engine/mock (it takes simdjson's DOM).
//
// Supported: type (a name or a list; null is chosen only when nothing else
// is allowed), const, enum (one member, uniformly), properties (every
// property, in schema order, so required ones are always there),
// additionalProperties (no extra members are ever written), items and
// prefixItems with minItems/maxItems, minimum/maximum and their exclusive
// forms and multipleOf for integers and numbers, minLength/maxLength and the
// formats date-time, date, time, email, uuid and uri for strings, anyOf and
// oneOf (a branch not of type null), allOf (its first branch), and local
// $ref ("#", "#/$defs/...", "#/definitions/..."). A schema without a type is
// inferred from its keywords (properties: object, items: array, else
// string). `pattern` cannot be honoured in general and is ignored.
//
// Strings take their kind from the property name: explanation, reason,
// profile, change, summary, description and the like get one or two
// sentences, other strings a word or two. Output is bounded: arrays have at
// most 64 elements whatever minItems says, and only their minItems below
// depth 8; below depth 32, and after 20,000 values, every value is the
// smallest of its type (an empty object or array, 0, false, ""), which may
// then break minItems or required: recursive schemas end.
//
// Pure given the Rng; thread-safe for distinct Rngs.

#include <string>
#include <string_view>

#include <simdjson.h>

#include "engine/core/random.hpp"

namespace lusifer::mock {

// Appends an instance of `schema` (a JSON object; $refs resolve against it).
void fill_schema(std::string& out, simdjson::dom::element schema, Rng& rng);

}  // namespace lusifer::mock
