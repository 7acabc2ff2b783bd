#include "cli/run_reports.hpp"

#include <iostream>

#include <fmt/format.h>

namespace lusifer::cli {

void print_profile_report(const ProfilePhaseReport& r) {
  std::cout << fmt::format(
      "profiles: {} of {} users built ({} from demographics alone), {} failed, {:.1f} s\n", r.built,
      r.users, r.cold_start, r.failed, r.seconds);
  for (const auto& [user, reason] : r.failures) {
    std::cout << fmt::format("  user {}: {}\n", user, reason);
  }
}

void print_evaluation_pass_report(const EvaluationPassReport& r) {
  std::cout << fmt::format(
      "simulated ratings: {} for {} users in {} requests, {} requests failed, {} test items "
      "unrated, {} users calibrated, {:.1f} s\n",
      r.predictions.ratings.size(), r.users, r.requests, r.failed_requests, r.missing_items,
      r.calibrated_users, r.seconds);
  for (const auto& reason : r.failures)
    std::cout << "  " << reason << '\n';
}

}  // namespace lusifer::cli
