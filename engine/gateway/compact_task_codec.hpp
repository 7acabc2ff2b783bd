#pragma once

// A small TaskCodec that needs no dataset and no prompt templates: the
// gateway's own integration tests and load benchmarks drive the pool with it.
// It renders a task as a json_object request of roughly `prompt_bytes` bytes
// whose last user message shows the answer's shape, as lusifer's prompts do:
//
//   {"item_12": {"explanation": "...", "rating": <one of: 1, 2, 3, 4, 5>}, ...}
//   {"profile": "...", "change": ""}
//
// and reads answers of that shape: ratings 1..5 for the candidates (a
// candidate without a valid rating is missing), or a non-empty profile. A
// repair (repair_attempt > 0) quotes the problem, so its request differs.
// The simulation's real codec is PromptCodec; rendering its prompts costs more
// and is measured on its own.
//
// Thread-safe: const calls keep their scratch state per thread.

#include <cstddef>

#include "engine/gateway/task_codec.hpp"

namespace lusifer {

class CompactTaskCodec final : public TaskCodec {
 public:
  // `prompt_bytes`: the size the system message pads the request body to
  // (about; a task with many items or interactions makes it larger).
  explicit CompactTaskCodec(std::size_t prompt_bytes = 1'000);

  llm::ChatRequest render(const LlmTask& task) const override;
  LlmTaskResult read(const LlmTask& task, std::string_view content) const override;

 private:
  std::size_t prompt_bytes_;
};

}  // namespace lusifer
