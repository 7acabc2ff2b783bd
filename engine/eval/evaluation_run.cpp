#include "engine/eval/evaluation_run.hpp"

namespace lusifer {

EvaluationTable evaluate_protocol(const Dataset& dataset, const EvaluationProtocol& protocol,
                                  const EvaluationRunOptions& options,
                                  std::span<const SimulatorPredictions> simulators) {
  std::vector<PredictionSet> sets =
      baseline_predictions(dataset, protocol, options.baselines, options.seed);
  const auto append = [&](std::vector<PredictionSet> more) {
    for (auto& set : more)
      sets.push_back(std::move(set));
  };
  if (options.offline_model) {
    append(align_simulator_predictions(
        dataset, protocol, offline_model_predictions(dataset, protocol, options.offline)));
  }
  for (const SimulatorPredictions& simulator : simulators)
    append(align_simulator_predictions(dataset, protocol, simulator));
  return make_evaluation_table(protocol, sets, options.table);
}

}  // namespace lusifer
