#pragma once

// The machine-readable names that tie a prompt, its answer and the task
// behind it together: item keys, the user tag and the response schema names.
//
// Every item in a prompt is shown with the key "item_<external id>", and the
// answer uses the same keys, so answers map back to items without fuzzy title
// matching, and a mock LLM server can rebuild the task from the request alone
// (task_from_request.hpp). The user is named in ChatRequest::user as
// "lusifer-user-<external id>". External ids, not dense indices, because they
// are what the dataset files and the run store use.
//
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/dataset.hpp"
#include "engine/sim/llm_task.hpp"

namespace lusifer {

inline constexpr std::string_view kItemKeyPrefix = "item_";
inline constexpr std::string_view kUserTagPrefix = "lusifer-user-";

// "item_42".
std::string item_key(ExternalId item);
// The id in "item_42"; nullopt for anything else (no sign other than '-',
// no spaces, no trailing text, no overflow).
std::optional<ExternalId> parse_item_key(std::string_view key) noexcept;

// "lusifer-user-7".
std::string user_tag(ExternalId user);
std::optional<ExternalId> parse_user_tag(std::string_view tag) noexcept;

// The json_schema name of each task kind's answer: "lusifer_create_profile",
// "lusifer_update_profile", "lusifer_rate_items".
std::string_view answer_schema_name(TaskKind kind) noexcept;
std::optional<TaskKind> task_kind_from_schema_name(std::string_view name) noexcept;

// `items` without repeats, first occurrences kept in order: a prompt, its
// schema and its answer name each candidate once.
std::vector<ItemIndex> unique_candidates(const std::vector<ItemIndex>& items);

}  // namespace lusifer
