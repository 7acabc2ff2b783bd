#pragma once

// The offline model's predictions for a protocol, computed directly (no user
// actors, no gateway): the model is fitted on the protocol's training
// ratings, and every test pair is scored by a fresh user state (no drift), as
// the rate task of a user whose profile was built from those same training
// ratings does (tests/offline checks that the task path gives the same
// ratings).
//
// Raw: the model's raw score, the number before it is rounded to the scale
// (what a rating-prediction metric should see; round it with the table's
// rounding option to get the rating it answers). Calibrated: the raw score
// mapped per user by RatingCalibration, fitted on TRAINING data only: the
// model's raw scores of each user's training items against the user's real
// training ratings. No test rating enters the model or the calibration.
//
// The offline model is NOT an LLM; its rows say so ("offline model (not an
// LLM)"). Item texts joined to the dataset feed its content terms.
// Errors: those of OfflineUserModel and RatingCalibration. Deterministic for
// the options (seeds included).

#include "engine/data/dataset.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/prediction_set.hpp"
#include "engine/sim/calibration.hpp"
#include "engine/sim/offline_user_model.hpp"

namespace lusifer {

struct OfflineEvaluationOptions {
  OfflineModelOptions model;
  CalibrationOptions calibration;
};

// The row label of the offline model.
inline constexpr std::string_view kOfflineModelLabel = "offline model (not an LLM)";

SimulatorPredictions offline_model_predictions(const Dataset& dataset,
                                               const EvaluationProtocol& protocol,
                                               const OfflineEvaluationOptions& options = {});

}  // namespace lusifer
