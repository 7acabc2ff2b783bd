#pragma once

// The figures `lusifer data info` prints: sizes, sparsity, the rating
// histogram, interactions per user and the time span.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

struct DatasetSummary {
  DatasetFormat format = DatasetFormat::kMovieLensLatest;
  std::string source;
  RatingScale scale;
  std::size_t users = 0;
  std::size_t users_with_ratings = 0;
  std::size_t users_with_demographics = 0;
  std::size_t items = 0;
  std::size_t items_with_ratings = 0;
  std::size_t items_with_text = 0;
  std::size_t items_with_tags = 0;
  std::size_t ratings = 0;
  std::size_t tag_applications = 0;
  std::vector<std::string> genres;
  // 1 - ratings / (users x items): the share of the matrix that is empty.
  double sparsity = 0.0;
  double mean_rating = 0.0;
  // (rating value, count) for every level of the scale, ascending.
  std::vector<std::pair<float, std::size_t>> histogram;

  struct Quantiles {
    double min = 0, p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
  };
  Quantiles ratings_per_user;  // over users with at least one rating
  std::int64_t first_timestamp = 0;
  std::int64_t last_timestamp = 0;
};

DatasetSummary summarize(const Dataset& dataset);

// A human-readable table and a JSON object of the same figures.
std::string render_summary_text(const DatasetSummary& summary);
std::string render_summary_json(const DatasetSummary& summary);

}  // namespace lusifer
