#include "engine/sim/prompt_keys.hpp"

#include <charconv>
#include <unordered_set>

namespace lusifer {
namespace {

std::optional<ExternalId> parse_id_after(std::string_view text, std::string_view prefix) noexcept {
  if (!text.starts_with(prefix))
    return std::nullopt;
  text.remove_prefix(prefix.size());
  if (text.empty() || text.front() == '+')
    return std::nullopt;
  ExternalId id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return id;
}

}  // namespace

std::string item_key(ExternalId item) {
  std::string key(kItemKeyPrefix);
  key += std::to_string(item);
  return key;
}

std::optional<ExternalId> parse_item_key(std::string_view key) noexcept {
  return parse_id_after(key, kItemKeyPrefix);
}

std::string user_tag(ExternalId user) {
  std::string tag(kUserTagPrefix);
  tag += std::to_string(user);
  return tag;
}

std::optional<ExternalId> parse_user_tag(std::string_view tag) noexcept {
  return parse_id_after(tag, kUserTagPrefix);
}

std::string_view answer_schema_name(TaskKind kind) noexcept {
  switch (kind) {
    case TaskKind::kCreateProfile:
      return "lusifer_create_profile";
    case TaskKind::kUpdateProfile:
      return "lusifer_update_profile";
    case TaskKind::kRateItems:
      return "lusifer_rate_items";
  }
  return "lusifer_rate_items";
}

std::optional<TaskKind> task_kind_from_schema_name(std::string_view name) noexcept {
  for (const auto kind :
       {TaskKind::kCreateProfile, TaskKind::kUpdateProfile, TaskKind::kRateItems}) {
    if (answer_schema_name(kind) == name)
      return kind;
  }
  return std::nullopt;
}

std::vector<ItemIndex> unique_candidates(const std::vector<ItemIndex>& items) {
  std::vector<ItemIndex> unique;
  unique.reserve(items.size());
  std::unordered_set<ItemIndex> seen;
  for (const auto item : items) {
    if (seen.insert(item).second)
      unique.push_back(item);
  }
  return unique;
}

}  // namespace lusifer
