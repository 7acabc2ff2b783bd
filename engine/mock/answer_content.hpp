#pragma once

// The message content the mock LLM server answers with, and how the
// wrong_content fault spoils it. Internal to engine/mock.
//
// Content is decided in this order:
//   1. a TaskAnswerer, when one is configured and recognises the request
//      (lusifer's tasks answered by the offline model);
//   2. json_schema with a schema: a seeded instance of the schema;
//   3. json_object, or json_schema without a schema: the answer shape the
//      last user message shows, filled in (shape_filler.hpp); without one,
//      {"answer": "<prose>"};
//   4. text: the shape the last user message shows when there is one (a
//      prompt that asks for JSON gets JSON, as from a capable model), else
//      two to four sentences of prose.
// The seed of the fillers is derived from the server's seed, the request
// body and the choice index, so the same request always gets the same
// answer (as at temperature 0), whatever the arrival order.
//
// Thread-safe (the answerer must be); no exceptions except std::bad_alloc.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/random.hpp"
#include "engine/mock/chat_request_reader.hpp"
#include "engine/mock/task_answerer.hpp"

namespace lusifer::mock {

class AnswerContent {
 public:
  AnswerContent(std::shared_ptr<const TaskAnswerer> answerer, std::uint64_t seed);

  // Writes the content of choice `choice` for `request` (whose body is `body`) into `out`.
  void write(const ChatRequestView& request, std::string_view body, int choice,
             std::string& out) const;

  bool has_answerer() const noexcept { return answerer_ != nullptr; }

 private:
  std::shared_ptr<const TaskAnswerer> answerer_;
  std::uint64_t seed_;
};

// Spoils `content` for the wrong_content fault: a JSON object with several
// members loses some of them (at least one, at most half, rounded up) half of
// the time; otherwise, and for anything else, the content becomes prose
// without any JSON in it.
void spoil_content(std::string& content, Rng& rng);

}  // namespace lusifer::mock
