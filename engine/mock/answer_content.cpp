#include "engine/mock/answer_content.hpp"

#include <vector>

#include <simdjson.h>

#include "engine/core/json_writer.hpp"
#include "engine/mock/byte_hash.hpp"
#include "engine/mock/filler_text.hpp"
#include "engine/mock/schema_filler.hpp"
#include "engine/mock/shape_filler.hpp"

namespace lusifer::mock {
namespace {

std::string_view last_user_message(const ChatRequestView& request) noexcept {
  for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
    if (it->role == "user")
      return it->content;
  }
  return request.messages.empty() ? std::string_view{} : request.messages.back().content;
}

}  // namespace

AnswerContent::AnswerContent(std::shared_ptr<const TaskAnswerer> answerer, std::uint64_t seed)
    : answerer_(std::move(answerer)), seed_(seed) {}

void AnswerContent::write(const ChatRequestView& request, std::string_view body, int choice,
                          std::string& out) const {
  out.clear();
  // The first choice is the task's answer; further ones (n > 1) vary it.
  if (answerer_ && choice == 0) {
    if (auto answer = answerer_->answer(body)) {
      out = std::move(*answer);
      return;
    }
  }
  Rng rng(derive_seed(derive_seed(seed_, hash_bytes(body)), static_cast<std::uint64_t>(choice)));
  if (request.format == FormatKind::kJsonSchema && request.schema) {
    fill_schema(out, *request.schema, rng);
    return;
  }
  if (auto shaped = fill_answer_shape(last_user_message(request), rng)) {
    out = std::move(*shaped);
    return;
  }
  if (request.format != FormatKind::kText) {
    std::string prose;
    append_prose(prose, rng, 1 + static_cast<int>(rng.uniform_index(2)));
    JsonWriter(out).begin_object().field("answer", prose).end_object();
    return;
  }
  append_prose(out, rng, 2 + static_cast<int>(rng.uniform_index(3)));
}

void spoil_content(std::string& content, Rng& rng) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (rng.bernoulli(0.5) &&
      parser.parse(content.data(), content.size(), true).get(root) == simdjson::SUCCESS &&
      root.get_object().get(object) == simdjson::SUCCESS && object.size() >= 2) {
    const std::size_t members = object.size();
    const std::size_t drop = 1 + rng.uniform_index((members + 1) / 2);
    std::vector<bool> dropped(members, false);
    for (std::size_t k = 0; k < drop; ++k) {
      std::size_t i = rng.uniform_index(members);
      while (dropped[i])
        i = (i + 1) % members;
      dropped[i] = true;
    }
    std::string out;
    JsonWriter json(out);
    json.begin_object();
    std::size_t i = 0;
    for (auto [key, value] : object) {
      if (!dropped[i++])
        json.key(key).raw(simdjson::minify(value));
    }
    json.end_object();
    content = std::move(out);
    return;
  }
  content = "Here is what I think about it. ";
  append_prose(content, rng, 2);
}

}  // namespace lusifer::mock
