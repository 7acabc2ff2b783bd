#include "engine/mock/fault_plan.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace lusifer::mock {
namespace {

constexpr std::array<std::string_view, kFaultKindCount> kNames = {
    "none",          "rate_limit",         "server_error",
    "overloaded",    "insufficient_quota", "connection_reset",
    "hang",          "truncated_body",     "malformed_json",
    "wrong_content", "model_loading"};

}  // namespace

std::string_view fault_kind_name(FaultKind kind) noexcept {
  return kNames[static_cast<std::size_t>(kind)];
}

std::optional<FaultKind> parse_fault_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name)
      return static_cast<FaultKind>(i);
  }
  return std::nullopt;
}

FaultPlan::FaultPlan(const FaultRates& rates) {
  const auto check = [](std::string_view what, double r) {
    if (!std::isfinite(r) || r < 0.0 || r > 1.0)
      throw std::invalid_argument(fmt::format("fault rate {} must be in [0, 1], not {}", what, r));
  };
  check("all", rates.all);
  std::size_t shared_by = 0;
  for (std::size_t i = 1; i < kFaultKindCount; ++i) {
    if (static_cast<FaultKind>(i) != FaultKind::kModelLoading || rates.all_includes_model_loading)
      ++shared_by;
  }
  for (std::size_t i = 1; i < kFaultKindCount; ++i) {
    const auto kind = static_cast<FaultKind>(i);
    check(fault_kind_name(kind), rates.rate[i]);
    double r = rates.rate[i];
    if (kind != FaultKind::kModelLoading || rates.all_includes_model_loading)
      r += rates.all / static_cast<double>(shared_by);
    effective_[i] = r;
    total_ += r;
  }
  if (total_ > 1.0 + 1e-9) {
    throw std::invalid_argument(
        fmt::format("the fault rates add up to {}, more than 1 (every request)", total_));
  }
}

FaultKind FaultPlan::draw(Rng& rng) const noexcept {
  const double u = rng.uniform01();
  if (total_ <= 0.0 || u >= total_)
    return FaultKind::kNone;
  double cumulative = 0.0;
  for (std::size_t i = 1; i < kFaultKindCount; ++i) {
    cumulative += effective_[i];
    if (u < cumulative)
      return static_cast<FaultKind>(i);
  }
  return FaultKind::kNone;
}

}  // namespace lusifer::mock
