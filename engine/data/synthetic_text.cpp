#include "engine/data/synthetic_text.hpp"

#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "engine/data/synthetic_vocabulary.hpp"

namespace lusifer {
namespace {

constexpr std::string_view kAdjectives[] = {
    "Silent",   "Broken", "Golden",   "Last",      "Hidden",    "Crimson",  "Midnight", "Burning",
    "Frozen",   "Lost",   "Secret",   "Distant",   "Wild",      "Hollow",   "Iron",     "Velvet",
    "Scarlet",  "Quiet",  "Restless", "Endless",   "Forgotten", "Electric", "Savage",   "Gentle",
    "Bitter",   "Sweet",  "Dark",     "Bright",    "Final",     "Long",     "Lonely",   "Perfect",
    "Strange",  "Fallen", "Rising",   "Shattered", "Wandering", "Sleeping", "Painted",  "Stolen",
    "Glass",    "Paper",  "Silver",   "Black",     "White",     "Blue",     "Red",      "Northern",
    "Southern", "Little", "Great",    "Sacred",    "Wicked",    "Brave",    "Tender",   "Cold",
    "Crooked",  "Hungry", "Reckless", "Invisible", "Borrowed",  "Faithful",
};

constexpr std::string_view kNouns[] = {
    "Harbor",     "River",    "Mountain", "Garden",     "City",    "Road",        "Shadow",
    "Heart",      "Storm",    "Dream",    "Kingdom",    "Island",  "Machine",     "Summer",
    "Winter",     "Night",    "Empire",   "Mirror",     "Promise", "Letter",      "Station",
    "Horizon",    "Frontier", "Ghost",    "Stranger",   "Hunter",  "Witness",     "Journey",
    "Voyage",     "Tower",    "Castle",   "Valley",     "Desert",  "Ocean",       "Forest",
    "Bridge",     "Signal",   "Echo",     "Fire",       "Rain",    "Moon",        "Sun",
    "Star",       "Planet",   "Orbit",    "Code",       "Game",    "Circle",      "Border",
    "Crown",      "Throne",   "Sword",    "Song",       "Waltz",   "Carnival",    "Circus",
    "Hotel",      "Diner",    "Café",     "Affair",     "Debt",    "Inheritance", "Legacy",
    "Confession", "Alibi",    "Verdict",  "Escape",     "Exile",   "Return",      "Reckoning",
    "Outpost",    "Colony",   "Paradise", "Lighthouse", "Orchard", "Carousel",    "Compass",
    "Lantern",    "Meridian", "Tide",
};

constexpr std::string_view kNames[] = {
    "Anna",   "Jack", "Rosa",  "Max",   "Eliza",  "Omar",   "Lena",  "Victor",
    "Nadia",  "Hugo", "Clara", "Felix", "Mira",   "Theo",   "Zoë",   "José",
    "Ingrid", "Kofi", "Sam",   "Ruth",  "Amélie", "Dmitri", "Priya", "Walter",
};

constexpr std::string_view kPlaces[] = {
    "Paris", "Brooklyn",  "Tangier", "Vienna", "Memphis", "Lisbon", "Montréal",  "Kyoto",
    "Reno",  "Marseille", "Havana",  "Oslo",   "Malmö",   "Cairo",  "Galveston", "Tucson",
};

// Adjectives for items with a single genre, which has no second genre to
// lend one. Deliberately silent about quality: real overviews do not grade.
constexpr std::string_view kPlainAdjectives[] = {
    "quiet", "sprawling", "intimate", "bold", "offbeat", "stylish", "low-key", "ambitious",
};

constexpr std::string_view kProtagonists[] = {
    "a retired detective",  "an estranged sister", "a young mechanic",    "a disgraced scientist",
    "a small-town teacher", "a runaway teenager",  "an ageing boxer",     "a widowed farmer",
    "a rookie reporter",    "a gifted musician",   "a reluctant soldier", "a ship's cook",
    "an exiled prince",     "a night-shift nurse", "a con artist",        "a lonely inventor",
    "a childhood friend",   "a single mother",     "a stubborn old man",  "a curious girl",
};

constexpr std::string_view kRoman[] = {"II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"};

template <std::size_t N>
std::string_view pick(const std::string_view (&words)[N], Rng& rng) {
  return words[rng.uniform_index(N)];
}

bool starts_with_vowel_sound(std::string_view word) {
  return !word.empty() &&
         std::string_view("aeiouAEIOU").find(word.front()) != std::string_view::npos;
}

std::string with_article(std::string_view word) {
  return fmt::format("{} {}", starts_with_vowel_sound(word) ? "an" : "a", word);
}

std::string capitalised(std::string text) {
  if (!text.empty() && text.front() >= 'a' && text.front() <= 'z')
    text.front() -= 'a' - 'A';
  return text;
}

// A title in reading order ("The Silent Harbor"), and the article that
// MovieLens would move to the end, if any.
struct DraftTitle {
  std::string body;
  std::string_view article;  // "The", "A" or empty
};

DraftTitle draft_title(Rng& rng) {
  const double u = rng.uniform01();
  if (u < 0.25)
    return {fmt::format("{} {}", pick(kAdjectives, rng), pick(kNouns, rng)), "The"};
  if (u < 0.40)
    return {fmt::format("{} {}", pick(kAdjectives, rng), pick(kNouns, rng)), ""};
  if (u < 0.50)
    return {fmt::format("{} of the {}", pick(kNouns, rng), pick(kNouns, rng)), ""};
  if (u < 0.58)
    return {fmt::format("{}'s {}", pick(kNames, rng), pick(kNouns, rng)), ""};
  if (u < 0.66)
    return {fmt::format("{} in {}", pick(kNouns, rng), pick(kPlaces, rng)), ""};
  if (u < 0.72) {
    return {
        fmt::format("{} {}: The {}", pick(kAdjectives, rng), pick(kNouns, rng), pick(kNouns, rng)),
        ""};
  }
  if (u < 0.78)
    return {fmt::format("{} and {}", pick(kNames, rng), pick(kNames, rng)), ""};
  if (u < 0.84) {
    return {fmt::format("{}, {} and {}", pick(kNouns, rng), pick(kNouns, rng), pick(kNouns, rng)),
            ""};
  }
  if (u < 0.88) {
    return {fmt::format("Operation \"{} {}\"", pick(kAdjectives, rng), pick(kNouns, rng)), ""};
  }
  if (u < 0.90) {
    return {fmt::format("\"{} {}\" and Other Stories", pick(kAdjectives, rng), pick(kNouns, rng)),
            ""};
  }
  if (u < 0.96)
    return {fmt::format("{} for {}", pick(kNouns, rng), pick(kNames, rng)), "A"};
  return {fmt::format("{} {}", pick(kAdjectives, rng), pick(kPlaces, rng)), ""};
}

// MovieLens moves a leading article to the end about half the time.
std::string finish_title(const DraftTitle& draft, bool move_article) {
  if (draft.article.empty())
    return draft.body;
  if (move_article)
    return fmt::format("{}, {}", draft.body, draft.article);
  return fmt::format("{} {}", draft.article, draft.body);
}

}  // namespace

std::string SyntheticTitleMaker::make(Rng& rng) {
  constexpr int kDraws = 8;
  DraftTitle draft;
  bool move_article = false;
  for (int attempt = 0; attempt < kDraws; ++attempt) {
    draft = draft_title(rng);
    move_article = rng.bernoulli(0.5);
    std::string title = finish_title(draft, move_article);
    if (used_.insert(title).second)
      return title;
  }
  // The last draft clashed every time: number a sequel of it.
  const std::string body = draft.body;
  for (std::size_t n = 2;; ++n) {
    draft.body = n - 2 < std::size(kRoman) ? fmt::format("{} {}", body, kRoman[n - 2])
                                           : fmt::format("{} Part {}", body, n);
    std::string title = finish_title(draft, move_article);
    if (used_.insert(title).second)
      return title;
  }
}

std::string make_synthetic_overview(std::span<const std::uint8_t> genres,
                                    std::span<const std::uint8_t> keywords, Rng& rng) {
  if (genres.empty() || keywords.empty()) {
    throw std::invalid_argument("an overview needs at least one genre and one keyword");
  }
  const auto all_genres = synthetic_genres();
  const auto all_keywords = synthetic_keywords();
  const std::string_view noun = all_genres[genres[0]].noun;
  const std::string_view adjective =
      genres.size() > 1 ? all_genres[genres[1]].adjective : pick(kPlainAdjectives, rng);
  const std::string_view who = pick(kProtagonists, rng);
  const std::string_view first = all_keywords[keywords[0]].phrase;

  std::string text;
  const bool hero_first = rng.bernoulli(0.4);
  if (hero_first) {
    text = fmt::format("In this {} {}, {} faces {}.", adjective, noun, who, first);
  } else if (rng.bernoulli(0.5)) {
    text = capitalised(fmt::format("{} {} about {}.", with_article(adjective), noun, first));
  } else {
    text =
        capitalised(fmt::format("{} {} that centres on {}.", with_article(adjective), noun, first));
  }
  if (keywords.size() < 2)
    return text;

  const std::string_view second = all_keywords[keywords[1]].phrase;
  const std::string_view third = keywords.size() > 2 ? all_keywords[keywords[2]].phrase : "";
  const double u = rng.uniform01();
  if (!third.empty() && u < 0.3) {
    text += fmt::format(" What begins as {} turns into {}.", second, third);
  } else if (!hero_first && u < 0.65) {
    text += ' ' + capitalised(fmt::format("{} is drawn into {}.", who, second));
  } else if (!third.empty()) {
    text += fmt::format(" The story also explores {} and {}.", second, third);
  } else {
    text += fmt::format(" It is also a story of {}.", second);
  }
  return text;
}

}  // namespace lusifer
