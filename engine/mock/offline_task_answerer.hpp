#pragma once

// Answers lusifer's prompts with the offline user model (a collaborative-
// filtering simulator, not an LLM), so that runs against the mock LLM server
// over HTTP produce meaningful ratings and profiles.
//
// The task is recovered from the request (engine/sim/task_from_request.hpp,
// with the same prompt templates the client used), then mapped onto the
// dataset: the user from ChatRequest::user ("lusifer-user-<id>"; a request
// without it, as vLLM and Ollama bodies are, is answered as a user the model
// knows nothing about), items and history by external id, and the profile so
// far from the offline profile paragraph in the task message (a profile the
// offline model did not write is not readable, and the user starts afresh,
// as offline_backend.hpp describes). The answer is the offline backend's JSON
// content. Ids the dataset does not know are left out of the answer, as a
// model that cannot rate them would.
//
// Requests that are not lusifer tasks get nullopt. The dataset, model and
// templates must outlive the answerer. Thread-safe (the model is immutable).

#include <optional>
#include <string>
#include <string_view>

#include "engine/data/dataset.hpp"
#include "engine/mock/task_answerer.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "engine/sim/prompt_templates.hpp"
#include "engine/sim/task_from_request.hpp"

namespace lusifer::mock {

class OfflineTaskAnswerer final : public TaskAnswerer {
 public:
  OfflineTaskAnswerer(const OfflineUserModel& model, const PromptTemplates& templates);

  std::optional<std::string> answer(std::string_view body) const override;
  std::string_view name() const noexcept override { return "offline-cf"; }

  // The task in terms of the dataset (exposed for tests).
  LlmTask to_task(const RecoveredTask& recovered, std::string_view task_message) const;

 private:
  const OfflineUserModel& model_;
  const PromptTemplates& templates_;
};

// The offline profile paragraph quoted in `message` (from its marker to the
// next blank line), or empty when there is none.
std::string_view quoted_offline_profile(std::string_view message) noexcept;

}  // namespace lusifer::mock
