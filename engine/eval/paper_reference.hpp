#pragma once

// The figures the Lusifer authors published for MovieLens 100K (arXiv
// 2405.13362 v4 and its released code: Evaluation/final_results/
// evaluation_results_100k.csv and evaluation_results_100K_cold_10.csv,
// recomputed from outputs/rating_test_df_100k_local.csv; see
// /work/shared/notes/lusifer-method.md §1.8-1.9). They are REFERENCE figures
// from the authors' own runs, shown beside ours, never computed here.
//
// Their handicaps: every baseline was trained on the last 40 training
// ratings per user and its predictions were ROUNDED to integers (LLM ratings
// are integers anyway); the baselines are LibRecommender's (TensorFlow), not
// Surprise's. Their trivial floors were not reported: the user mean of the
// same 40 ratings gives RMSE about 1.075 on the same 4,292 ratings.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace lusifer {

struct PaperFigure {
  std::string_view method;
  double rmse = 0;
  double mae = 0;
  double pearson = 0;
  bool has_histogram = false;
  std::array<std::uint32_t, 5> histogram{};  // predictions per rating 1..5
};

struct PaperReferenceSubset {
  std::string_view name;         // as our subsets are named: "all users", "cold start"
  std::string_view description;  // the authors' test set
  std::size_t ratings = 0;
  std::size_t users = 0;
  std::array<std::uint32_t, 5> truth_histogram{};  // zeros where not published
  bool has_truth_histogram = false;
  std::span<const PaperFigure> figures;
};

// The block's heading and its caveats, in one paragraph.
std::string_view lusifer_paper_reference_note() noexcept;

// All users (4,292 ratings, 459 users), then cold start (210 / 21).
std::span<const PaperReferenceSubset> lusifer_paper_reference() noexcept;

}  // namespace lusifer
