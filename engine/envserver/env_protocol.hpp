#pragma once

// The environment server's wire protocol (docs/env-api.md): typed requests
// parsed strictly from JSON bodies, typed responses rendered as JSON.
//
// Parsing never trusts its input and never throws: every function returns
// the typed request or the EnvError a client should see (a 4xx), and the
// error names the offending value's JSON path. Strict means: the body must
// be exactly one JSON value, valid UTF-8, an object at the root; every key is
// known to the endpoint and appears once; integers are JSON integers (1.0 and
// "1" are wrong types); values are in range. Checks that need a session (how
// many users, which are done, the slate size) or the catalog (which items
// exist) are in check_step_actions; bounds from the server's settings (users
// per session) are the HTTP layer's.
//
// Ids on the wire are the dataset's external ids (MovieLens user and movie
// ids), never dense indices. Ratings are on the dataset's scale; floats are
// written in their shortest round-trip form.
//
// Thread-safety: all functions are pure (the parsers use a per-thread JSON
// parser) and may run concurrently.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/envserver/env_error.hpp"
#include "engine/rl/reward_model.hpp"

namespace lusifer::envserver {

// Ranges the parser enforces (the same as [simulation]'s).
inline constexpr std::uint32_t kMaxHorizon = 1'000'000;
inline constexpr std::uint32_t kMaxSlateSize = 1000;
inline constexpr std::size_t kDefaultCatalogLimit = 100;
inline constexpr std::size_t kMaxCatalogLimit = 1000;

// ---- requests --------------------------------------------------------------

// POST /v1/envs. Optional fields left empty take the service's defaults
// (its [simulation] settings); the response tells what was used.
struct CreateRequest {
  // "users": n (a seeded sample of n users) or [ids] (exactly these users, in
  // this order). With a list, user_ids holds it and user_count is its size;
  // with a number, user_ids is empty. user_count is always >= 1.
  std::size_t user_count = 0;
  std::vector<ExternalId> user_ids;
  std::optional<std::uint64_t> seed;
  std::optional<std::uint32_t> horizon;     // 1..kMaxHorizon
  std::optional<std::uint32_t> slate_size;  // 1..kMaxSlateSize
  std::optional<RewardKind> reward;
  std::optional<bool> leaving;  // whether users may leave (terminate) early
};

// POST /v1/envs/{id}/reset. An empty body means no seed.
struct ResetRequest {
  std::optional<std::uint64_t> seed;
};

// POST /v1/envs/{id}/step. One entry per user, in the session's user order:
// a slate of distinct item ids, or nullopt (JSON null) for a user who is
// done. After check_step_actions, entries of done users are always nullopt.
struct StepRequest {
  std::vector<std::optional<std::vector<ExternalId>>> actions;
};

// GET /v1/catalog?offset=0&limit=100.
struct CatalogQuery {
  std::size_t offset = 0;
  std::size_t limit = kDefaultCatalogLimit;  // 1..kMaxCatalogLimit
};

EnvResult<CreateRequest> parse_create_request(std::string_view body);
EnvResult<ResetRequest> parse_reset_request(std::string_view body);
EnvResult<StepRequest> parse_step_request(std::string_view body);
// DELETE /v1/envs/{id} takes no arguments: the body must be empty or {}.
std::optional<EnvError> parse_close_request(std::string_view body);
// `query` is the raw query string (after '?', still percent-encoded).
EnvResult<CatalogQuery> parse_catalog_query(std::string_view query);

// Checks a parsed step against the session: one entry per user; for every
// user still active, a slate of exactly `slate_size` distinct ids that all
// exist in `catalog`; for a done user, null or a slate (checked the same way
// and then ignored: its entry is set to nullopt). `done` has one flag per
// user. Returns the first problem, or nullopt.
std::optional<EnvError> check_step_actions(StepRequest& request, std::uint32_t slate_size,
                                           const std::vector<bool>& done, const Catalog& catalog);

// ---- responses -------------------------------------------------------------

struct CreateResponse {
  std::string env_id;                // 1..64 of [A-Za-z0-9_-]; unique among open sessions
  std::vector<ExternalId> user_ids;  // the session's users, in action order
  std::uint64_t seed = 0;
  std::uint32_t horizon = 0;
  std::uint32_t slate_size = 0;
  std::size_t num_items = 0;
  RatingScale rating_scale;
  RewardKind reward = RewardKind::kRating;
  bool leaving = false;
  // "offline model (not an LLM)" or the LLM's name.
  std::string backend;
};

struct RecentRating {
  ExternalId item_id = 0;
  float rating = 0.0f;
};

struct UserObservation {
  ExternalId user_id = 0;
  std::string profile;  // the user's current profile text
  std::int32_t profile_version = 0;
  std::vector<RecentRating> recent;  // oldest first
  std::optional<std::vector<float>> features;
};

struct ResetResponse {
  std::vector<UserObservation> observations;  // one per user, in the session's order
};

struct RatedItem {
  ExternalId item_id = 0;
  float rating = 0.0f;  // raw, on the rating scale
  std::optional<float> calibrated;
  std::string explanation;
};

struct StepInfo {
  // False for a user who was already done before this step: nothing was
  // asked of them, the reward is 0 and the flags repeat their final values.
  bool active = true;
  std::vector<RatedItem> ratings;   // in slate order
  std::vector<ExternalId> missing;  // slate items the user did not rate
  std::string profile_change;       // what changed in the profile, if it changed
  bool late = false;                // the feedback missed the step deadline
  std::string failure;              // why the whole step failed for this user
  std::string leave_reason;         // why the user left ("dissatisfied", "bored"), if they did
};

struct UserStep {
  UserObservation observation;
  double reward = 0.0;
  bool terminated = false;  // the user left (the satisfaction model)
  bool truncated = false;   // the horizon was reached
  StepInfo info;
};

struct StepResponse {
  std::vector<UserStep> users;  // one per user, in the session's order
};

std::string render_create_response(const CreateResponse& response);
std::string render_reset_response(const ResetResponse& response);
std::string render_step_response(const StepResponse& response);
std::string render_close_response();
// The page [offset, offset + limit) of `catalog` in ascending item id, with
// the total.
std::string render_catalog_page(const Catalog& catalog, const CatalogQuery& query);

// True for ids a service may hand out: 1..64 of [A-Za-z0-9_-].
bool is_valid_env_id(std::string_view id) noexcept;

// The RewardKind named "rating", "normalized-rating" or "click" (as
// reward_kind_name spells them), or nullopt.
std::optional<RewardKind> parse_reward_kind(std::string_view name) noexcept;

}  // namespace lusifer::envserver
