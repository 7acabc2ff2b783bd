#pragma once

// The offline simulated user's (not an LLM's) summary of a user's taste, as
// its profiles describe it: which genres, themes and eras the user rated
// above or below their own average, and how many films that rests on.
//
// A taste is built batch by batch, the way an LLM revises a profile: each
// batch of rated items moves the running average and every leaning the batch
// has evidence for. Old evidence counts for at most `evidence_cap` films, so
// a long history does not drown a new batch and the order of the batches
// matters. After each batch only the strongest leanings are kept (three
// liked and three disliked genres and themes, two eras of each kind), ranked
// by their value shrunk toward 0 by count / (count + 2); themes need two
// films. The summary is lossy on purpose: it is what the profile text says,
// and the profile text is the whole state an LLM would have.
//
// Values are kept at the precision the profile prints (0.01), so a taste
// read back from its profile text is identical to the one that wrote it.
// Pure functions of their inputs; deterministic.

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

enum class LeaningKind : std::uint8_t { kGenre, kTheme, kEra };

struct OfflineLeaning {
  // A genre's bit, a term id of the content model, or a decade (1990).
  std::uint32_t key = 0;
  // Mean rating of the films with this feature minus the user's average.
  float value = 0;
  std::uint32_t count = 0;  // films behind the value

  bool operator==(const OfflineLeaning&) const = default;
};

struct OfflineTaste {
  std::uint32_t rated = 0;  // films seen in all batches
  float mean = 0;           // their (recency-weighted) average rating
  // Liked first (strongest first), then disliked (strongest first).
  std::vector<OfflineLeaning> genres;
  std::vector<OfflineLeaning> themes;
  std::vector<OfflineLeaning> eras;

  std::vector<OfflineLeaning>& of(LeaningKind kind) noexcept;
  const std::vector<OfflineLeaning>& of(LeaningKind kind) const noexcept;
  bool operator==(const OfflineTaste&) const = default;
};

// One rated item of a batch, with the features a taste tracks.
struct TasteEvidence {
  float rating = 0;
  GenreMask genres = 0;
  std::optional<int> decade;
  std::span<const std::uint32_t> themes;  // the item's keywords
};

// The leaning whose evidence moved most in a merge, for the profile's change
// sentence. The move is measured before the profile keeps only the strongest
// leanings, so a leaning crowded out of the profile is not mistaken for a
// change of taste.
struct OfflineTasteChange {
  LeaningKind kind = LeaningKind::kGenre;
  std::uint32_t key = 0;
  std::optional<float> before;    // nullopt: it was not in the profile
  float after = 0;                // its value after the batch
  bool kept = true;               // whether the profile still names it
  float moved = 0;                // |change| of its shrunk value
  std::uint32_t batch_count = 0;  // films of the batch with this feature
  float batch_mean = 0;           // their mean rating
};

struct OfflineTasteOptions {
  std::uint32_t evidence_cap = 20;
};

// The value a leaning is ranked by: value * count / (count + 2).
double shrunk_leaning(const OfflineLeaning& leaning) noexcept;

namespace detail {

// Rounds half away from zero, as std::round, without a library call: for
// |x| < 2^52 the integer part fits an int64 and x minus it is exact, and
// larger doubles (and infinities and NaN) are whole already.
inline double round_half_away(double x) noexcept {
  if (!(std::fabs(x) < 4503599627370496.0))
    return x;
  const auto whole = static_cast<double>(static_cast<std::int64_t>(x));
  const double fraction = x - whole;
  const double rounded = fraction >= 0.5 ? whole + 1.0 : fraction <= -0.5 ? whole - 1.0 : whole;
  return std::copysign(rounded, x);
}

}  // namespace detail

// Rounds to the 0.01 the profile prints. Inline: the drift update calls it
// for every genre of every fold.
inline float quantize_hundredths(double value) noexcept {
  const double rounded = detail::round_half_away(value * 100.0) / 100.0;
  // -0.00 would print with a sign; keep zero positive.
  return rounded == 0 ? 0.0f : static_cast<float>(rounded);
}

// Folds `batch` into `taste`. Returns the largest change of a shrunk leaning
// (more than 0.05, leanings below their kind's minimum count counting as 0),
// or nullopt when nothing moved that much or the batch is empty.
std::optional<OfflineTasteChange> merge_taste(OfflineTaste& taste,
                                              std::span<const TasteEvidence> batch,
                                              const OfflineTasteOptions& options = {});
// The same fold of `batch` into `taste` (bit for bit), without finding the
// change: for callers that would discard it.
void fold_taste(OfflineTaste& taste, std::span<const TasteEvidence> batch,
                const OfflineTasteOptions& options = {});

}  // namespace lusifer
