#include "engine/eval/baseline_methods.hpp"

#include <array>

#include <fmt/format.h>

#include "engine/model/baseline.hpp"
#include "engine/model/knn_baseline.hpp"
#include "engine/model/mean_models.hpp"
#include "engine/model/svd.hpp"
#include "engine/model/svd_plus_plus.hpp"
#include "engine/model/training_set.hpp"

namespace lusifer {
namespace {

constexpr std::array kAllKinds = {BaselineKind::kGlobalMean, BaselineKind::kUserMean,
                                  BaselineKind::kItemMean,   BaselineKind::kBaselineOnly,
                                  BaselineKind::kSvd,        BaselineKind::kKnnBaseline,
                                  BaselineKind::kSvdPlusPlus};

}  // namespace

std::span<const BaselineKind> all_baseline_kinds() noexcept {
  return kAllKinds;
}

std::string_view baseline_key(BaselineKind kind) noexcept {
  switch (kind) {
    case BaselineKind::kGlobalMean:
      return "global-mean";
    case BaselineKind::kUserMean:
      return "user-mean";
    case BaselineKind::kItemMean:
      return "item-mean";
    case BaselineKind::kBaselineOnly:
      return "baseline-only";
    case BaselineKind::kSvd:
      return "svd";
    case BaselineKind::kKnnBaseline:
      return "knn-baseline";
    case BaselineKind::kSvdPlusPlus:
      return "svd++";
  }
  return "unknown";
}

std::optional<BaselineKind> parse_baseline_key(std::string_view key) noexcept {
  for (const BaselineKind kind : kAllKinds) {
    if (baseline_key(kind) == key)
      return kind;
  }
  return std::nullopt;
}

std::string_view baseline_label(BaselineKind kind) noexcept {
  switch (kind) {
    case BaselineKind::kGlobalMean:
      return "global mean";
    case BaselineKind::kUserMean:
      return "user mean";
    case BaselineKind::kItemMean:
      return "item mean";
    case BaselineKind::kBaselineOnly:
      return "BaselineOnly";
    case BaselineKind::kSvd:
      return "SVD";
    case BaselineKind::kKnnBaseline:
      return "KNNBaseline";
    case BaselineKind::kSvdPlusPlus:
      return "SVD++";
  }
  return "unknown";
}

std::string baseline_settings(BaselineKind kind, std::uint64_t seed) {
  switch (kind) {
    case BaselineKind::kGlobalMean:
      return "the mean of all training ratings";
    case BaselineKind::kUserMean:
      return "the mean of the user's training ratings (the global mean for a user without)";
    case BaselineKind::kItemMean:
      return "the mean of the item's training ratings (the global mean for an item without)";
    case BaselineKind::kBaselineOnly:
      return "as Surprise BaselineOnly() with its defaults: ALS, 10 epochs, reg_u 15, reg_i 10";
    case BaselineKind::kSvd:
      return fmt::format(
          "as Surprise SVD() with its defaults: 100 factors, 20 epochs, lr 0.005, reg 0.02, "
          "init N(0, 0.1); seed {}",
          seed);
    case BaselineKind::kKnnBaseline:
      return "as Surprise KNNBaseline() with its defaults: k 40, min_k 1, user-based MSD "
             "similarity, ALS baselines";
    case BaselineKind::kSvdPlusPlus:
      return fmt::format(
          "as Surprise SVDpp() with its defaults: 20 factors, 20 epochs, lr 0.007, reg 0.02, "
          "init N(0, 0.1); seed {}",
          seed);
  }
  return {};
}

std::unique_ptr<RatingModel> make_baseline(BaselineKind kind, std::uint64_t seed) {
  switch (kind) {
    case BaselineKind::kGlobalMean:
      return std::make_unique<GlobalMean>();
    case BaselineKind::kUserMean:
      return std::make_unique<UserMean>();
    case BaselineKind::kItemMean:
      return std::make_unique<ItemMean>();
    case BaselineKind::kBaselineOnly:
      return std::make_unique<BaselineOnly>();
    case BaselineKind::kSvd: {
      SvdOptions options;
      options.seed = seed;
      return std::make_unique<Svd>(options);
    }
    case BaselineKind::kKnnBaseline:
      return std::make_unique<KnnBaseline>();
    case BaselineKind::kSvdPlusPlus: {
      SvdPlusPlusOptions options;
      options.seed = seed;
      return std::make_unique<SvdPlusPlus>(options);
    }
  }
  return nullptr;
}

std::vector<PredictionSet> baseline_predictions(const Dataset& dataset,
                                                const EvaluationProtocol& protocol,
                                                std::span<const BaselineKind> kinds,
                                                std::uint64_t seed) {
  const TrainingSet train(dataset, protocol.train);
  std::vector<PredictionSet> sets;
  sets.reserve(kinds.size());
  for (const BaselineKind kind : kinds) {
    const auto model = make_baseline(kind, seed);
    model->fit(train);
    PredictionSet set;
    set.method = std::string(baseline_label(kind));
    set.detail = baseline_settings(kind, seed);
    set.kind = MethodKind::kBaseline;
    set.predicted.reserve(protocol.test.size());
    for (const TestRating& t : protocol.test)
      set.predicted.push_back(model->predict(t.user, t.item));
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace lusifer
