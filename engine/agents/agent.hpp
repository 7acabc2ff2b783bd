#pragma once

// The recommender agent of an RL episode, and what it observes and learns.
//
// Each step the coordinator asks the agent for the slates of all active
// users in one call (`act`), shows each user its slate, gathers the ratings,
// turns them into rewards and hands everything back (`learn`). Calls are
// batched so that the cost per call vanishes next to the cost per user, and
// the agent spreads a batch over threads itself (options.threads).
//
// Contract of every agent:
// - Slates: `act` fills, for each observation, k distinct valid item indices.
//   With options.avoid_seen (the default) it avoids the items the user has
//   seen: the training history the agent was built with, every item of every
//   slate passed to `learn` for that user, and the items of the observation's
//   recent interactions. Only when fewer than k such items are left does a
//   slate repeat seen items (still k distinct ones).
// - Determinism: a slate depends only on the seed, the data the agent was
//   built from, the sequence of `learn` calls before it and its observation;
//   never on the other observations of the batch, their order, or the number
//   of threads. Random choices for (user, step) come from the stream
//   derive_seed(derive_seed(seed, user), step). A `learn` call gives the same
//   state whatever the order of its feedback: a user's own feedback is
//   applied in step order (equal steps in batch order) and statistics shared
//   between users are summed in integers. A `learn` call is the unit of
//   update, though: splitting one step's feedback over several calls may
//   change what is learned.
// - Learning: items whose rating is absent (kNoRating: the user failed or
//   answered late) count as seen, since they were shown, but are not learned
//   from; LearnSummary counts them. Each agent's header says whether it
//   learns from ratings or from rewards.
// - Checkpoints: `save` writes the whole state; `load` into an agent built
//   from the same data and options continues exactly as the saved one would
//   have (agent_checkpoint.hpp describes the format).
// - Observation::profile_version and Observation::features are carried for
//   agents that condition on them; the four agents here do not.
//
// Errors: std::invalid_argument for a malformed call (k of 0 or above the
// catalogue size, a slate buffer of the wrong size, feedback spans of
// different lengths, a reward that is not finite or beyond kMaxAbsReward,
// a rating that is neither kNoRating nor within the dataset's scale),
// std::out_of_range for a user or item outside the dataset. A call that
// throws has changed nothing. `load` throws lusifer::InputError for a
// checkpoint that does not fit and then also leaves the agent unchanged.
//
// Thread-safety: `act` is const and may run concurrently with other `act`
// calls; `learn` and `load` must not run concurrently with anything.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <limits>
#include <ostream>
#include <span>
#include <string_view>

#include "engine/agents/agent_checkpoint.hpp"
#include "engine/agents/feedback_view.hpp"
#include "engine/agents/parallel_chunks.hpp"
#include "engine/agents/seen_items.hpp"
#include "engine/core/random.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer {

// The rating of an item the user did not rate (failure, timeout).
inline constexpr float kNoRating = std::numeric_limits<float>::quiet_NaN();
inline bool has_rating(float rating) noexcept {
  return !std::isnan(rating);
}
// Rewards beyond this magnitude are refused, so that sums of rewards kept
// in fixed point cannot overflow.
inline constexpr float kMaxAbsReward = 1e9f;

using SlateSize = std::uint32_t;

// One past interaction of a user: an item, its rating (or kNoRating) and
// the reward it earned.
struct ObservedInteraction {
  ItemIndex item = 0;
  float rating = kNoRating;
  float reward = 0.0f;
};

// What the agent knows about one user when it recommends.
struct Observation {
  UserIndex user = 0;
  std::uint32_t step = 0;                       // the episode step, 0 first
  std::span<const ObservedInteraction> recent;  // the user's latest interactions, oldest first
  std::uint32_t profile_version = 0;            // bumped whenever the user's profile changed
  std::span<const float> features;              // optional numeric user features
};

// What one user did with one slate (Feedback) and a learn call's feedback
// (FeedbackView: records or a step batch's columns) are in feedback_view.hpp.

struct LearnSummary {
  std::size_t feedback = 0;              // Feedback entries
  std::size_t items_learned = 0;         // slate items with a rating
  std::size_t items_without_rating = 0;  // slate items shown but not rated
};

