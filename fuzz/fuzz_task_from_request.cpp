// Fuzzes the mock LLM server's reading of request bodies: the whole input is
// a chat-completions request body, as any client may send it, read back
// into the task behind it with the repository's prompt templates
// (config/prompts).
//
// task_from_request_body may refuse a body that lusifer's prompt builder did
// not make (std::invalid_argument, see task_from_request.hpp); anything else
// it throws, and any crash, is a bug. For the tasks it does recover the
// harness checks the header's promises: a rating task names candidates and
// history ratings are finite numbers.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "engine/sim/prompt_templates.hpp"
#include "engine/sim/task_from_request.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;

const PromptTemplates& templates() {
  static const PromptTemplates kTemplates = PromptTemplates::load(LUSIFER_PROMPTS_DIR);
  return kTemplates;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)templates();  // a broken template directory fails here, not as a "crash" of an input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  RecoveredTask task;
  try {
    task = task_from_request_body(body, templates());
  } catch (const std::invalid_argument&) {
    return 0;  // not a request lusifer's builder made: refused, as documented
  }
  LUSIFER_FUZZ_CHECK(task.kind != TaskKind::kRateItems || !task.candidates.empty(),
                     "a recovered rating task names its candidates");
  LUSIFER_FUZZ_CHECK(task.kind == TaskKind::kRateItems || task.candidates.empty(),
                     "only rating tasks have candidates");
  LUSIFER_FUZZ_CHECK(task.repair_attempt >= 0, "the repair attempt is never negative");
  for (const auto& rated : task.history)
    LUSIFER_FUZZ_CHECK(std::isfinite(rated.rating), "history ratings are finite numbers");
  if (task.scale) {
    LUSIFER_FUZZ_CHECK(task.scale->min <= task.scale->max && task.scale->step > 0,
                       "a recovered scale is ordered with a positive step");
  }
  return 0;
}
