#pragma once

// A small dataset with clear tastes for the offline model's tests: two groups
// of users with opposite tastes and distinct demographics, three kinds of
// films with their own genres, eras and synopsis themes, and items and users
// without any rating.
//
// - 24 "crime" users (34-year-old male engineers) rate crime dramas 5 or 4,
//   comedies 3 and horror films 1 or 2; 24 "horror" users (19-year-old female
//   students) the other way round. Each rates 8 films of each kind, chosen
//   and noised by a seeded Rng, so the data is the same on every run.
// - 10 crime dramas (Crime|Drama, 1990s, prison, heist, detective), 10
//   horror films (Horror, 1970s-80s, ghost, haunted, curse), 10 comedies
//   (Comedy|Romance, 2000s, wedding, family, road trip).
// - Cold items, rated by nobody: an exact copy of crime drama 0 (same genres,
//   year, text and title words) and of horror film 0.
// - Cold users, with no rating: one with the crime group's demographics, one
//   with the horror group's, one without demographics.
// Timestamps follow the order the ratings were added, one second apart.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer::testing {

struct TasteWorld {
  Dataset dataset;
  std::vector<UserIndex> crime_users, horror_users;
  std::vector<ItemIndex> crime_items, horror_items, comedy_items;
  ItemIndex crime_clone = 0;   // cold copy of crime_items[0]
  ItemIndex horror_clone = 0;  // cold copy of horror_items[0]
  UserIndex cold_crime_user = 0, cold_horror_user = 0, cold_anonymous_user = 0;
  std::vector<RatingIndex> all;
};

inline TasteWorld make_taste_world(RatingScale scale = RatingScale{1.0f, 5.0f, 1.0f},
                                   std::uint64_t seed = 11) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "taste-world", scale);
  Catalog& catalog = builder.catalog();
  const GenreMask action = GenreMask{1} << catalog.add_genre("Action");
  const GenreMask comedy = GenreMask{1} << catalog.add_genre("Comedy");
  const GenreMask crime = GenreMask{1} << catalog.add_genre("Crime");
  const GenreMask drama = GenreMask{1} << catalog.add_genre("Drama");
  const GenreMask horror = GenreMask{1} << catalog.add_genre("Horror");
  const GenreMask romance = GenreMask{1} << catalog.add_genre("Romance");
  (void)action;

  // Item ids: crime 101.., horror 201.., comedy 301.., clones 901, 902.
  // Dense indices follow ascending ids.
  const auto add = [&](ExternalId id, std::string title, int year, GenreMask genres,
                       std::string text) {
    Item item;
    item.id = id;
    item.title = std::move(title);
    item.year = year;
    item.genres = genres;
    item.text = std::move(text);
    builder.add_item(std::move(item));
  };
  const char* crime_words[] = {"warden", "tunnel", "vault",    "informant", "precinct",
                               "parole", "casino", "smuggler", "jury",      "docks"};
  const char* horror_words[] = {"cellar", "attic",   "seance", "demon", "graveyard",
                                "mirror", "lantern", "ritual", "crypt", "whisper"};
  const char* comedy_words[] = {"bride",  "cousin",  "karaoke",  "reunion", "minivan",
                                "bakery", "holiday", "neighbor", "puppy",   "camping"};
  const auto crime_text = [&](int k) {
    return std::string("A detective plans a prison heist with an old cellmate; the ") +
           crime_words[k] + " holds the key to the heist and the prison guards close in.";
  };
  const auto horror_text = [&](int k) {
    return std::string("A ghost haunts a family in a haunted house under an ancient curse; the ") +
           horror_words[k] + " wakes the ghost and the curse.";
  };
  const auto comedy_text = [&](int k) {
    return std::string("A chaotic wedding sends a family on a road trip; the ") + comedy_words[k] +
           " turns the wedding and the road trip upside down.";
  };
  for (int k = 0; k < 10; ++k)
    add(101 + k, "Heist Story " + std::to_string(k) + " (199" + std::to_string(k) + ")", 1990 + k,
        crime | drama, crime_text(k));
  for (int k = 0; k < 10; ++k)
    add(201 + k, "Night Terror " + std::to_string(k) + " (197" + std::to_string(k) + ")", 1975 + k,
        horror, horror_text(k));
  for (int k = 0; k < 10; ++k)
    add(301 + k, "Wedding Trip " + std::to_string(k) + " (200" + std::to_string(k) + ")", 2000 + k,
        comedy | romance, comedy_text(k));
  // Copies down to the title: nothing tells them from their originals.
  add(901, "Heist Story 0 (1990)", 1990, crime | drama, crime_text(0));
  add(902, "Night Terror 0 (1975)", 1975, horror, horror_text(0));

  TasteWorld world;
  for (int u = 0; u < 48; ++u) {
    Demographics d;
    const bool crime_fan = u < 24;
    d.age = crime_fan ? 34 : 19;
    d.gender = crime_fan ? "M" : "F";
    d.occupation = crime_fan ? "engineer" : "student";
    builder.add_user(1 + u, d);
  }
  builder.add_user(101, Demographics{34, "", "M", "engineer", ""});
  builder.add_user(102, Demographics{19, "", "F", "student", ""});
  builder.add_user(103);

  Rng rng(seed);
  std::int64_t time = 1'000'000;
  const auto level = [&](double value) {
    const double clamped = std::min<double>(scale.max, std::max<double>(scale.min, value));
    return scale.level_value(static_cast<int>(std::lround((clamped - scale.min) / scale.step)));
  };
  for (UserIndex u = 0; u < 48; ++u) {
    const bool crime_fan = u < 24;
    // Item indices: crime 0..9, horror 10..19, comedy 20..29, clones 30, 31.
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<ItemIndex> pool(10);
      std::iota(pool.begin(), pool.end(), static_cast<ItemIndex>(kind * 10));
      rng.shuffle(std::span<ItemIndex>(pool));
      for (int k = 0; k < 8; ++k) {
        const double liked = crime_fan ? (kind == 0   ? 4.6
                                          : kind == 1 ? 1.4
                                                      : 3.0)
                                       : (kind == 1   ? 4.6
                                          : kind == 0 ? 1.4
                                                      : 3.0);
        const double noisy = liked + (rng.uniform01() - 0.5) * 0.9;
        builder.add_rating(u, pool[static_cast<std::size_t>(k)], static_cast<float>(level(noisy)),
                           ++time);
      }
    }
  }
  world.dataset = builder.finish();
  const Dataset& d = world.dataset;
  for (UserIndex u = 0; u < 48; ++u)
    (u < 24 ? world.crime_users : world.horror_users).push_back(u);
  for (ItemIndex i = 0; i < 10; ++i) {
    world.crime_items.push_back(i);
    world.horror_items.push_back(10 + i);
    world.comedy_items.push_back(20 + i);
  }
  world.crime_clone = *d.catalog().find(901);
  world.horror_clone = *d.catalog().find(902);
  world.cold_crime_user = *d.find_user(101);
  world.cold_horror_user = *d.find_user(102);
  world.cold_anonymous_user = *d.find_user(103);
  world.all.resize(d.ratings().size());
  std::iota(world.all.begin(), world.all.end(), RatingIndex{0});
  return world;
}

}  // namespace lusifer::testing
