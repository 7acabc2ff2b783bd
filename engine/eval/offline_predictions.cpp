#include "engine/eval/offline_predictions.hpp"

#include <vector>

#include <fmt/format.h>

namespace lusifer {

SimulatorPredictions offline_model_predictions(const Dataset& dataset,
                                               const EvaluationProtocol& protocol,
                                               const OfflineEvaluationOptions& options) {
  const OfflineUserModel model(dataset, protocol.train, options.model);

  // Calibration from the training side only: each user's real training
  // ratings against the model's raw scores of the same items.
  std::vector<std::vector<double>> simulated(dataset.user_count());
  std::vector<std::vector<double>> real(dataset.user_count());
  const RatingTable& ratings = dataset.ratings();
  for (const RatingIndex r : protocol.train) {
    const UserIndex u = ratings.user(r);
    simulated[u].push_back(model.score(u, ratings.item(r)).raw);
    real[u].push_back(ratings.value(r));
  }
  RatingCalibration calibration(dataset.scale(), options.calibration);
  for (UserIndex u = 0; u < dataset.user_count(); ++u) {
    if (!real[u].empty())
      calibration.fit(u, simulated[u], real[u]);
  }

  SimulatorPredictions out;
  out.label = std::string(kOfflineModelLabel);
  out.kind = MethodKind::kOfflineModel;
  const OfflineWeights& w = model.weights();
  out.detail = fmt::format(
      "{}: ALS baselines + SVD taste match + genre, theme and content terms, fitted on the "
      "protocol's training ratings (weights taste {:.3f}, genre {:.3f}, theme {:.3f}, {}); raw = "
      "the unrounded score; calibrated = per-user quantile mapping fitted on training ratings "
      "only (shrinkage {})",
      model.name(), w.taste_match, w.genre, w.theme, w.learned ? "learned" : "defaults",
      options.calibration.shrinkage);
  out.ratings.reserve(protocol.test.size());
  for (const TestRating& t : protocol.test) {
    const double raw = model.score(t.user, t.item).raw;
    out.ratings.push_back({dataset.user(t.user).id, dataset.catalog().item(t.item).id, raw,
                           calibration.map(t.user, raw)});
  }
  return out;
}

}  // namespace lusifer
