#pragma once

// The JSON an answer must have, in two forms: a JSON schema for servers with
// structured outputs (ResponseFormat::json_schema, strict), and a compact
// "answer shape" that the prompt always shows, because servers without schema
// support fall back to json_object and only the prompt can tell the model what
// to write.
//
//   profile tasks:  {"profile": "...", "change": "..."}
//                   (create tasks show "change": "" - a first profile has no change)
//   rate tasks:     {
//                     "item_5": {"explanation": "...", "rating": <one of: 1, 2, 3, 4, 5>},
//                     "item_9": {"explanation": "...", "rating": <one of: 1, 2, 3, 4, 5>}
//                   }
// In the rating schema the candidate keys are the required properties, and a
// rating is an integer enum on integer scales (a number enum on half-star
// scales). "explanation" comes before "rating" on purpose: structured outputs
// emit properties in schema order, so the model states its reasons before it
// commits to a number instead of rationalising a number after the fact.
//
// The shapes are also the machine-readable part of a prompt that
// task_from_request reads back: their exact spelling is a contract, kept
// here. Note that OpenAI places a structured-output schema in front of the
// prompt, so the per-call rating schema limits OpenAI's prefix cache to calls
// with the same candidates; PromptOptions can ask for json_object instead.
//
// Pure functions; thread-safe.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/llm_task.hpp"

namespace lusifer {

inline constexpr std::string_view kCreateProfileShape = R"({"profile": "...", "change": ""})";
inline constexpr std::string_view kUpdateProfileShape = R"({"profile": "...", "change": "..."})";
// What follows the quoted key on each line of a rating shape.
inline constexpr std::string_view kRatingShapeEntry =
    R"(: {"explanation": "...", "rating": <one of: )";

// The JSON schema of a profile answer (create and update alike).
std::string profile_answer_schema();

// The JSON schema of a rating answer for `items` (external ids, no
// duplicates) on `scale`.
std::string rating_answer_schema(std::span<const ExternalId> items, const RatingScale& scale);

// kCreateProfileShape or kUpdateProfileShape.
std::string_view profile_answer_shape(TaskKind kind) noexcept;

// The rating shape for `items` on `scale`, one item per line.
std::string rating_answer_shape(std::span<const ExternalId> items, const RatingScale& scale);

// The scale whose levels are `levels` (ascending, evenly spaced, at least
// two); nullopt otherwise.
std::optional<RatingScale> scale_from_levels(std::span<const double> levels);

// The scale written in a rating shape line ("<one of: 0.5, 1, ..., 5>"): the
// levels must be evenly spaced. nullopt when `levels_text` does not read as such.
std::optional<RatingScale> scale_from_levels_text(std::string_view levels_text);

}  // namespace lusifer
