#include "engine/data/synthetic_vocabulary.hpp"

#include <initializer_list>

#include <fmt/format.h>

namespace lusifer {
namespace {

constexpr std::uint32_t genres_mask(std::initializer_list<int> ids) {
  std::uint32_t mask = 0;
  for (const int id : ids)
    mask |= std::uint32_t{1} << id;
  return mask;
}

// Frequencies follow the rough shares of MovieLens genres: drama and comedy
// common, film noir and westerns rare.
constexpr SyntheticGenre kGenres[] = {
    {"Action", "action film", "action-packed", 0.10},
    {"Adventure", "adventure", "sweeping", 0.07},
    {"Animation", "animated feature", "animated", 0.025},
    {"Children's", "family film", "family-friendly", 0.04},
    {"Comedy", "comedy", "comic", 0.20},
    {"Crime", "crime story", "gritty", 0.07},
    {"Documentary", "documentary", "documentary-style", 0.02},
    {"Drama", "drama", "dramatic", 0.25},
    {"Fantasy", "fantasy", "fantastical", 0.03},
    {"Film-Noir", "film noir", "shadowy", 0.01},
    {"Horror", "horror film", "chilling", 0.05},
    {"Musical", "musical", "tuneful", 0.02},
    {"Mystery", "mystery", "puzzling", 0.03},
    {"Romance", "romance", "romantic", 0.09},
    {"Sci-Fi", "science-fiction film", "futuristic", 0.05},
    {"Thriller", "thriller", "suspenseful", 0.10},
    {"War", "war film", "wartime", 0.025},
    {"Western", "western", "frontier", 0.015},
};
static_assert(std::size(kGenres) == kSyntheticGenreCount);

// One tag holds a comma, so tags.csv exercises CSV quoting.
constexpr SyntheticKeyword kKeywords[] = {
    {"heist", "a daring heist that goes wrong",
     genres_mask({kGenreCrime, kGenreThriller, kGenreAction})},
    {"time travel", "a journey back through time",
     genres_mask({kGenreSciFi, kGenreAdventure, kGenreFantasy})},
    {"coming of age", "the pains of growing up in a small town",
     genres_mask({kGenreDrama, kGenreComedy})},
    {"dystopia", "life under a dystopian regime", genres_mask({kGenreSciFi, kGenreDrama})},
    {"revenge", "a long-awaited revenge",
     genres_mask({kGenreAction, kGenreThriller, kGenreWestern, kGenreCrime})},
    {"road trip", "a road trip across the country",
     genres_mask({kGenreComedy, kGenreAdventure, kGenreDrama})},
    {"serial killer", "the hunt for a serial killer",
     genres_mask({kGenreThriller, kGenreCrime, kGenreHorror, kGenreMystery})},
    {"haunted house", "a house haunted by its past", genres_mask({kGenreHorror, kGenreMystery})},
    {"artificial intelligence", "a machine that learns to feel",
     genres_mask({kGenreSciFi, kGenreDrama})},
    {"space exploration", "a mission to the edge of the solar system",
     genres_mask({kGenreSciFi, kGenreAdventure})},
    {"alien invasion", "an invasion from another world",
     genres_mask({kGenreSciFi, kGenreAction, kGenreHorror})},
    {"friendship", "an unlikely friendship",
     genres_mask({kGenreDrama, kGenreComedy, kGenreChildrens})},
    {"forbidden love", "a forbidden love affair", genres_mask({kGenreRomance, kGenreDrama})},
    {"love triangle", "a tangled love triangle",
     genres_mask({kGenreRomance, kGenreComedy, kGenreDrama})},
    {"wedding", "a wedding where everything goes wrong",
     genres_mask({kGenreComedy, kGenreRomance})},
    {"family secrets", "a family secret kept for decades",
     genres_mask({kGenreDrama, kGenreMystery})},
    {"blood, sweat and tears", "years of blood, sweat and tears",
     genres_mask({kGenreDrama, kGenreWar})},
    {"conspiracy", "a conspiracy that reaches the highest offices",
     genres_mask({kGenreThriller, kGenreMystery})},
    {"espionage", "a spy caught between two governments",
     genres_mask({kGenreThriller, kGenreAction, kGenreWar})},
    {"courtroom", "a trial that divides a city", genres_mask({kGenreDrama, kGenreCrime})},
    {"prison escape", "an escape from a maximum-security prison",
     genres_mask({kGenreCrime, kGenreAction, kGenreDrama})},
    {"post-apocalyptic", "survival after the end of civilisation",
     genres_mask({kGenreSciFi, kGenreAction, kGenreHorror})},
    {"zombies", "a town overrun by the living dead", genres_mask({kGenreHorror, kGenreComedy})},
    {"vampires", "an ancient vampire with an appetite for company",
     genres_mask({kGenreHorror, kGenreFantasy, kGenreRomance})},
    {"magic", "a magic that comes at a price",
     genres_mask({kGenreFantasy, kGenreChildrens, kGenreAdventure})},
    {"dragons", "the last of the dragons",
     genres_mask({kGenreFantasy, kGenreAdventure, kGenreAnimation})},
    {"talking animals", "a band of talking animals",
     genres_mask({kGenreAnimation, kGenreChildrens, kGenreComedy})},
    {"fairy tale", "a fairy tale retold",
     genres_mask({kGenreChildrens, kGenreFantasy, kGenreAnimation, kGenreMusical})},
    {"musicians", "a band chasing its big break",
     genres_mask({kGenreMusical, kGenreDrama, kGenreComedy})},
    {"dance", "a dance competition with everything at stake",
     genres_mask({kGenreMusical, kGenreRomance})},
    {"world war ii", "the last months of the Second World War",
     genres_mask({kGenreWar, kGenreDrama})},
    {"jungle warfare", "a platoon lost in the jungle", genres_mask({kGenreWar, kGenreAction})},
    {"cold war", "the tense years of the Cold War",
     genres_mask({kGenreThriller, kGenreWar, kGenreDrama})},
    {"gunslinger", "a lone gunslinger", genres_mask({kGenreWestern, kGenreAction})},
    {"frontier life", "a homestead on the frontier", genres_mask({kGenreWestern, kGenreDrama})},
    {"gangsters", "a gangster's rise and fall", genres_mask({kGenreCrime, kGenreDrama})},
    {"detective", "a detective who cannot let go of a case",
     genres_mask({kGenreMystery, kGenreCrime, kGenreFilmNoir})},
    {"femme fatale", "a femme fatale with a plan of her own",
     genres_mask({kGenreFilmNoir, kGenreThriller, kGenreCrime})},
    {"corruption", "a city rotten with corruption",
     genres_mask({kGenreCrime, kGenreFilmNoir, kGenreDrama})},
    {"amnesia", "a man who wakes with no memory", genres_mask({kGenreMystery, kGenreThriller})},
    {"twist ending", "a twist that changes everything",
     genres_mask({kGenreThriller, kGenreMystery, kGenreHorror})},
    {"survival", "a fight for survival in the wilderness",
     genres_mask({kGenreAdventure, kGenreAction, kGenreDrama})},
    {"treasure hunt", "the hunt for a lost treasure",
     genres_mask({kGenreAdventure, kGenreAction, kGenreChildrens})},
    {"martial arts", "a martial-arts master's last fight", genres_mask({kGenreAction})},
    {"car chase", "a chase through the city streets", genres_mask({kGenreAction, kGenreCrime})},
    {"natural disaster", "a storm that no one saw coming",
     genres_mask({kGenreAction, kGenreDrama})},
    {"political intrigue", "a struggle for political power",
     genres_mask({kGenreDrama, kGenreThriller})},
    {"true story", "the true story of a remarkable life",
     genres_mask({kGenreDocumentary, kGenreDrama})},
    {"nature", "the wild places of the earth", genres_mask({kGenreDocumentary, kGenreAdventure})},
    {"mental illness", "a mind coming apart", genres_mask({kGenreDrama, kGenreThriller})},
    {"satire", "a sharp satire of modern celebrity", genres_mask({kGenreComedy})},
    {"slapstick", "a string of slapstick disasters", genres_mask({kGenreComedy, kGenreChildrens})},
    {"mistaken identity", "a case of mistaken identity",
     genres_mask({kGenreComedy, kGenreRomance, kGenreThriller})},
    {"high school", "the last year of high school",
     genres_mask({kGenreComedy, kGenreDrama, kGenreRomance})},
    {"underdog sports", "an underdog team's championship season",
     genres_mask({kGenreDrama, kGenreComedy})},
    {"monster", "a monster from the deep",
     genres_mask({kGenreHorror, kGenreSciFi, kGenreAdventure})},
};

// MovieLens 100K's occupations; students and retirees are added by age.
constexpr SyntheticOccupation kOccupations[] = {
    {"administrator", 0.08}, {"artist", 0.03},        {"doctor", 0.01},     {"educator", 0.10},
    {"engineer", 0.07},      {"entertainment", 0.02}, {"executive", 0.03},  {"healthcare", 0.02},
    {"homemaker", 0.01},     {"lawyer", 0.01},        {"librarian", 0.05},  {"marketing", 0.03},
    {"none", 0.01},          {"other", 0.11},         {"programmer", 0.07}, {"retired", 0.01},
    {"salesman", 0.01},      {"scientist", 0.03},     {"student", 0.10},    {"technician", 0.03},
    {"writer", 0.05},
};

using Field = DemographicShift::Field;

// Small shifts, loosely after the genre preferences by age and gender seen in
// MovieLens; each is well below the 0.6 spread of individual tastes, so
// demographics hint at a taste without deciding it.
constexpr DemographicShift kShifts[] = {
    {Field::kAge, 0, 17, "", kGenreChildrens, 0.40},
    {Field::kAge, 0, 17, "", kGenreAnimation, 0.35},
    {Field::kAge, 0, 17, "", kGenreComedy, 0.20},
    {Field::kAge, 0, 17, "", kGenreFilmNoir, -0.30},
    {Field::kAge, 0, 17, "", kGenreDocumentary, -0.20},
    {Field::kAge, 18, 24, "", kGenreHorror, 0.20},
    {Field::kAge, 18, 24, "", kGenreSciFi, 0.15},
    {Field::kAge, 18, 24, "", kGenreAction, 0.15},
    {Field::kAge, 18, 24, "", kGenreWestern, -0.15},
    {Field::kAge, 45, 200, "", kGenreDrama, 0.20},
    {Field::kAge, 45, 200, "", kGenreWar, 0.20},
    {Field::kAge, 45, 200, "", kGenreWestern, 0.20},
    {Field::kAge, 45, 200, "", kGenreFilmNoir, 0.25},
    {Field::kAge, 45, 200, "", kGenreHorror, -0.25},
    {Field::kAge, 45, 200, "", kGenreAnimation, -0.15},
    {Field::kGender, 0, 0, "F", kGenreRomance, 0.20},
    {Field::kGender, 0, 0, "F", kGenreMusical, 0.15},
    {Field::kGender, 0, 0, "F", kGenreWar, -0.15},
    {Field::kGender, 0, 0, "M", kGenreAction, 0.10},
    {Field::kGender, 0, 0, "M", kGenreSciFi, 0.10},
    {Field::kGender, 0, 0, "M", kGenreRomance, -0.10},
    {Field::kOccupation, 0, 0, "programmer", kGenreSciFi, 0.15},
    {Field::kOccupation, 0, 0, "engineer", kGenreSciFi, 0.15},
    {Field::kOccupation, 0, 0, "scientist", kGenreDocumentary, 0.15},
    {Field::kOccupation, 0, 0, "artist", kGenreDrama, 0.10},
    {Field::kOccupation, 0, 0, "writer", kGenreFilmNoir, 0.15},
    {Field::kOccupation, 0, 0, "educator", kGenreDocumentary, 0.15},
    {Field::kOccupation, 0, 0, "librarian", kGenreMystery, 0.15},
};

}  // namespace

std::span<const SyntheticGenre> synthetic_genres() noexcept {
  return kGenres;
}
std::span<const SyntheticKeyword> synthetic_keywords() noexcept {
  return kKeywords;
}
std::span<const SyntheticOccupation> synthetic_occupations() noexcept {
  return kOccupations;
}
std::span<const DemographicShift> synthetic_demographic_shifts() noexcept {
  return kShifts;
}

bool shift_applies(const DemographicShift& shift, int age, std::string_view gender,
                   std::string_view occupation) noexcept {
  switch (shift.field) {
    case Field::kAge:
      return shift.min_age <= age && age <= shift.max_age;
    case Field::kGender:
      return gender == shift.value;
    case Field::kOccupation:
      return occupation == shift.value;
  }
  return false;
}

std::string describe_condition(const DemographicShift& shift) {
  switch (shift.field) {
    case Field::kAge:
      if (shift.min_age == 0)
        return fmt::format("age <= {}", shift.max_age);
      if (shift.max_age >= 150)
        return fmt::format("age >= {}", shift.min_age);
      return fmt::format("age {}-{}", shift.min_age, shift.max_age);
    case Field::kGender:
      return fmt::format("gender {}", shift.value);
    case Field::kOccupation:
      return fmt::format("occupation {}", shift.value);
  }
  return "unknown";
}

}  // namespace lusifer
