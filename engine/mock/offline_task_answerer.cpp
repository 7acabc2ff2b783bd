#include "engine/mock/offline_task_answerer.hpp"

#include <exception>

#include <simdjson.h>

#include "engine/sim/offline_backend.hpp"
#include "engine/sim/offline_profile.hpp"

namespace lusifer::mock {
namespace {

// The text of the first user message of a chat body; empty when there is none.
std::string first_user_message(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS)
    return {};
  simdjson::dom::array messages;
  if (root["messages"].get_array().get(messages) != simdjson::SUCCESS)
    return {};
  for (simdjson::dom::element message : messages) {
    std::string_view role;
    if (message["role"].get_string().get(role) != simdjson::SUCCESS || role != "user")
      continue;
    std::string_view text;
    if (message["content"].get_string().get(text) == simdjson::SUCCESS)
      return std::string(text);
    std::string joined;
    simdjson::dom::array parts;
    if (message["content"].get_array().get(parts) == simdjson::SUCCESS) {
      for (simdjson::dom::element part : parts) {
        std::string_view type;
        if (part["type"].get_string().get(type) == simdjson::SUCCESS && type == "text" &&
            part["text"].get_string().get(text) == simdjson::SUCCESS)
          joined += text;
      }
    }
    return joined;
  }
  return {};
}

}  // namespace

std::string_view quoted_offline_profile(std::string_view message) noexcept {
  const auto start = message.find(kOfflineProfileMarker);
  if (start == std::string_view::npos)
    return {};
  std::string_view rest = message.substr(start);
  const auto end = rest.find("\n\n");
  if (end != std::string_view::npos)
    rest = rest.substr(0, end);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == ' '))
    rest.remove_suffix(1);
  return rest;
}

OfflineTaskAnswerer::OfflineTaskAnswerer(const OfflineUserModel& model,
                                         const PromptTemplates& templates)
    : model_(model), templates_(templates) {}

LlmTask OfflineTaskAnswerer::to_task(const RecoveredTask& recovered,
                                     std::string_view task_message) const {
  const Dataset& dataset = model_.dataset();
  const Catalog& catalog = dataset.catalog();
  // Unknown ids map just past the end: the offline backend leaves such items
  // out of its answer, and treats such a user as one it knows nothing about.
  const auto item_index = [&](ExternalId id) {
    return catalog.find(id).value_or(static_cast<ItemIndex>(catalog.size()));
  };
  LlmTask task;
  task.kind = recovered.kind;
  task.user = static_cast<UserIndex>(dataset.user_count());
  if (recovered.user) {
    if (const auto user = dataset.find_user(*recovered.user))
      task.user = *user;
  }
  if (task.kind != TaskKind::kCreateProfile)
    task.profile = std::string(quoted_offline_profile(task_message));
  task.interactions.reserve(recovered.history.size());
  for (const auto& rated : recovered.history) {
    task.interactions.push_back(
        {item_index(rated.item), static_cast<float>(rated.rating), std::int64_t{0}});
  }
  task.candidates.reserve(recovered.candidates.size());
  for (const ExternalId id : recovered.candidates)
    task.candidates.push_back(item_index(id));
  task.repair_attempt = recovered.repair_attempt;
  return task;
}

std::optional<std::string> OfflineTaskAnswerer::answer(std::string_view body) const {
  try {
    const RecoveredTask recovered = task_from_request_body(body, templates_);
    const LlmTask task = to_task(recovered, first_user_message(body));
    return answer_offline_task_json(model_, task);
  } catch (const std::exception&) {
    // Not one of lusifer's tasks (or not answerable): the server's fillers take over.
    return std::nullopt;
  }
}

}  // namespace lusifer::mock
