#include "engine/eval/prediction_set.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

namespace lusifer {
namespace {

std::uint64_t pair_key(UserIndex user, ItemIndex item) {
  return (static_cast<std::uint64_t>(user) << 32) | item;
}

}  // namespace

std::string_view method_kind_name(MethodKind kind) noexcept {
  switch (kind) {
    case MethodKind::kBaseline:
      return "baseline";
    case MethodKind::kOfflineModel:
      return "offline-model";
    case MethodKind::kSimulator:
      return "simulator";
  }
  return "unknown";
}

std::string simulator_label(std::string_view backend, std::string_view model) {
  return fmt::format("Lusifer simulator: {}/{}", backend, model);
}

SimulatorPredictions simulator_predictions_from_feedback(std::span<const FeedbackRow> feedback,
                                                         std::string label, std::string detail) {
  SimulatorPredictions out;
  out.label = std::move(label);
  out.detail = std::move(detail);
  for (const FeedbackRow& row : feedback) {
    if (row.episode != -1)
      continue;
    out.ratings.push_back({row.user_id, row.item_id, row.raw_rating, row.calibrated_rating});
  }
  return out;
}

std::vector<PredictionSet> align_simulator_predictions(const Dataset& dataset,
                                                       const EvaluationProtocol& protocol,
                                                       const SimulatorPredictions& predictions,
                                                       AlignmentCounts* counts) {
  std::unordered_map<std::uint64_t, std::uint32_t> position;
  position.reserve(protocol.test.size());
  for (std::uint32_t k = 0; k < protocol.test.size(); ++k)
    position.emplace(pair_key(protocol.test[k].user, protocol.test[k].item), k);

  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  PredictionSet raw{predictions.label + ", raw", predictions.detail, predictions.kind,
                    std::vector<double>(protocol.test.size(), kNone)};
  PredictionSet calibrated{predictions.label + ", calibrated", predictions.detail, predictions.kind,
                           std::vector<double>(protocol.test.size(), kNone)};
  bool any_calibrated = false;
  std::vector<std::uint8_t> seen(protocol.test.size(), 0);
  AlignmentCounts c;
  for (const SimulatedRating& r : predictions.ratings) {
    if (!std::isfinite(r.raw) || (r.calibrated && !std::isfinite(*r.calibrated))) {
      throw std::invalid_argument(fmt::format("{}: the rating of user {} for item {} is not finite",
                                              predictions.label, r.user_id, r.item_id));
    }
    const auto user = dataset.find_user(r.user_id);
    const auto item = dataset.catalog().find(r.item_id);
    const auto at = user && item ? position.find(pair_key(*user, *item)) : position.end();
    if (at == position.end()) {
      ++c.not_tested;
      continue;
    }
    if (seen[at->second]) {
      throw std::invalid_argument(
          fmt::format("{}: user {} rated item {} more than once; evaluate one answer per pair",
                      predictions.label, r.user_id, r.item_id));
    }
    seen[at->second] = 1;
    ++c.matched;
    raw.predicted[at->second] = r.raw;
    if (r.calibrated) {
      calibrated.predicted[at->second] = *r.calibrated;
      any_calibrated = true;
    }
  }
  c.missing = protocol.test.size() - c.matched;
  if (counts)
    *counts = c;
  std::vector<PredictionSet> sets;
  sets.push_back(std::move(raw));
  if (any_calibrated)
    sets.push_back(std::move(calibrated));
  return sets;
}

}  // namespace lusifer
