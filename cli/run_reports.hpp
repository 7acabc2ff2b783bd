#pragma once

// What the run commands print for people at the end of a phase.

#include "actors/simulation_runner.hpp"

namespace lusifer::cli {

void print_profile_report(const ProfilePhaseReport& report);
void print_evaluation_pass_report(const EvaluationPassReport& report);

}  // namespace lusifer::cli
