#pragma once

// Profile texts of the offline simulated user (not an LLM): a readable
// paragraph that is also the whole of its state, so that the profile can
// travel where an LLM's profile travels (a task, an HTTP request, a run
// store) and be read back exactly.
//
// The paragraph names the user's demographic context, how many films it
// rests on and their average, then the strongest liked and disliked genres,
// themes and eras with their values and counts, and the recent shifts of
// taste learned from feedback:
//   "Offline profile (offline-cf, not an LLM) of a 24-year-old male engineer,
//    from 40 rated films averaging 3.62/5. Genres rated above their average:
//    Drama (+0.62, 12 films), Crime (+0.41, 5 films). Genres rated below it:
//    Horror (-0.90, 3 films). Themes they enjoy: prison (+1.10, 3 films). ...
//    Recent shifts from feedback: Comedy +0.30."
// A profile without films says what is expected of the user instead (from
// their rating history, or from viewers of the same demographics).
//
// `parse_offline_profile` reads the taste and drift back: parse(render(s))
// equals s. Names are only printed when they cannot be confused with the
// punctuation of the paragraph (no "().,:;"), which the offline model
// ensures by never tracking other names. Text that is not an offline profile
// (an LLM's) gives nullopt; unknown names in an edited profile are skipped.
//
// Pure functions; safe from any thread.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/llm_task.hpp"
#include "engine/sim/offline_content.hpp"
#include "engine/sim/offline_demographics.hpp"
#include "engine/sim/offline_taste.hpp"
#include "engine/sim/offline_user_state.hpp"

namespace lusifer {

// The opening words of every offline profile.
inline constexpr std::string_view kOfflineProfileMarker =
    "Offline profile (offline-cf, not an LLM)";

struct OfflineProfileContext {
  const Catalog& catalog;
  const OfflineContent& content;
  const RatingScale& scale;
  // The user's demographics; nullopt when unknown.
  std::optional<Demographics> demographics;
  // What the model expects of the user before any batch: their fitted genre
  // affinities, or the demographic prior's for a user without ratings.
  std::span<const float> expected_affinities;
  bool user_known = false;
  DemographicMatch match = DemographicMatch::kEveryone;
};

// True when a genre or term name can be printed in (and read back from) a
// profile.
bool printable_in_profile(std::string_view name) noexcept;

std::string render_offline_profile(const OfflineProfileContext& context,
                                   const OfflineUserState& state);

struct OfflineProfileState {
  OfflineTaste taste;
  std::vector<OfflineDrift> drift;
};

std::optional<OfflineProfileState> parse_offline_profile(const OfflineProfileContext& context,
                                                         std::string_view text);

struct OfflineChangeInput {
  const OfflineTaste& before;
  const OfflineTaste& after;
  const std::optional<OfflineTasteChange>& change;
  const std::vector<OfflineDrift>& drift_before;
  const std::vector<OfflineDrift>& drift_after;
  std::span<const Interaction> batch;
};

// One sentence on what a batch changed and why.
std::string describe_offline_change(const OfflineProfileContext& context,
                                    const OfflineChangeInput& input);

}  // namespace lusifer
