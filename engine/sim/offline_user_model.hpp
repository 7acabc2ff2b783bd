#pragma once

// The offline simulated user: a deterministic stand-in for the LLM that needs
// no LLM at all. It is NOT an LLM, and says so wherever it reports itself
// (kOfflineModelName, log lines, profile texts). It answers the same tasks an
// LLM answers (see offline_backend.hpp): profiles from batches of rated
// items, and ratings with explanations.
//
// Training (the constructor), on a dataset and a train split:
// - ALS baselines mu + b_u + b_i (engine/model/baseline.hpp) and a biased SVD
//   (engine/model/svd.hpp), whose interaction term q_i . p_u is used;
// - per user, genre affinities a_u[g] = sum of (r - b_ui) over their rated
//   items of genre g / (count + genre_shrinkage), and theme affinities, the
//   same over the item keywords of the content model (offline_content.hpp),
//   kept for themes of at least theme_min_support rated items (the 64
//   strongest per user);
// - a content model of the items, and a demographic prior for users without
//   ratings (offline_demographics.hpp: the average offset and genre
//   affinities of users of the same age group, gender and occupation).
// - stacking weights for the three personal terms, learned by ridge least
//   squares (toward the defaults) on a validation hold-out of the training
//   ratings (validation_fraction of the ratings of users with 5 or more),
//   with every component refitted on the hold-out's complement first; then
//   everything is refitted on all training ratings. Too small a hold-out
//   keeps the default weights. On MovieLens 100K u1 the learned weights
//   (taste match, genre, theme) are 0.39, 0.89, 0.52 with each user's last
//   40 ratings and 0.45, 0.99, 0.43 with all of u1.base. (Measured against
//   the alternatives the task allowed: on the last-40 protocol BaselineOnly
//   alone gives RMSE 0.981, SVD 0.995, KNNBaseline 0.981, this blend 0.977.)
//
// A rating of item i by user u is the raw score
//   warm = mu + b_u + b_i + w_cf q_i.p_u + w_genre G_ui + w_theme T_ui
//   cold = mu + b_u + C_ui
//   raw  = (1 - a) warm + a cold + drift
// where G_ui is the mean of a_u over the item's genres, T_ui the sum of the
// matching theme affinities over sqrt(matches), and C_ui the content
// neighbourhood term: over the user's `neighbours` most content-similar
// rated items j (among their max_neighbour_scan most recent), the
// s^2-weighted mean of their deviations r_uj - (mu + b_u), shrunk by
// neighbour_shrinkage (so with no similar item it is 0: the user's baseline).
// a is the weight of content for an item with n training ratings:
// beta / (n + beta), tapered to reach 0 at support_cutoff, so a cold item
// (n = 0) is rated from content alone and a well-known item from CF alone.
// A user without training ratings has b_u and a_u from the demographic prior
// and no theme, SVD or neighbourhood terms. The drift comes from the caller's
// OfflineUserState (offline_user_state.hpp). The rating is the nearest level
// of the dataset's scale to the raw score clipped into the scale; the raw
// score is kept for metrics.
//
// Every part of the score is kept (OfflineDrivers) with what it rests on, and
// explanations are written from those parts only (offline_explanation.hpp).
//
// Cost (ML-100K, all of u1.base, 10 random items per call): about 850
// instructions per rating of an item with support_cutoff ratings or more
// (the SVD dot product over float copies of the factors, a few lookups), and
// about 4,000 for an item below it (the neighbourhood scan over an indexed
// set of the user's recent items, OfflineContentSet); 2,800 on average over
// random items. An explanation adds about 2,000 (optional per call). Catalogs
// of up to 4,096 items read the scan's similarities from one shared table
// instead (OfflineSimilarityTable), which is cheaper and spares every user
// its ~4 KB set.
//
// Determinism: the same dataset, split, options (seed included) and state
// give bit-identical outputs. Thread-safety: immutable after construction;
// every const member may be called from any number of threads at once. The
// dataset must outlive the model (it is referenced, not copied).
// Errors: the constructor throws std::invalid_argument for an empty train
// split or bad options, std::out_of_range for a rating index outside the
// dataset; scoring throws std::out_of_range for an item outside the catalog.
// A user index outside the dataset is a user without ratings or
// demographics.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/half_precision.hpp"
#include "engine/data/dataset.hpp"
#include "engine/model/baseline.hpp"
#include "engine/model/svd.hpp"
#include "engine/sim/offline_content.hpp"
#include "engine/sim/offline_demographics.hpp"
#include "engine/sim/offline_taste.hpp"
#include "engine/sim/offline_user_state.hpp"

