#include "engine/gateway/compact_task_codec.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <simdjson.h>

namespace lusifer {
namespace {

constexpr std::string_view kInstructions =
    "You play one user of a movie recommender. Rate each candidate movie as this user would, on "
    "a scale of 1 to 5, and explain each rating in one sentence that refers to the user's taste. "
    "Answer with one json object and nothing else. ";

// Filler that stands for the profile and history a real prompt carries.
constexpr std::string_view kContext =
    "The user prefers thoughtful dramas and clever comedies, dislikes loud action, and rates "
    "generously when a film has strong characters. ";

std::string item_key(ItemIndex item) {
  return fmt::format("item_{}", item);
}

}  // namespace

CompactTaskCodec::CompactTaskCodec(std::size_t prompt_bytes) : prompt_bytes_(prompt_bytes) {}

llm::ChatRequest CompactTaskCodec::render(const LlmTask& task) const {
  llm::ChatRequest request;
  std::string system;
  // One allocation instead of one per doubling while the filler is appended.
  system.reserve(std::max(prompt_bytes_, kInstructions.size() + task.profile.size() + 64) +
                 kContext.size());
  system += kInstructions;
  if (!task.profile.empty())
    system += "Profile: " + task.profile + " ";
  for (const auto& seen : task.interactions) {
    fmt::format_to(std::back_inserter(system), "Rated movie {} with {}. ", seen.item, seen.rating);
  }
  while (system.size() + kContext.size() < prompt_bytes_)
    system += kContext;

  std::string user;
  user.reserve(96 + 96 * task.candidates.size());
  if (task.repair_attempt > 0) {
    fmt::format_to(std::back_inserter(user), "Your previous answer was unusable: {}. ",
                   task.problem);
  }
  if (task.kind == TaskKind::kRateItems) {
    user += "Rate these movies. Answer with this json object: {";
    for (std::size_t i = 0; i < task.candidates.size(); ++i) {
      if (i > 0)
        user += ", ";
      fmt::format_to(std::back_inserter(user),
                     R"("item_{}": {{"explanation": "...", "rating": <one of: 1, 2, 3, 4, 5>}})",
                     task.candidates[i]);
    }
    user += "}";
    // About 40 tokens per explained rating, with room to spare.
    request.max_output_tokens = 64 + 96 * static_cast<std::int64_t>(task.candidates.size());
  } else {
    user +=
        R"(Describe the user's taste. Answer with this json object: {"profile": "...", "change": "..."})";
    request.max_output_tokens = 256;
  }
  request.messages.push_back({llm::MessageRole::kSystem, std::move(system)});
  request.messages.push_back({llm::MessageRole::kUser, std::move(user)});
  request.response_format = llm::ResponseFormat::json_object();
  request.user = fmt::format("lusifer-user-{}", task.user);
  return request;
}

LlmTaskResult CompactTaskCodec::read(const LlmTask& task, std::string_view content) const {
  thread_local simdjson::dom::parser parser;
  LlmTaskResult result;
  const auto open = content.find('{');
  const auto close = content.rfind('}');
  simdjson::dom::object root;
  const bool is_object =
      open != std::string_view::npos && close != std::string_view::npos && open < close &&
      parser.parse(simdjson::padded_string(content.substr(open, close - open + 1))).get(root) ==
          simdjson::SUCCESS;
  if (task.kind != TaskKind::kRateItems) {
    std::string_view profile;
    std::string_view change;
    if (is_object && root["profile"].get(profile) == simdjson::SUCCESS && !profile.empty()) {
      result.profile = std::string(profile);
      if (root["change"].get(change) == simdjson::SUCCESS)
        result.change = std::string(change);
    } else {
      result.problem = "the answer had no json object with a non-empty \"profile\"";
    }
    return result;
  }
  for (const ItemIndex item : task.candidates) {
    simdjson::dom::object entry;
    std::int64_t rating = 0;
    double rating_number = 0.0;
    bool ok = is_object && root[item_key(item)].get(entry) == simdjson::SUCCESS;
    if (ok && entry["rating"].get(rating) != simdjson::SUCCESS) {
      ok = entry["rating"].get(rating_number) == simdjson::SUCCESS;
      rating = static_cast<std::int64_t>(rating_number);
    }
    if (ok && rating >= 1 && rating <= 5) {
      std::string_view explanation;
      ItemRating rated{item, static_cast<float>(rating), {}};
      if (entry["explanation"].get(explanation) == simdjson::SUCCESS) {
        rated.explanation = std::string(explanation);
      }
      result.ratings.push_back(std::move(rated));
    } else {
      result.missing.push_back(item);
    }
  }
  if (!result.missing.empty()) {
    result.problem =
        is_object ? fmt::format("{} of the movies had no valid rating", result.missing.size())
                  : std::string("the answer was not a json object");
  }
  return result;
}

}  // namespace lusifer