struct AgentOptions {
  std::uint64_t seed = 0;
  // Threads for `act` and `learn`: 0 uses TBB's default (one per core),
  // 1 runs on the calling thread. Results do not depend on it.
  unsigned threads = 0;
  bool avoid_seen = true;
};

class Agent {
 public:
  virtual ~Agent() = default;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // A short, stable name: "random", "popularity", "epsilon-greedy-mf", "linucb".
  virtual std::string_view name() const noexcept = 0;

  const AgentOptions& options() const noexcept { return options_; }
  std::uint64_t seed() const noexcept { return options_.seed; }
  std::size_t user_count() const noexcept { return seen_.user_count(); }
  std::size_t item_count() const noexcept { return seen_.item_count(); }
  const RatingScale& scale() const noexcept { return scale_; }

  // Fills slates[i * k, (i + 1) * k) with the slate of observations[i];
  // `slates` must hold exactly observations.size() * k items.
  void act(std::span<const Observation> observations, SlateSize k,
           std::span<ItemIndex> slates) const;

  // Learns from one call's feedback, read in place: records or a step
  // batch's columns give the same state when their entries are the same.
  LearnSummary learn(FeedbackView feedback);
  LearnSummary learn(std::span<const Feedback> feedback) { return learn(FeedbackView(feedback)); }

  void save(std::ostream& out) const;
  // `source` names the checkpoint in error messages (a file name).
  void load(std::istream& in, std::string_view source = "agent checkpoint");

  // Whether `item` counts as seen by `user` (training history or shown).
  bool has_seen(UserIndex user, ItemIndex item) const;

  // Bytes of state this agent holds (seen sets, per-user models, shared
  // statistics), excluding the dataset it was built from.
  std::size_t memory_bytes() const noexcept { return seen_.memory_bytes() + state_bytes(); }

 protected:
  // Marks the training ratings `train` of `dataset` as seen; throws
  // std::out_of_range for an index that is not a rating of the dataset.
  Agent(const Dataset& dataset, std::span<const RatingIndex> train, AgentOptions options);

  // Fills the slates of `observations` (validated, on one thread):
  // slates[i * k, (i + 1) * k) for observations[i].
  virtual void act_batch(std::span<const Observation> observations, SlateSize k,
                         std::span<ItemIndex> slates) const = 0;

  // Applies one user's feedback to that user's own state. Runs concurrently
  // for different users; the seen set is updated after it returns.
  virtual void learn_user(const Feedback& feedback);
  // Applies a whole (validated) call to state shared between users, after
  // every learn_user of the call; runs on the calling thread.
  virtual void learn_shared(FeedbackView feedback);
  // A hint that `user`'s state is needed next: agents with large per-user
  // state start loading it into cache, which hides memory latency when
  // users' states are far apart. Changes nothing.
  virtual void prefetch_user(UserIndex user) const noexcept;

  virtual std::size_t state_bytes() const noexcept = 0;
  // Writes the agent's own options and state after the common part.
  virtual void save_state(CheckpointWriter& out) const = 0;
  // Reads what save_state wrote into temporaries and returns the function
  // that installs them; it runs only once the whole checkpoint has been
  // read and its checksum verified, so a bad checkpoint changes nothing.
  virtual std::function<void()> load_state(CheckpointReader& in) = 0;

  // The items `observation`'s user should not get: nothing, or (with
  // avoid_seen) the seen set plus the observation's recent items.
  void load_exclusions(const Observation& observation, ItemMask& excluded) const;
  // The random stream of (observation.user, observation.step).
  Rng user_step_rng(const Observation& observation) const noexcept {
    return Rng(derive_seed(derive_seed(options_.seed, observation.user), observation.step));
  }
  const SeenItems& seen() const noexcept { return seen_; }

 private:
  void validate(std::span<const Observation> observations, SlateSize k,
                std::span<ItemIndex> slates) const;
  LearnSummary validate(FeedbackView feedback) const;

  AgentOptions options_;
  RatingScale scale_;
  SeenItems seen_;
};

}  // namespace lusifer
