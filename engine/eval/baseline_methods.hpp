#pragma once

// The collaborative-filtering baselines of an evaluation, by name, with the
// settings they run with (Surprise's defaults, see engine/model), so that a
// table can say exactly what each row is.
//
// Every baseline is trained on the protocol's (truncated) training ratings
// and predicts with RatingModel::predict (clipped into the scale, as
// Surprise's predict does; never rounded here). Deterministic for a seed.
// Thread-safety: pure functions; each call builds its own models.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/prediction_set.hpp"
#include "engine/model/rating_model.hpp"

namespace lusifer {

enum class BaselineKind {
  kGlobalMean,
  kUserMean,
  kItemMean,
  kBaselineOnly,
  kSvd,
  kKnnBaseline,
  kSvdPlusPlus
};

// Every kind, in the order tables list them.
std::span<const BaselineKind> all_baseline_kinds() noexcept;

// The key configs use: global-mean, user-mean, item-mean, baseline-only, svd,
// knn-baseline, svd++.
std::string_view baseline_key(BaselineKind kind) noexcept;
std::optional<BaselineKind> parse_baseline_key(std::string_view key) noexcept;

// The row label ("user mean", "SVD++") and the settings in words.
std::string_view baseline_label(BaselineKind kind) noexcept;
std::string baseline_settings(BaselineKind kind, std::uint64_t seed);

// A fresh, unfitted model with those settings.
std::unique_ptr<RatingModel> make_baseline(BaselineKind kind, std::uint64_t seed);

// Trains each kind on protocol.train and predicts every test rating.
std::vector<PredictionSet> baseline_predictions(const Dataset& dataset,
                                                const EvaluationProtocol& protocol,
                                                std::span<const BaselineKind> kinds,
                                                std::uint64_t seed = 0);

}  // namespace lusifer