namespace lusifer {

struct OfflineProfileContext;

// The name the offline model reports as its `model`, everywhere.
inline constexpr std::string_view kOfflineModelName = "offline-cf (not an LLM)";

struct OfflineModelOptions {
  SvdOptions svd;  // Surprise's defaults; svd.seed seeds its initial factors
  BaselineOptions baseline;
  OfflineContentOptions content;
  double genre_shrinkage = 5.0;
  double theme_shrinkage = 3.0;
  std::uint32_t theme_min_support = 2;
  std::size_t neighbours = 20;
  std::size_t max_neighbour_scan = 48;  // at most 255
  // Whether a catalog of up to OfflineSimilarityTable::kMaxItems items reads
  // its similarities from one shared table (false: per-user sets, as larger
  // catalogs do; the ratings are the same either way).
  bool similarity_table = true;
  // Whether the fit's per-user arrays are as narrow as the data allows:
  // views of the dataset's histories where the train split is every user's
  // oldest ratings, 16-bit items where the catalog has at most 65,536, and
  // rating values as 1-byte codes where there are at most 256, user means
  // read from the histories where that gives the same bits (false: copies,
  // 32-bit items, float values and stored means, as other data gets). The
  // ratings are the same either way.
  bool compact = true;
  // How the users' SVD factors are kept: floats, or halves (200 bytes a user
  // less at 100 factors; svd.n_factors at most 1,024). Halves change
  // results: every taste-match term is that of the factors rounded to 11
  // significant bits (bench/README.md measures how many ratings move).
  FloatPrecision factor_precision = FloatPrecision::kSingle;
  double neighbour_shrinkage = 1.0;
  double support_shrinkage = 3.0;     // beta
  std::uint32_t support_cutoff = 12;  // no content weight from this many ratings on
  double demographic_shrinkage = 5.0;
  double validation_fraction = 0.1;
  std::size_t min_validation_ratings = 200;
  std::uint64_t seed = 0;  // the hold-out that learns the weights

  // The evolving state (offline_user_state.hpp).
  std::size_t update_every = 10;
  OfflineDriftOptions drift;
  OfflineTasteOptions taste;
};

// The stacking weights of the personal terms.
struct OfflineWeights {
  double taste_match = 1.0;  // SVD interaction
  double genre = 0.75;
  double theme = 0.5;
  bool learned = false;  // false: the defaults (the hold-out was too small)
  std::size_t validation_ratings = 0;
};

// The additive parts of a raw score and what each rests on.
struct OfflineDrivers {
  static constexpr std::uint32_t kNone = 0xffffffffu;

  // raw (before clipping) = base + user_offset + item_offset + taste_match
  //                         + genre + theme + similar + drift
  float base = 0;         // the global mean
  float user_offset = 0;  // b_u, or the demographic prior's offset
  float item_offset = 0;  // (1 - a) b_i
  float taste_match = 0;  // (1 - a) w_cf q_i.p_u
  float genre = 0;        // (1 - a) w_genre G_ui (not scaled by a for users without ratings)
  float theme = 0;        // (1 - a) w_theme T_ui
  float similar = 0;      // a C_ui
  float drift = 0;

  // The item's genre whose affinity pulls hardest in the genre term's
  // direction, and that affinity.
  std::uint32_t genre_key = kNone;
  float genre_affinity = 0;
  // Up to two matched themes pulling in the theme term's direction.
  std::uint32_t theme_keys[2] = {kNone, kNone};
  float theme_affinities[2] = {0, 0};
  // The rated item contributing most to the neighbourhood term, its rating
  // and its similarity.
  std::uint32_t similar_item = kNone;
  float similar_rating = 0;
  float similar_similarity = 0;
  // The genre carrying the largest drift of the item.
  std::uint32_t drift_genre = kNone;
  float drift_value = 0;

