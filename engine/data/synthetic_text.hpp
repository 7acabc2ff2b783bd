#pragma once

// Titles and overviews of synthetic items, built from their attributes.
//
// Titles follow MovieLens's conventions: a leading article moves to the end
// ("Silent Harbor, The"), which puts commas in titles, and the year follows in
// parentheses (added by the caller). Some titles hold double quotes
// (Operation "Red Orbit"), apostrophes or accented letters, so the CSV quoting
// and UTF-8 paths of every reader are exercised. SyntheticTitleMaker never
// returns the same title twice: after a few clashing draws it numbers a
// sequel ("Silent Harbor II").
//
// Overviews are one or two sentences made from the item's genres (noun and
// adjective) and keywords (their phrases), so that a reader (or an LLM) can
// tell from the text what the item is about, as from a real overview.
//
// Deterministic: everything random comes from the Rng passed in. A title
// maker is not thread-safe; items are made in id order on one thread.

#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>

#include "engine/core/random.hpp"

namespace lusifer {

class SyntheticTitleMaker {
 public:
  // A title, without the year, that this maker has not returned before.
  std::string make(Rng& rng);

 private:
  std::unordered_set<std::string> used_;
};

// `genres` and `keywords` index synthetic_genres() and synthetic_keywords();
// the first genre is the main one. Needs at least one genre and one keyword.
std::string make_synthetic_overview(std::span<const std::uint8_t> genres,
                                    std::span<const std::uint8_t> keywords, Rng& rng);

}  // namespace lusifer
