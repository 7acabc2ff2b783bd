#include "engine/mock/filler_text.hpp"

#include <array>

namespace lusifer::mock {
namespace {

constexpr std::array<std::string_view, 12> kSubjects = {
    "The story",  "The pacing", "The cast",      "The tone",    "The writing", "The premise",
    "The ending", "The humour", "The direction", "The setting", "The score",   "The characters"};
constexpr std::array<std::string_view, 10> kVerbs = {"offers",   "brings",   "balances", "leans on",
                                                     "delivers", "mixes",    "builds",   "favours",
                                                     "rests on", "trades in"};
constexpr std::array<std::string_view, 16> kAdjectives = {
    "gentle",   "sharp",  "warm",   "dark",   "quiet", "clever",  "steady",   "bold",
    "familiar", "uneven", "lively", "tender", "grim",  "playful", "measured", "restless"};
constexpr std::array<std::string_view, 14> kNouns = {
    "humour",  "tension", "characters", "dialogue", "drama",  "atmosphere", "themes",
    "moments", "ideas",   "suspense",   "romance",  "action", "detail",     "storytelling"};
constexpr std::array<std::string_view, 6> kConnectors = {"with",      "and",  "but little",
                                                         "alongside", "over", "without much"};
constexpr std::array<std::string_view, 6> kEndings = {
    "which suits this viewer",      "that this viewer tends to enjoy",
    "that fits their usual taste",  "which they often find tiresome",
    "that they rate on its merits", "in a way they notice"};

template <std::size_t N>
std::string_view pick(const std::array<std::string_view, N>& words, Rng& rng) noexcept {
  return words[rng.uniform_index(N)];
}

}  // namespace

void append_sentence(std::string& out, Rng& rng) {
  out += pick(kSubjects, rng);
  out += ' ';
  out += pick(kVerbs, rng);
  out += ' ';
  out += pick(kAdjectives, rng);
  out += ' ';
  out += pick(kNouns, rng);
  out += ' ';
  out += pick(kConnectors, rng);
  out += ' ';
  out += pick(kAdjectives, rng);
  out += ' ';
  out += pick(kNouns, rng);
  if (rng.bernoulli(0.5)) {
    out += ", ";
    out += pick(kEndings, rng);
  }
  out += '.';
}

void append_prose(std::string& out, Rng& rng, int count) {
  for (int i = 0; i < count; ++i) {
    if (i > 0)
      out += ' ';
    append_sentence(out, rng);
  }
}

std::string_view filler_word(Rng& rng) noexcept {
  return rng.bernoulli(0.5) ? pick(kAdjectives, rng) : pick(kNouns, rng);
}

}  // namespace lusifer::mock