  float content_weight = 0;  // a
  std::uint32_t item_support = 0;
  bool user_known = true;
  DemographicMatch demographic_match = DemographicMatch::kEveryone;
};

struct OfflineScore {
  double raw = 0;            // clipped into the scale's range
  float rating = 0;          // a level of the scale
  double undrifted_raw = 0;  // raw without the drift, clipped: score(user, item).raw
  OfflineDrivers drivers;
};

struct OfflineRating {
  ItemIndex item = 0;
  float rating = 0;
  double raw = 0;
  std::string explanation;  // empty when not asked for
};

class OfflineUserModel {
 public:
  OfflineUserModel(const Dataset& dataset, std::span<const RatingIndex> train,
                   OfflineModelOptions options = {});
  ~OfflineUserModel();
  OfflineUserModel(OfflineUserModel&&) noexcept;
  OfflineUserModel& operator=(OfflineUserModel&&) noexcept;
  OfflineUserModel(const OfflineUserModel&) = delete;
  OfflineUserModel& operator=(const OfflineUserModel&) = delete;

  std::string_view name() const noexcept { return kOfflineModelName; }
  const Dataset& dataset() const noexcept { return *dataset_; }
  const RatingScale& scale() const noexcept { return dataset_->scale(); }
  const OfflineModelOptions& options() const noexcept { return options_; }
  const OfflineWeights& weights() const noexcept { return weights_; }
  const OfflineContent& content() const noexcept { return content_; }

  // Whether the user has training ratings, and whether (user, item) is one.
  bool knows_user(UserIndex user) const noexcept;
  bool is_training_rating(UserIndex user, ItemIndex item) const noexcept;
  std::uint32_t item_support(ItemIndex item) const noexcept;
  // The user's training ratings, oldest first (read from the dataset: the
  // model keeps their indices, or none where they are the start of the
  // dataset's own histories).
  std::vector<Interaction> training_history(UserIndex user) const;
  // Mean and count of the user's training ratings (0 and 0 without).
  double user_mean(UserIndex user) const noexcept;
  // Genre affinities (one per genre bit in use) of a user, from the prior for
  // a user without ratings.
  std::span<const float> genre_affinities(UserIndex user) const noexcept;
  DemographicMatch demographic_match(UserIndex user) const noexcept;
  // The bytes the fit keeps per user (SVD factors, affinities, histories,
  // themes, the neighbourhood scan's recent items): what grows with users.
  std::size_t fitted_bytes() const noexcept;

  // The score without any drift (a fresh user), and with `state`'s drift.
  OfflineScore score(UserIndex user, ItemIndex item) const;
  OfflineScore score(UserIndex user, ItemIndex item, const OfflineUserState& state) const;
  // The sentence explaining `score` (see offline_explanation.hpp).
  std::string explain(UserIndex user, ItemIndex item, const OfflineScore& score) const;

  // Rates `items` for `state.user` into `out` (resized to items.size(), its
  // strings reused), with explanations unless `explain` is false. Changes
  // nothing of the state but its residual tally (`residuals`), which the
  // next fold reads if its batch is the (item, rating) pairs rated since the
  // last fold, in order.
  void rate(OfflineUserState& state, std::span<const ItemIndex> items,
            std::vector<OfflineRating>& out, bool explain = true) const;
  // The same ratings as a task's answer (llm_task.hpp) without the raw
  // scores: what the backend returns, written in place instead of copied.
  void rate(OfflineUserState& state, std::span<const ItemIndex> items, std::vector<ItemRating>& out,
            bool explain = true) const;

