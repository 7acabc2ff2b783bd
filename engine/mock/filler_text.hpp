#pragma once

// Seeded, readable filler text for the mock LLM server's answers: sentences
// about tastes and stories (most answers it writes are explanations and
// profiles), and single words for short fields.
//
// Deterministic for an Rng state; pure; thread-safe.

#include <string>
#include <string_view>

#include "engine/core/random.hpp"

namespace lusifer::mock {

// Appends one sentence: capitalised, ending with a period.
void append_sentence(std::string& out, Rng& rng);

// Appends `count` sentences separated by single spaces.
void append_prose(std::string& out, Rng& rng, int count);

// One lower-case word.
std::string_view filler_word(Rng& rng) noexcept;

}  // namespace lusifer::mock
