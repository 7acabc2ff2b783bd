#pragma once

// Predictions of one method for every test rating of a protocol, and the
// input through which simulator runs enter an evaluation.
//
// A PredictionSet is aligned with EvaluationProtocol::test: predicted[k] is
// the method's rating for test[k], NaN where the method gave none (a failed
// LLM call, a pair the run never rated). Missing predictions are counted in
// the table, never filled in.
//
// Simulator runs give (user id, item id) -> raw rating, and optionally the
// calibrated rating (engine/sim/calibration.hpp), by EXTERNAL ids, as the
// run store's feedback rows hold them. align_simulator_predictions turns them
// into one set for the raw ratings and, when any calibrated rating is
// present, a second one for the calibrated ratings.
//
// Errors: std::invalid_argument for a (user, item) pair given twice or a
// rating that is not finite: which of two answers counts would be a guess.
// Pairs that are not test ratings of the protocol are ignored and counted.
// Pure functions; safe from any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/store/run_store.hpp"

namespace lusifer {

enum class MethodKind { kBaseline, kOfflineModel, kSimulator };

std::string_view method_kind_name(MethodKind kind) noexcept;

struct PredictionSet {
  std::string method;  // the row label
  std::string detail;  // settings and provenance, in words
  MethodKind kind = MethodKind::kBaseline;
  std::vector<double> predicted;  // aligned with the protocol's test; NaN: none
};

struct SimulatedRating {
  ExternalId user_id = 0;
  ExternalId item_id = 0;
  double raw = 0;
  std::optional<double> calibrated;
};

struct SimulatorPredictions {
  std::string label;   // "Lusifer simulator: openai/gpt-4o-mini"; see simulator_label
  std::string detail;  // how the run was made (prompts, temperature, ...)
  MethodKind kind = MethodKind::kSimulator;
  std::vector<SimulatedRating> ratings;
};

// "Lusifer simulator: <backend>/<model>".
std::string simulator_label(std::string_view backend, std::string_view model);

// The evaluation rows of a run store's feedback (those outside episodes,
// episode == -1), keyed by their user and item ids.
SimulatorPredictions simulator_predictions_from_feedback(std::span<const FeedbackRow> feedback,
                                                         std::string label, std::string detail);

struct AlignmentCounts {
  std::size_t matched = 0;     // test ratings with a prediction
  std::size_t missing = 0;     // test ratings without
  std::size_t not_tested = 0;  // predictions for pairs outside the protocol's test
};

// The raw set ("<label>, raw"), then the calibrated one ("<label>,
// calibrated") when any rating has a calibrated value. `counts` (optional)
// receives the raw set's alignment.
std::vector<PredictionSet> align_simulator_predictions(const Dataset& dataset,
                                                       const EvaluationProtocol& protocol,
                                                       const SimulatorPredictions& predictions,
                                                       AlignmentCounts* counts = nullptr);

}  // namespace lusifer
