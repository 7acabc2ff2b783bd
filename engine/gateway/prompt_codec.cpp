#include "engine/gateway/prompt_codec.hpp"

#include "engine/sim/answer_parser.hpp"

namespace lusifer {

PromptCodec::PromptCodec(const Dataset& dataset, PromptTemplates templates, PromptOptions options)
    : dataset_(dataset),
      templates_(std::make_unique<const PromptTemplates>(std::move(templates))),
      builder_(dataset, *templates_, options) {}

llm::ChatRequest PromptCodec::render(const LlmTask& task) const {
  return builder_.build(task);
}

LlmTaskResult PromptCodec::read(const LlmTask& task, std::string_view content) const {
  return parse_task_answer(content, task, dataset_).result;
}

}  // namespace lusifer
