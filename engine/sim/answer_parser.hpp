#pragma once

// Reads an LLM's answer into a typed task result, tolerantly, and says what
// is missing so that only that is asked again (PromptBuilder::build_repair).
//
// The JSON is found with extract_answer_json (code fences, prose around it,
// trailing commas, a cut-off answer) and parsed with nlohmann::json.
//
// Rating answers. Keys may be "item_123", "123", "Item 123", "movie_123" or
// "#123", or a candidate's title; keys that name no candidate are ignored.
// The entries may also sit under one wrapper key ({"ratings": {...}}) or come
// as an array of objects with an id field ("item", "item_id", "id", "key",
// "movie_id"). An entry is an object with "rating" (or "score", "stars",
// "value") and "explanation" (or "reason", "reasoning", "why",
// "justification"), or a bare rating. A rating may be a number or a string:
// "4", "4.0", "4/5", "4 out of 5", "4 stars", "Rating: 4", "★★★★".
// The rules for values:
//   - on the scale: taken as is;
//   - within [min, max] but between levels (a half star on an integer
//     scale, 3.3): rounded to the nearest level; an exact tie goes to the
//     level nearer the middle of the scale (3.5 -> 3 and 1.5 -> 2 on 1..5),
//     so hedged answers do not all lean one way. Noted;
//   - outside [min, max], "x/y" with y other than the scale's max, or not a
//     number: invalid, the item counts as missing and the problem says why.
// A missing or empty explanation leaves it empty and is noted, not repaired.
// The first valid entry for an item wins; later ones are noted and ignored.
//
// Profile answers. "profile" (or the authors' "user_profile") must be a
// non-empty string. "change" (or the authors' "update") must be a non-empty
// string for update tasks and is optional for create tasks. A usable profile
// is kept even when the change is missing (the result is then incomplete).
//
// Results: LlmTaskResult with ratings in candidate order, `missing` in
// candidate order, and `problem` as sentences a repair prompt can quote
// (empty when complete). Never throws for bad answers (only std::bad_alloc);
// pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/llm_task.hpp"

namespace lusifer {

struct ParsedAnswer {
  LlmTaskResult result;
  // What was tolerated (rounded ratings, aliases, missing explanations,
  // prose around the JSON), for logs and compliance statistics.
  std::vector<std::string> notes;
};

ParsedAnswer parse_profile_answer(std::string_view answer, TaskKind kind);

// `candidates` as asked (repeats are answered once).
ParsedAnswer parse_rating_answer(std::string_view answer, const Dataset& dataset,
                                 const std::vector<ItemIndex>& candidates);

// Dispatches on task.kind.
ParsedAnswer parse_task_answer(std::string_view answer, const LlmTask& task,
                               const Dataset& dataset);

// The rating `value` means on `scale` under the rules above: the level, or
// nullopt with `problem` set; `note` is set when the value was rounded.
struct RatingReading {
  std::optional<float> rating;
  std::string problem;
  std::string note;
};
RatingReading read_rating_number(double value, const RatingScale& scale);
RatingReading read_rating_text(std::string_view text, const RatingScale& scale);

// Folds the result of a repair answer (parsed with the repaired items as
// candidates) into the result it repaired: ratings of previously missing
// items are appended, `missing` and `problem` become the repair's; for
// profile tasks a non-empty profile or change replaces the old one.
void merge_repair(TaskKind kind, LlmTaskResult& into, LlmTaskResult repair);

}  // namespace lusifer
