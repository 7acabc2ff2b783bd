#pragma once

// Reverse parsing, for the mock LLM server: given a request the prompt
// builder produced (as a ChatRequest or as the JSON body sent on the wire),
// recover the task behind it, so the mock can answer like a model would
// without any shared state with the client.
//
// What is read from where:
//   kind        the response schema's name (lusifer_create_profile, ...), or,
//               where the body carries no schema (a json_object fallback),
//               the answer shape the prompt always shows (answer_schema.hpp);
//   user        ChatRequest::user, "lusifer-user-<id>" (absent in bodies for
//               servers that do not take `user`, e.g. vLLM and Ollama);
//   candidates  rate tasks: the schema's required "item_<id>" keys, or the
//               keys of the answer shape; for a repair request, the items
//               asked again;
//   scale       rate tasks: the rating enum of the schema, or the levels
//               written in the answer shape;
//   history     the rated items of the task message, read with the
//               history_item.txt template the request was built with (its
//               {{key}} and {{rating}} lines): the batch of a profile task,
//               the recent ratings of a rate task.
//
// Requests not made by the builder (no schema name or shape of ours) are a
// std::invalid_argument naming what is missing; so is a body that is not a
// chat-completions JSON object. Pure and thread-safe.

#include <optional>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/llm/chat_request.hpp"
#include "engine/sim/llm_task.hpp"
#include "engine/sim/prompt_templates.hpp"

namespace lusifer {

struct RecoveredTask {
  struct RatedItem {
    ExternalId item = 0;
    double rating = 0.0;
  };

  TaskKind kind = TaskKind::kRateItems;
  std::optional<ExternalId> user;
  std::vector<ExternalId> candidates;  // rate tasks, in the order asked
  std::vector<RatedItem> history;      // oldest first, as in the prompt
  std::optional<RatingScale> scale;    // rate tasks
  // Above 0 for a repair: the turns after the task message (an assistant
  // turn quoting the bad answer and/or the repair message).
  int repair_attempt = 0;

  // A create task without history: the profile rests on demographics alone.
  bool cold_start() const noexcept { return kind == TaskKind::kCreateProfile && history.empty(); }
};

RecoveredTask task_from_request(const llm::ChatRequest& request, const PromptTemplates& templates);

// The same from a chat-completions request body (any backend's dialect).
RecoveredTask task_from_request_body(std::string_view body, const PromptTemplates& templates);

}  // namespace lusifer
