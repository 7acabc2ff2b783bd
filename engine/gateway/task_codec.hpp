#pragma once

// How the gateway turns a simulation task into a chat request and an LLM's
// answer back into a typed result. The simulation provides it (its prompt
// templates and tolerant answer parser); the gateway only moves tasks.
//
// Implementations must be thread-safe for concurrent const calls: every
// gateway actor of a pool uses the same codec.

#include <string_view>

#include "engine/llm/chat_request.hpp"
#include "engine/sim/llm_task.hpp"

namespace lusifer {

class TaskCodec {
 public:
  virtual ~TaskCodec() = default;

  // The request that asks an LLM for `task`: messages, response format,
  // and `user` naming the simulated user. Model and sampling parameters are
  // the gateway's to set.
  virtual llm::ChatRequest render(const LlmTask& task) const = 0;

  // Reads an answer's content. Never throws for a bad answer: what could not
  // be read is reported in the result (problem, missing items).
  virtual LlmTaskResult read(const LlmTask& task, std::string_view content) const = 0;
};

}  // namespace lusifer
