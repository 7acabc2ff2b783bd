#pragma once

// Finding the JSON in an LLM's answer. Models wrap JSON in code fences, put
// prose around it, or leave trailing commas; the JSON mode of a server
// prevents some of this, but local models and json_object fallbacks do all
// of it. This finds the value and says what it had to tolerate.
//
// Tried in order, first success wins:
//   1. the contents of each ``` code fence (with or without a language tag);
//   2. the whole answer;
//   3. each balanced {...} in the answer, from the left (prose around it).
// A candidate that fails to parse is retried with trailing commas removed,
// and an object cut off mid-way (an answer that hit max_tokens) is closed
// after its last complete member, so the entries it finished are kept. Only objects are accepted,
// except that a whole answer or a fence may also be an array (some models list entries). Nesting
// deeper than kMaxAnswerDepth and answers longer than kMaxAnswerBytes are refused, so a hostile or
// runaway answer costs bounded time and memory.
//
// Never throws for bad input (only std::bad_alloc); pure and thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lusifer {

inline constexpr std::size_t kMaxAnswerBytes = 1 << 20;
inline constexpr int kMaxAnswerDepth = 32;

struct ExtractedJson {
  // The JSON text found (trailing commas already removed); empty when none.
  std::string json;
  // Why nothing usable was found, as a sentence for a repair prompt; empty on
  // success.
  std::string problem;
  // What was tolerated: "the JSON was inside a code fence", ...
  std::vector<std::string> notes;

  bool found() const noexcept { return !json.empty(); }
};

ExtractedJson extract_answer_json(std::string_view answer);

}  // namespace lusifer
