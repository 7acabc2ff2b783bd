// The acceptance figures: on MovieLens 100K's official folds u1..u5, the mean
// test RMSE of each model is within 0.01 of Surprise's published figure
// (README, 5-fold cross-validation on ML-100K). Skips without the data.

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/data/split.hpp"
#include "engine/model/baseline.hpp"
#include "engine/model/knn_baseline.hpp"
#include "engine/model/mean_models.hpp"
#include "engine/model/metrics.hpp"
#include "engine/model/svd.hpp"
#include "engine/model/svd_plus_plus.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;

namespace {

struct Folds {
  Dataset dataset;
  std::vector<Split> splits;
};

const Folds& load_folds(const std::filesystem::path& dir) {
  static const Folds folds = [&] {
    InputDiagnostics diagnostics;
    Folds f{load_dataset(dir, diagnostics), {}};
    for (const char* name : {"u1", "u2", "u3", "u4", "u5"}) {
      f.splits.push_back(load_official_split(f.dataset, dir, name, diagnostics));
    }
    return f;
  }();
  return folds;
}

template <class Model>
double mean_rmse(const Folds& folds, const Model& prototype) {
  double sum = 0;
  for (const Split& split : folds.splits) {
    Model model = prototype;
    model.fit(folds.dataset, split.train);
    const auto result = evaluate(model, folds.dataset, split.test);
    INFO(model.name() << " " << split.name << " RMSE " << result.rmse);
    CHECK(result.count == 20000);
    sum += result.rmse;
  }
  return sum / static_cast<double>(folds.splits.size());
}

}  // namespace

TEST_CASE("ML-100K u1..u5: BaselineOnly matches Surprise's 0.944", "[model][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  const auto& folds = load_folds(dir);
  REQUIRE(folds.splits.size() == 5);
  CHECK(mean_rmse(folds, BaselineOnly{}) == Approx(0.944).margin(0.01));
}

TEST_CASE("ML-100K u1..u5: SVD matches Surprise's 0.934", "[model][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  CHECK(mean_rmse(load_folds(dir), Svd{}) == Approx(0.934).margin(0.01));
}

TEST_CASE("ML-100K u1..u5: KNNBaseline matches Surprise's 0.931", "[model][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  CHECK(mean_rmse(load_folds(dir), KnnBaseline{}) == Approx(0.931).margin(0.01));
}

TEST_CASE("ML-100K u1..u5: SVD++ matches Surprise's 0.920", "[model][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  CHECK(mean_rmse(load_folds(dir), SvdPlusPlus{}) == Approx(0.920).margin(0.01));
}

TEST_CASE("ML-100K u1..u5: the CF baselines beat the global mean clearly", "[model][ml100k]") {
  LUSIFER_REQUIRE_SHARED_DATA(dir, "ml-100k");
  const auto& folds = load_folds(dir);
  const Split& u1 = folds.splits.front();
  GlobalMean mean;
  mean.fit(folds.dataset, u1.train);
  Svd svd;
  svd.fit(folds.dataset, u1.train);
  const auto by_mean = evaluate(mean, folds.dataset, u1.test);
  const auto by_svd = evaluate(svd, folds.dataset, u1.test);
  CHECK(by_svd.rmse < by_mean.rmse - 0.15);
  CHECK(by_svd.pearson > 0.5);
  CHECK(by_svd.spearman > 0.45);
  const auto histogram = rating_histogram(by_svd.predicted, folds.dataset.scale());
  CHECK(histogram.total() == 20000);
}
