#include "engine/eval/paper_reference.hpp"

namespace lusifer {
namespace {

// Evaluation/final_results/evaluation_results_100k.csv; histograms counted
// from outputs/rating_test_df_100k_local.csv.
constexpr PaperFigure kAllUsers[] = {
    {"SVD++ (LibRecommender, rounded)", 1.0588, 0.7647, 0.3957, true, {24, 217, 1388, 2147, 516}},
    {"ALS (LibRecommender, rounded)", 1.1102, 0.8131, 0.3930, true, {56, 419, 1656, 1799, 362}},
    {"RNN4Rec (LibRecommender, rounded)", 1.1456, 0.8427, 0.2324, true, {8, 145, 1339, 2414, 386}},
    {"NCF (LibRecommender, rounded)", 1.1861, 0.8733, 0.2999, true, {55, 319, 1289, 1853, 776}},
    {"Lusifer + Gemma3-12B", 1.1903, 0.8819, 0.2599, true, {64, 366, 1225, 2271, 366}},
    {"Lusifer + Gemma3-4B", 1.3991, 1.0238, 0.2341, true, {321, 453, 681, 1843, 994}},
    {"Lusifer + GPT-4o-mini", 1.5721, 1.1862, 0.2057, true, {446, 839, 632, 1228, 1147}},
};

// Evaluation/final_results/evaluation_results_100K_cold_10.csv.
constexpr PaperFigure kColdStart[] = {
    {"SVD++ (LibRecommender, rounded)", 1.1106, 0.8333, 0.3666, false, {}},
    {"ALS (LibRecommender, rounded)", 1.3505, 1.0429, 0.2973, false, {}},
    {"RNN4Rec (LibRecommender, rounded)", 1.1932, 0.9000, 0.2218, false, {}},
    {"NCF (LibRecommender, rounded)", 1.2928, 0.9952, 0.2249, false, {}},
    {"Lusifer + Gemma3-12B", 1.1892, 0.8810, 0.2229, false, {}},
    {"Lusifer + Gemma3-4B", 1.3956, 1.0238, 0.2410, false, {}},
    {"Lusifer + GPT-4o-mini", 1.5134, 1.1476, 0.2265, false, {}},
};

constexpr PaperReferenceSubset kSubsets[] = {
    {"all users",
     "the authors' ML-100K u1 test set",
     4292,
     459,
     {185, 422, 971, 1570, 1144},
     true,
     kAllUsers},
    {"cold start", "users with at most 10 ratings in u1.base", 210, 21, {}, false, kColdStart},
};

}  // namespace

std::string_view lusifer_paper_reference_note() noexcept {
  return "Reference figures from the Lusifer paper (arXiv 2405.13362 v4; the authors' released "
         "results files), NOT computed here. Their baselines were trained on the same last-40 "
         "ratings but their predictions were rounded to integers; the LLMs rated one test movie "
         "per call from a profile built from the same 40 ratings.";
}

std::span<const PaperReferenceSubset> lusifer_paper_reference() noexcept {
  return kSubsets;
}

}  // namespace lusifer
