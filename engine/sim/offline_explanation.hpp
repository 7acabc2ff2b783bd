#pragma once

// Explanations of the offline simulated user's (not an LLM's) ratings, written
// from the parts that made the score (OfflineDrivers) and nothing else.
//
// A sentence starts from the user's usual rating (mu + b_u: for a user
// without ratings, that of viewers like them) and gives as reasons the parts
// of at least 0.05 on the rating scale: the item's general reception, the
// taste match of the SVD term, the genre affinity of the item's most telling
// genre, the item's themes matched against themes the user liked or rated
// low, the most similar film the user rated (for items with few ratings),
// and recent shifts of taste. The side that pulls harder leads (at most three
// reasons), and the strongest reason of the other side follows as what
// raised or lowered the rating; the item's reception closes the sentence when
// it was too small to be a reason:
//   "Rated 4/5 against your usual 3.6: you rate Crime films about 0.6 above
//    your usual, and its themes (prison, friendship) match films you liked;
//    slightly lowered because viewers with tastes like yours rated it lower
//    than expected (-0.12). Other viewers rate it about average (+0.03 over
//    41 ratings)."
// Numbers, genres, themes and titles come from the drivers, so two items get
// the same sentence only when their drivers read the same.
//
// Pure functions; safe from any thread.

#include <string>

#include "engine/data/dataset.hpp"
#include "engine/sim/offline_content.hpp"
#include "engine/sim/offline_user_model.hpp"

namespace lusifer {

struct OfflineExplanationContext {
  const Catalog& catalog;
  const OfflineContent& content;
  const RatingScale& scale;
};

// Appends the explanation of `score` (a score of `item`) to `out`.
void append_offline_explanation(std::string& out, const OfflineExplanationContext& context,
                                ItemIndex item, const OfflineScore& score);

// "4" on an integer scale, "3.5" on a half-star one.
std::string format_scale_value(double value);
void append_scale_value(std::string& out, double value);

}  // namespace lusifer
