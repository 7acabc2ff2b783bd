#pragma once

// Similarities between users (or between items) over their co-ratings, as
// Surprise's `similarities` module computes them, in a dense symmetric
// matrix over the known users (items).
//
// For a pair x, x' (two users when user-based; two items otherwise), with
// the n co-rated entities y:
// - msd: 1 / (mean squared difference + 1), or 0 when n < min_support.
// - pearson_baseline: the Pearson correlation of r - b (b = mu + b_x + b_y,
//   the baseline estimates) over the co-ratings, shrunk by
//   (n - 1) / (n - 1 + shrinkage); 0 when n < max(2, min_support).
// The diagonal is 1. Where Surprise would divide by zero (msd with
// min_support <= 0 and no co-rating; pearson_baseline when every deviation
// of one side is zero) the similarity is 0.
//
// A rating listed twice counts twice, as in Surprise. Cost: O(sum over y of
// (raters of y)^2 / 2) time; memory: 8 bytes per pair of known entities
// (ML-100K user-based: 7 MB; item-based: 23 MB). Immutable once built; safe
// to share between threads.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/model/baseline.hpp"
#include "engine/model/training_set.hpp"

namespace lusifer {

enum class SimilarityKind { kMsd, kPearsonBaseline };

std::string_view similarity_name(SimilarityKind kind) noexcept;

struct SimilarityOptions {
  SimilarityKind kind = SimilarityKind::kMsd;  // Surprise's default
  bool user_based = true;                      // Surprise's default
  int min_support = 1;
  double shrinkage = 100;  // pearson_baseline only
  // The matrix is refused (std::length_error) beyond this size, rather than
  // exhausting memory on a large catalog.
  std::size_t max_bytes = std::size_t{1} << 30;
};

class SimilarityMatrix {
 public:
  SimilarityMatrix() = default;
  // `baselines` is used by pearson_baseline only. Throws std::length_error
  // when the matrix would exceed options.max_bytes.
  SimilarityMatrix(const TrainingSet& train, const SimilarityOptions& options,
                   const Baselines& baselines);

  bool user_based() const noexcept { return user_based_; }
  // The number of known users (items): the matrix is size() x size().
  std::size_t size() const noexcept { return entities_.size(); }

  // The row of a known user (item), by dataset index; nullopt when unknown.
  std::optional<std::uint32_t> row_of(std::uint32_t entity) const noexcept;
  // The dataset index of row `row`.
  std::uint32_t entity_of(std::uint32_t row) const { return entities_.at(row); }
  // Similarities of row `row` with every row.
  std::span<const double> row(std::uint32_t row) const;

  // Similarity by dataset indices; 0 when either is unknown.
  double operator()(std::uint32_t a, std::uint32_t b) const noexcept;

 private:
  bool user_based_ = true;
  std::vector<std::int64_t> row_of_;     // dataset index -> row, -1 when unknown
  std::vector<std::uint32_t> entities_;  // row -> dataset index
  std::vector<double> values_;           // size() x size(), row-major
};

}  // namespace lusifer