  // A user who has seen nothing yet: no taste, no drift.
  OfflineUserState new_state(UserIndex user) const;
  // Folds a batch of rated items into the taste and the drift (see
  // offline_user_state.hpp) and returns one sentence on what changed and why
  // (a first batch's sentence says what it established). The drift reads
  // the state's residual tally when the batch is what the state rated since
  // the last fold, and scores the batch's items otherwise: the same state
  // either way (but for the tally's hash, see OfflineResidualTally). Every
  // fold clears the tally.
  std::string apply_batch(OfflineUserState& state, std::span<const Interaction> batch) const;
  // The same fold without the sentence, nor the change it would name (for
  // callers that would discard both); the same state.
  void fold_batch(OfflineUserState& state, std::span<const Interaction> batch) const;
  // The same fold into the drift alone (and the count of updates): the
  // taste, which only the profile text renders, stays as it was. Later
  // ratings are those after fold_batch, bit for bit, since ratings read the
  // drift and not the taste. For callers that will not read this state's
  // profile before they discard it; the taste merge is most of a fold.
  void fold_drift(OfflineUserState& state, std::span<const Interaction> batch) const;
  // The same fold into the drift of the `rated` ratings made since the
  // last fold, without their batch: for a caller that kept only their count,
  // since nothing will read the taste (which this leaves as it was) and the
  // state's residual tally holds the rest. Throws std::logic_error, changing
  // nothing, when the tally does not hold exactly `rated` ratings of the
  // state's user (it starts again past OfflineResidualTally::kMaxItems, so
  // a caller folds at most that many at a time).
  void fold_rated_drift(OfflineUserState& state, std::size_t rated) const;
  // Records one piece of feedback; every update_every of them are folded in
  // with apply_batch. Returns the change sentence when that happened.
  std::optional<std::string> record_feedback(OfflineUserState& state, ItemIndex item,
                                             float rating) const;

  // The profile paragraph of a state, and the state read back from one
  // (nullopt when the text is not an offline profile). parse(render(s))
  // gives s back, pending feedback and the update count aside.
  std::string profile_text(const OfflineUserState& state) const;
  std::optional<OfflineUserState> parse_profile(UserIndex user, std::string_view text) const;

 private:
  struct Fitted;
  // What a score reads of the user, looked up once for a slate.
  struct UserView;

  UserView user_view(UserIndex user) const noexcept;
  // `drivers` false: only raw, rating and the additive parts of the
  // drivers, without what they rest on (keys, matched themes, the most
  // similar item), which only explanations read; the same raw and rating.
  OfflineScore score_impl(const UserView& user, ItemIndex item, const OfflineUserState* state,
                          bool drivers = true) const;

  // What a fold updates: the drift only (fold_drift); the taste as well
  // (fold_batch); and the largest change of a leaning, as merge_taste gives
  // it (apply_batch; nullopt otherwise).
  enum class FoldScope : std::uint8_t { kDrift, kTaste, kTasteAndChange };
  std::optional<OfflineTasteChange> fold(OfflineUserState& state,
                                         std::span<const Interaction> batch, FoldScope scope) const;
  // The residuals of `batch` for the drift, by scoring its items (what the
  // state's tally holds when the batch is what was rated); returns the
  // count of items with a residual (those the user was not trained on).
  std::size_t batch_residuals(UserIndex user, std::span<const Interaction> batch,
                              GenreResiduals& residuals) const;
  // A fold's last steps: the drift from the residuals of `news` rated items
  // (those not trained on), the update counted, the tally cleared.
  void finish_fold(OfflineUserState& state, const GenreResiduals& residuals,
                   std::size_t news) const;

  template <class Rating>
  void rate_into(OfflineUserState& state, std::span<const ItemIndex> items,
                 std::vector<Rating>& out, bool explain) const;

  // The context profile texts of `user` are written and read in.
  OfflineProfileContext profile_context(UserIndex user) const;

  const Dataset* dataset_;
  OfflineModelOptions options_;
  OfflineContent content_;
  OfflineWeights weights_;
  std::unique_ptr<Fitted> fitted_;
  // Genres and terms a profile can name (see offline_profile.hpp); tastes
  // and drift track nothing else, so profiles read back exactly.
  GenreMask printable_genres_ = 0;
  // Per item, its keywords a profile can name, in keyword order (offsets
  // into one array): what a fold reads for every rated item.
  std::vector<std::uint32_t> printable_keyword_offsets_;
  std::vector<std::uint32_t> printable_keywords_;
};

}  // namespace lusifer
