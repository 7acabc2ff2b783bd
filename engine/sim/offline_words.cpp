#include "engine/sim/offline_words.hpp"

#include <algorithm>
#include <iterator>

namespace lusifer {
namespace {

// Sorted, for binary search. Function words, plus the verbs and nouns every
// synopsis uses; words of three letters or fewer are dropped by length anyway
// but are listed where they are common enough to matter if that changes.
constexpr std::string_view kStopWords[] = {
    "about",   "above",   "across",     "after",   "again",    "against",   "ago",     "all",
    "almost",  "alone",   "along",      "already", "also",     "although",  "always",  "among",
    "and",     "another", "any",        "anyone",  "anything", "are",       "around",  "away",
    "back",    "became",  "because",    "become",  "becomes",  "been",      "before",  "begin",
    "begins",  "behind",  "being",      "below",   "best",     "better",    "between", "both",
    "bring",   "brings",  "but",        "called",  "can",      "cannot",    "come",    "comes",
    "could",   "day",     "days",       "did",     "does",     "doing",     "done",    "down",
    "during",  "each",    "either",     "else",    "end",      "ends",      "enough",  "even",
    "ever",    "every",   "everything", "far",     "few",      "film",      "films",   "find",
    "finds",   "first",   "for",        "found",   "four",     "from",      "further", "get",
    "gets",    "getting", "give",       "gives",   "goes",     "going",     "got",     "had",
    "has",     "have",    "having",     "her",     "here",     "hers",      "herself", "him",
    "himself", "his",     "how",        "however", "into",     "its",       "itself",  "just",
    "know",    "last",    "later",      "learn",   "learns",   "least",     "less",    "let",
    "like",    "long",    "made",       "make",    "makes",    "many",      "may",     "meanwhile",
    "meet",    "meets",   "might",      "more",    "most",     "movie",     "movies",  "much",
    "must",    "near",    "need",       "never",   "new",      "next",      "nor",     "not",
    "nothing", "now",     "off",        "often",   "once",     "one",       "only",    "onto",
    "other",   "others",  "our",        "out",     "over",     "own",       "part",    "perhaps",
    "put",     "rather",  "really",     "same",    "see",      "sees",      "set",     "several",
    "she",     "should",  "since",      "some",    "someone",  "something", "soon",    "still",
    "story",   "such",    "take",       "takes",   "than",     "that",      "the",     "their",
    "theirs",  "them",    "themselves", "then",    "there",    "these",     "they",    "things",
    "this",    "those",   "though",     "three",   "through",  "thus",      "time",    "together",
    "too",     "toward",  "towards",    "tries",   "try",      "two",       "under",   "until",
    "upon",    "very",    "was",        "way",     "well",     "were",      "what",    "when",
    "where",   "whether", "which",      "while",   "who",      "whom",      "whose",   "why",
    "will",    "with",    "within",     "without", "would",    "year",      "years",   "yet",
    "you",     "your",    "yours",      "yourself"};

static_assert(std::is_sorted(std::begin(kStopWords), std::end(kStopWords)));

bool is_word_byte(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' ||
         c >= 0x80;
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

void keep_word(std::string_view raw, std::vector<std::string>& words) {
  std::string word;
  word.reserve(raw.size());
  // "'s" at the end is a possessive; the word is the owner.
  if (raw.size() >= 2 && raw[raw.size() - 2] == '\'' && (raw.back() == 's' || raw.back() == 'S'))
    raw.remove_suffix(2);
  bool all_digits = true;
  for (const char c : raw) {
    if (c == '\'')
      continue;
    if (c < '0' || c > '9')
      all_digits = false;
    word.push_back(ascii_lower(c));
  }
  if (word.size() < 3 || all_digits || is_offline_stop_word(word))
    return;
  words.push_back(std::move(word));
}

}  // namespace

bool is_offline_stop_word(std::string_view word) noexcept {
  return std::binary_search(std::begin(kStopWords), std::end(kStopWords), word);
}

void append_offline_words(std::string_view text, std::vector<std::string>& words) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i])))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > start)
      keep_word(text.substr(start, i - start), words);
  }
}

std::string normalize_offline_tag(std::string_view tag) {
  std::string out;
  out.reserve(tag.size());
  bool pending_space = false;
  for (const char c : tag) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out.push_back(' ');
    pending_space = false;
    out.push_back(ascii_lower(c));
  }
  return out;
}

}  // namespace lusifer
