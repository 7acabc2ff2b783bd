#pragma once

// Words of item text for the offline simulated user's content model (not an
// LLM): a tokenizer and an English stop list.
//
// A word is a maximal run of ASCII letters, digits, apostrophes and non-ASCII
// bytes (so UTF-8 letters such as "é" stay inside their word), lowercased in
// ASCII. A trailing possessive "'s" is dropped and the other apostrophes are
// removed ("Andy's" -> "andy", "don't" -> "dont"). Words shorter than three
// bytes, words made only of digits, and stop words are not kept: they carry
// no theme. Pure functions; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

namespace lusifer {

// True for common English function words and for the filler words of film
// synopses ("film", "story", "finds"...), which would otherwise make every
// overview look alike.
bool is_offline_stop_word(std::string_view word) noexcept;

// Appends the kept words of `text` to `words`, in order of appearance.
void append_offline_words(std::string_view text, std::vector<std::string>& words);

// A tag phrase as a single term: lowercased (ASCII), inner whitespace
// collapsed, ends trimmed. Empty when nothing but whitespace.
std::string normalize_offline_tag(std::string_view tag);

}  // namespace lusifer
