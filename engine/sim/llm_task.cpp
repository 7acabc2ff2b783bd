#include "engine/sim/llm_task.hpp"

namespace lusifer {

std::string_view task_kind_name(TaskKind kind) noexcept {
  switch (kind) {
    case TaskKind::kCreateProfile: return "create-profile";
    case TaskKind::kUpdateProfile: return "update-profile";
    case TaskKind::kRateItems: return "rate-items";
  }
  return "unknown";
}

}  // namespace lusifer
