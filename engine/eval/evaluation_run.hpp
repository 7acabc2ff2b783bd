#pragma once

// One evaluation of a protocol: every requested baseline trained on the
// protocol's training ratings, the offline model scored directly (optional),
// and any simulator runs given as predictions, scored together into one
// table. Rows come in that order: baselines (in the order asked), the offline
// model (raw, calibrated), then each simulator (raw, calibrated).
//
// Errors: those of the parts (baseline_methods.hpp, offline_predictions.hpp,
// prediction_set.hpp). Deterministic for the options. Thread-safety: pure;
// each call builds its own models.

#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/eval/baseline_methods.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/evaluation_table.hpp"
#include "engine/eval/offline_predictions.hpp"
#include "engine/eval/prediction_set.hpp"

namespace lusifer {

struct EvaluationRunOptions {
  std::vector<BaselineKind> baselines{all_baseline_kinds().begin(), all_baseline_kinds().end()};
  std::uint64_t seed = 0;  // SVD and SVD++ initial factors
  bool offline_model = true;
  OfflineEvaluationOptions offline;
  TableOptions table;
};

EvaluationTable evaluate_protocol(const Dataset& dataset, const EvaluationProtocol& protocol,
                                  const EvaluationRunOptions& options,
                                  std::span<const SimulatorPredictions> simulators = {});

}  // namespace lusifer
