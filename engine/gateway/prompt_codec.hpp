#pragma once

// The TaskCodec of the simulation: tasks rendered with the prompt templates
// (engine/sim/prompt_builder.hpp) and answers read by the tolerant parser
// (engine/sim/answer_parser.hpp).

#include <memory>

#include "engine/data/dataset.hpp"
#include "engine/gateway/task_codec.hpp"
#include "engine/sim/prompt_builder.hpp"
#include "engine/sim/prompt_templates.hpp"

namespace lusifer {

class PromptCodec final : public TaskCodec {
 public:
  // `dataset` must outlive the codec.
  PromptCodec(const Dataset& dataset, PromptTemplates templates, PromptOptions options);

  llm::ChatRequest render(const LlmTask& task) const override;
  LlmTaskResult read(const LlmTask& task, std::string_view content) const override;

 private:
  const Dataset& dataset_;
  std::unique_ptr<const PromptTemplates> templates_;  // PromptBuilder keeps a reference
  PromptBuilder builder_;
};

}  // namespace lusifer
