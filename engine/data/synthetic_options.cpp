#include "engine/data/synthetic_options.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace lusifer {
namespace {

// Ids and counts go through 32-bit dataset indices and int CSV columns.
constexpr std::uint64_t kMaxCount = 2'147'483'647;
// 9999-12-31T23:59:59Z: timestamps stay four-digit years.
constexpr std::int64_t kLastTimestamp = 253'402'300'799;

[[noreturn]] void reject(std::string_view field, std::string_view rule, std::string_view value) {
  throw std::invalid_argument(
      fmt::format("synthetic world: {} must be {} (got {})", field, rule, value));
}

void check_non_negative(std::string_view field, double value) {
  if (!std::isfinite(value) || value < 0.0)
    reject(field, ">= 0", fmt::format("{}", value));
}

void check_probability(std::string_view field, double value) {
  if (!(value >= 0.0 && value <= 1.0))
    reject(field, "in [0, 1]", fmt::format("{}", value));
}

}  // namespace

std::uint32_t effective_max_ratings(const SyntheticWorldOptions& options) noexcept {
  const std::uint64_t half_catalog = options.items / 2;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(options.max_ratings_per_user, half_catalog));
}

void validate(const SyntheticWorldOptions& o) {
  if (o.users < 1 || o.users > kMaxCount) {
    reject("users", fmt::format("in [1, {}]", kMaxCount), fmt::format("{}", o.users));
  }
  if (o.items > kMaxCount) {
    reject("items", fmt::format("<= {}", kMaxCount), fmt::format("{}", o.items));
  }
  if (o.min_ratings_per_user < 1)
    reject("min_ratings_per_user", ">= 1", "0");
  // Users rate at most half the catalogue, so that drawing unrated items
  // always succeeds quickly; min ratings must fit in that half.
  if (o.items < 2ull * o.min_ratings_per_user) {
    reject("items", fmt::format(">= 2 x min_ratings_per_user = {}", 2ull * o.min_ratings_per_user),
           fmt::format("{}", o.items));
  }
  if (o.max_ratings_per_user < o.min_ratings_per_user) {
    reject("max_ratings_per_user",
           fmt::format(">= min_ratings_per_user = {}", o.min_ratings_per_user),
           fmt::format("{}", o.max_ratings_per_user));
  }
  if (!std::isfinite(o.mean_ratings_per_user) || o.mean_ratings_per_user < o.min_ratings_per_user ||
      o.mean_ratings_per_user > effective_max_ratings(o)) {
    reject("mean_ratings_per_user",
           fmt::format("in [min_ratings_per_user, min(max_ratings_per_user, items / 2)] = [{}, {}]",
                       o.min_ratings_per_user, effective_max_ratings(o)),
           fmt::format("{}", o.mean_ratings_per_user));
  }
  if (static_cast<double>(o.users) * o.mean_ratings_per_user >= 4.0e9) {
    reject("users x mean_ratings_per_user", "< 4e9 (ratings are indexed with 32 bits)",
           fmt::format("{}", static_cast<double>(o.users) * o.mean_ratings_per_user));
  }
  check_non_negative("rating_count_sigma", o.rating_count_sigma);
  if (o.rating_count_sigma > 3.0)
    reject("rating_count_sigma", "<= 3", fmt::format("{}", o.rating_count_sigma));
  if (!std::isfinite(o.global_mean))
    reject("global_mean", "finite", fmt::format("{}", o.global_mean));
  check_non_negative("user_bias_sd", o.user_bias_sd);
  check_non_negative("item_quality_sd", o.item_quality_sd);
  check_non_negative("genre_affinity_sd", o.genre_affinity_sd);
  check_non_negative("keyword_affinity_sd", o.keyword_affinity_sd);
  check_probability("keyword_passion_rate", o.keyword_passion_rate);
  check_non_negative("genre_weight", o.genre_weight);
  check_non_negative("keyword_weight", o.keyword_weight);
  if (!std::isfinite(o.rating_noise) || o.rating_noise <= 0.0 || o.rating_noise > 5.0) {
    reject("rating_noise", "in (0, 5]", fmt::format("{}", o.rating_noise));
  }
  check_non_negative("demographic_effect", o.demographic_effect);
  check_non_negative("drift_strength", o.drift_strength);
  check_non_negative("popularity_sigma", o.popularity_sigma);
  if (o.popularity_sigma > 5.0)
    reject("popularity_sigma", "<= 5", fmt::format("{}", o.popularity_sigma));
  check_non_negative("taste_selectivity", o.taste_selectivity);
  if (o.taste_selectivity > 20.0) {
    reject("taste_selectivity", "<= 20", fmt::format("{}", o.taste_selectivity));
  }
  if (o.candidates_per_rating < 1 || o.candidates_per_rating > 1000) {
    reject("candidates_per_rating", "in [1, 1000]", fmt::format("{}", o.candidates_per_rating));
  }
  check_probability("tag_rate", o.tag_rate);
  if (o.start_time < 0)
    reject("start_time", ">= 0 (1970 or later)", fmt::format("{}", o.start_time));
  if (o.time_span_days < 1)
    reject("time_span_days", ">= 1", "0");
  if (o.start_time > kLastTimestamp - std::int64_t{o.time_span_days} * 86400 - 86400 * 366) {
    reject("start_time + time_span_days", "before the year 9999", fmt::format("{}", o.start_time));
  }
  if (o.chunk_users < 1)
    reject("chunk_users", ">= 1", "0");
}

}  // namespace lusifer
