#pragma once

// Turns a structured task (llm_task.hpp) into a chat-completions request,
// using the prompt templates (prompt_templates.hpp), and builds the repair
// request that follows a bad answer.
//
// Every request is [system, user]: the system message is the same for every
// call of a run; the user message renders the task's template. Repairs add
// turns after those two (see build and build_repair). Templates put
// stable parts first and variable parts last (checked when they load), so
// the prefix that providers cache (OpenAI from 1,024 tokens, vLLM's prefix
// cache) is: system message, task instructions, the user's demographics,
// their profile; then come the history or recent ratings, the candidates and
// the answer shape. A repair request appends the bad answer (assistant turn)
// and the repair message to the original two, so it reuses that prefix too.
//
// Items appear as "item_<external id>" with title, year, genres, text (cut to
// PromptOptions::overview_chars) and tags; history items add the user's
// rating. The request names the user in ChatRequest::user as
// "lusifer-user-<external id>". The response format is the answer's JSON
// schema (strict) and the prompt always shows the answer shape as well (see
// answer_schema.hpp). The builder sets max_output_tokens from the task's
// size; model, temperature and seed are the caller's (the gateway's) to set.
//
// Block placeholders ({{profile}}, {{history}}, {{recent_ratings}},
// {{candidates}}, {{missing_items}}) render with each entry on a new line,
// starting with a line break, so a template writes them at the end of their
// heading's line ("Current profile:{{profile}}") and an empty block takes its
// heading with it.
//
// The builder keeps references to the dataset and the templates, which must
// outlive it. build* are const and thread-safe. Tasks that cannot be rendered
// (a rate task without candidates, an update task without a profile or
// ratings) throw std::invalid_argument; indices outside the dataset throw
// std::out_of_range.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/llm/chat_request.hpp"
#include "engine/sim/llm_task.hpp"
#include "engine/sim/prompt_templates.hpp"

namespace lusifer {

enum class RatingAnswerFormat {
  kJsonSchema,  // the per-call schema of the candidate keys (default)
  kJsonObject,  // JSON mode only: the request's prefix stays the same across
                // candidates on OpenAI, at the cost of schema enforcement
};

struct PromptOptions {
  std::size_t overview_chars = 400;  // characters of item text; 0 leaves text out
  std::size_t max_tags = 8;          // most frequent tags first; 0 leaves tags out
  std::int64_t profile_max_output_tokens = 1000;
  // Rate tasks: base + per_item * items. An explanation of one or two
  // sentences plus its JSON takes 50-80 tokens.
  std::int64_t rating_max_output_tokens_base = 50;
  std::int64_t rating_max_output_tokens_per_item = 100;
  // How much of a bad answer the repair request quotes back, in characters.
  std::size_t repair_quote_chars = 2000;
  RatingAnswerFormat rating_format = RatingAnswerFormat::kJsonSchema;
};

class PromptBuilder {
 public:
  PromptBuilder(const Dataset& dataset, const PromptTemplates& templates,
                PromptOptions options = {});

  // The request for `task`. A task with repair_attempt > 0 is a repair as
  // the gateway makes it (candidates: the items still missing; `problem`:
  // what was wrong): the task message is followed by the repair message,
  // which quotes the problem and asks for those items in the same shape.
  llm::ChatRequest build(const LlmTask& task) const;

  // The follow-up to `task` after `bad_answer` parsed into `bad` (see
  // answer_parser.hpp): the original request, the bad answer as the
  // assistant's turn (cut to repair_quote_chars; left out when blank) and a
  // user turn that quotes bad.problem and asks again, in the same JSON shape,
  // for the missing parts only: the items in bad.missing for rate tasks (all
  // candidates when it is empty), the whole profile for profile tasks. The
  // schema then lists only those items.
  llm::ChatRequest build_repair(const LlmTask& task, std::string_view bad_answer,
                                const LlmTaskResult& bad) const;

  // The parts, for inspection and tests.
  const std::string& system_message() const noexcept { return system_message_; }
  std::string render_user(UserIndex user) const;
  std::string render_item(ItemIndex item) const;
  std::string render_history_item(const Interaction& interaction) const;

  const PromptOptions& options() const noexcept { return options_; }

 private:
  struct ScaleText {
    std::string min, max, step, levels;
  };

  void set_scale(PlaceholderValues& values) const;
  llm::ChatRequest build_first(const LlmTask& task) const;
  std::string render_repair_message(TaskKind kind, std::string_view problem,
                                    const std::vector<ItemIndex>& missing) const;
  void append_item(std::string& out, ItemIndex item, const Interaction* rated) const;
  std::string render_block_of_history(const std::vector<Interaction>& interactions) const;
  std::string render_block_of_items(const std::vector<ItemIndex>& items) const;
  std::string render_task_message(const LlmTask& task,
                                  const std::vector<ItemIndex>& candidates) const;
  llm::ResponseFormat response_format(TaskKind kind, const std::vector<ItemIndex>& items) const;
  std::int64_t max_output_tokens(TaskKind kind, std::size_t items) const;
  void check_task(const LlmTask& task) const;

  const Dataset& dataset_;
  const PromptTemplates& templates_;
  PromptOptions options_;
  ScaleText scale_;
  std::string system_message_;
  llm::ResponseFormat create_profile_format_;
  llm::ResponseFormat update_profile_format_;
};

}  // namespace lusifer
