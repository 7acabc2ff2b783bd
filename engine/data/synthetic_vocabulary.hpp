#pragma once

// The fixed vocabularies of the synthetic world: 18 movie genres (the
// MovieLens list), 56 keyword themes, the occupations of users, and the small
// demographic shifts of genre tastes.
//
// Each genre and keyword carries the words the item texts are built from.
// Keywords also name the genres they usually go with, so that a heist is more
// often a crime film than a musical. The tables are compiled in; the
// generator writes them to truth/world.json, which is what evaluation reads
// (a later generator version may change them).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lusifer {

// Indices into synthetic_genres(), in MovieLens's order.
enum SyntheticGenreId : int {
  kGenreAction,
  kGenreAdventure,
  kGenreAnimation,
  kGenreChildrens,
  kGenreComedy,
  kGenreCrime,
  kGenreDocumentary,
  kGenreDrama,
  kGenreFantasy,
  kGenreFilmNoir,
  kGenreHorror,
  kGenreMusical,
  kGenreMystery,
  kGenreRomance,
  kGenreSciFi,
  kGenreThriller,
  kGenreWar,
  kGenreWestern,
  kSyntheticGenreCount
};

struct SyntheticGenre {
  std::string_view name;       // as movies.csv spells it: "Sci-Fi"
  std::string_view noun;       // "science-fiction film", for overviews
  std::string_view adjective;  // "futuristic", for overviews
  double frequency;            // relative share among item genres
};

struct SyntheticKeyword {
  std::string_view tag;     // the tag users apply: "time travel"
  std::string_view phrase;  // a noun phrase for overviews: "a journey back through time"
  std::uint32_t genres;     // bit g: the keyword goes with genre g
};

struct SyntheticOccupation {
  std::string_view name;  // MovieLens 100K's occupation names
  double weight;          // relative share among working-age users
};

// A shift of one genre's taste for users matching a condition.
struct DemographicShift {
  enum class Field { kAge, kGender, kOccupation };
  Field field;
  int min_age = 0;  // kAge: min_age <= age <= max_age
  int max_age = 0;
  std::string_view value;  // kGender: "M"/"F"; kOccupation: the name
  int genre;
  double shift;
};

std::span<const SyntheticGenre> synthetic_genres() noexcept;
std::span<const SyntheticKeyword> synthetic_keywords() noexcept;
std::span<const SyntheticOccupation> synthetic_occupations() noexcept;
std::span<const DemographicShift> synthetic_demographic_shifts() noexcept;

bool shift_applies(const DemographicShift& shift, int age, std::string_view gender,
                   std::string_view occupation) noexcept;

// "age 18-24", "gender F", "occupation programmer": for world.json and docs.
std::string describe_condition(const DemographicShift& shift);

}  // namespace lusifer
