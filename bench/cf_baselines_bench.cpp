// Fits every CF baseline on the five official MovieLens 100K folds (u1..u5)
// and prints, per model and fold, the fit time and the test RMSE / MAE, then
// the means beside Surprise's published RMSE.
//
// Usage: bench_cf_baselines [DIR]
//   DIR is the ml-100k directory, or a directory holding ml-100k/; without
//   it, $LUSIFER_DATA_DIR/ml-100k.

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/data/split.hpp"
#include "engine/model/baseline.hpp"
#include "engine/model/knn_baseline.hpp"
#include "engine/model/mean_models.hpp"
#include "engine/model/metrics.hpp"
#include "engine/model/svd.hpp"
#include "engine/model/svd_plus_plus.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Entry {
  std::string label;
  std::optional<double> published_rmse;  // Surprise's README, ML-100K, 5-fold CV
  std::function<std::unique_ptr<lusifer::RatingModel>()> make;
};

std::optional<std::filesystem::path> find_data(int argc, char** argv) {
  std::filesystem::path dir;
  if (argc > 1) {
    dir = argv[1];
  } else if (const char* root = std::getenv("LUSIFER_DATA_DIR"); root && *root) {
    dir = root;
  } else {
    return std::nullopt;
  }
  if (std::filesystem::exists(dir / "u.data"))
    return dir;
  if (std::filesystem::exists(dir / "ml-100k" / "u.data"))
    return dir / "ml-100k";
  return std::nullopt;
}

std::vector<Entry> entries() {
  using namespace lusifer;
  KnnBaselineOptions pearson_user;
  pearson_user.similarity.kind = SimilarityKind::kPearsonBaseline;
  KnnBaselineOptions pearson_item = pearson_user;
  pearson_item.similarity.user_based = false;
  BaselineOptions sgd;
  sgd.method = BaselineMethod::kSgd;
  return {
      {"GlobalMean", std::nullopt, [] { return std::make_unique<GlobalMean>(); }},
      {"UserMean", std::nullopt, [] { return std::make_unique<UserMean>(); }},
      {"ItemMean", std::nullopt, [] { return std::make_unique<ItemMean>(); }},
      {"BaselineOnly (ALS)", 0.944, [] { return std::make_unique<BaselineOnly>(); }},
      {"BaselineOnly (SGD)", std::nullopt, [sgd] { return std::make_unique<BaselineOnly>(sgd); }},
      {"SVD", 0.934, [] { return std::make_unique<Svd>(); }},
      {"SVD++", 0.919, [] { return std::make_unique<SvdPlusPlus>(); }},
      {"KNNBaseline (msd, user)", 0.931, [] { return std::make_unique<KnnBaseline>(); }},
      {"KNNBaseline (pearson_baseline, user)", std::nullopt,
       [pearson_user] { return std::make_unique<KnnBaseline>(pearson_user); }},
      {"KNNBaseline (pearson_baseline, item)", std::nullopt,
       [pearson_item] { return std::make_unique<KnnBaseline>(pearson_item); }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto dir = find_data(argc, argv);
    if (!dir) {
      fmt::print(stderr,
                 "bench_cf_baselines: give the ml-100k directory as argument or set "
                 "LUSIFER_DATA_DIR\n");
      return 2;
    }
    lusifer::InputDiagnostics diagnostics;
    const auto load_start = Clock::now();
    const lusifer::Dataset dataset = lusifer::load_dataset(*dir, diagnostics);
    std::vector<lusifer::Split> folds;
    for (const char* name : {"u1", "u2", "u3", "u4", "u5"}) {
      folds.push_back(lusifer::load_official_split(dataset, *dir, name, diagnostics));
    }
    fmt::print("MovieLens 100K at {}: {} users, {} items, {} ratings (loaded in {:.2f} s)\n",
               dir->string(), dataset.user_count(), dataset.catalog().size(),
               dataset.ratings().size(),
               std::chrono::duration<double>(Clock::now() - load_start).count());
    fmt::print("machine: {} hardware threads; single-threaded fits\n\n",
               std::thread::hardware_concurrency());

    std::vector<lusifer::TrainingSet> train_sets;
    for (const auto& fold : folds)
      train_sets.emplace_back(dataset, fold.train);

    fmt::print("{:<38}{:>6}{:>10}{:>9}{:>9}\n", "model", "fold", "fit ms", "RMSE", "MAE");
    std::vector<std::string> summary;
    for (const Entry& entry : entries()) {
      double rmse_sum = 0, mae_sum = 0, fit_sum = 0;
      for (std::size_t f = 0; f < folds.size(); ++f) {
        auto model = entry.make();
        const auto start = Clock::now();
        model->fit(train_sets[f]);
        const double fit_ms =
            std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        const auto result = lusifer::evaluate(*model, dataset, folds[f].test);
        fmt::print("{:<38}{:>6}{:>10.1f}{:>9.4f}{:>9.4f}\n", entry.label, folds[f].name, fit_ms,
                   result.rmse, result.mae);
        rmse_sum += result.rmse;
        mae_sum += result.mae;
        fit_sum += fit_ms;
      }
      const double n = static_cast<double>(folds.size());
      summary.push_back(fmt::format(
          "{:<38}{:>10.1f}{:>9.4f}{:>9.4f}{:>12}", entry.label, fit_sum / n, rmse_sum / n,
          mae_sum / n,
          entry.published_rmse ? fmt::format("{:.3f}", *entry.published_rmse) : std::string("-")));
    }
    fmt::print("\nmeans over u1..u5\n{:<38}{:>10}{:>9}{:>9}{:>12}\n", "model", "fit ms", "RMSE",
               "MAE", "Surprise");
    for (const auto& line : summary)
      fmt::print("{}\n", line);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_cf_baselines: {}\n", e.what());
    return 1;
  }
}
