#pragma once

// Prompt templates: the text of every prompt lives in files a user can edit
// (config/prompts/*.txt), not in code. This is their tiny language and their
// loader.
//
// The language has no logic, only substitution:
//   {{name}}        replaced by a value; spaces inside the braces are allowed
//   {{! comment }}  removed; a line holding only comments disappears entirely
//   any other text  kept as written
// Rendering drops every line that has placeholders which all render empty
// ("Tags: {{tags}}" vanishes for an item without tags), so optional facts need
// no conditionals. Trailing blank lines of a file are ignored; CRLF files and
// a UTF-8 byte-order mark are accepted.
//
// Each template file has a fixed set of placeholders it may use and some it
// must use (see template_file_name and the README in config/prompts).
// Everything is checked at load time, so a typo never reaches an LLM: a
// placeholder that is unknown or not available in that file, an unclosed
// "{{", invalid UTF-8, a missing required placeholder, or a task template
// that puts a variable part before a stable one is an InputError naming the
// file and line.
//
// Why the order check: providers cache prompt prefixes (OpenAI from 1,024
// tokens, vLLM's prefix cache), so the parts that repeat across calls must
// come first. In the task templates the ranks are: {{user}} (stable for a
// user) < {{profile}} (changes once per profile update) < {{history}} and
// {{recent_ratings}} < {{candidates}} < {{answer_shape}} (changes every call).
// The scale placeholders are the same for a whole run and may appear anywhere.
//
// Loaded templates are immutable; rendering is const and thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/input_error.hpp"

namespace lusifer {

enum class Placeholder : std::uint8_t {
  // The dataset's rating scale; available in every template.
  kScaleMin,
  kScaleMax,
  kScaleStep,
  kScaleLevels,  // "1, 2, 3, 4, 5"
  // Task templates.
  kUser,           // the rendered user.txt (demographics)
  kProfile,        // block: the profile so far
  kHistory,        // block: history_item.txt per rating, oldest first
  kRecentRatings,  // block: the same, for rate tasks
  kCandidates,     // block: item.txt per item to rate
  kAnswerShape,    // the JSON the answer must have
  // The repair template.
  kProblem,       // what was wrong with the previous answer
  kMissingItems,  // block: the items still to rate
  // Item templates.
  kKey,  // item_<id>
  kTitle,
  kYear,
  kGenres,
  kOverview,
  kTags,
  kRating,  // history items only
  // The user template.
  kAge,
  kGender,
  kOccupation,
};
inline constexpr std::size_t kPlaceholderCount = 22;

// The name written between the braces: "scale_min", "recent_ratings"...
std::string_view placeholder_name(Placeholder placeholder) noexcept;
std::optional<Placeholder> placeholder_from_name(std::string_view name) noexcept;

// One value per placeholder; unset ones render empty. Holds views: the
// strings must outlive the render call.
class PlaceholderValues {
 public:
  void set(Placeholder placeholder, std::string_view value) noexcept {
    values_[static_cast<std::size_t>(placeholder)] = value;
  }
  std::string_view get(Placeholder placeholder) const noexcept {
    return values_[static_cast<std::size_t>(placeholder)];
  }

 private:
  std::array<std::string_view, kPlaceholderCount> values_{};
};

enum class TemplateKind : std::uint8_t {
  kSystem,            // system.txt: the system message, the same for every call
  kCreateProfile,     // create_profile.txt: the first history batch
  kColdStartProfile,  // cold_start_profile.txt: a user without history
  kUpdateProfile,     // update_profile.txt: a later history batch
  kRateItems,         // rate_items.txt
  kRepair,            // repair.txt: the follow-up after a bad answer
  kUser,              // user.txt: demographics
  kItem,              // item.txt: an item to rate
  kHistoryItem,       // history_item.txt: an item the user rated
};
inline constexpr std::size_t kTemplateKindCount = 9;

// "system.txt", "create_profile.txt", ...
std::string_view template_file_name(TemplateKind kind) noexcept;
// The placeholders `kind` may use, and those it must use.
std::span<const Placeholder> allowed_placeholders(TemplateKind kind) noexcept;
std::span<const Placeholder> required_placeholders(TemplateKind kind) noexcept;

class PromptTemplate {
 public:
  struct Segment {
    std::string literal;  // text, when placeholder is unset
    std::optional<Placeholder> placeholder;
  };
  struct Line {
    std::size_t number = 0;  // 1-based line in the file
    std::vector<Segment> segments;
    bool has_placeholder = false;
  };

  // Parses `text` as template `kind`; `file` names it in errors.
  static PromptTemplate parse(std::string_view text, std::string file, TemplateKind kind);

  // Appends the rendering to `out`.
  void render(std::string& out, const PlaceholderValues& values) const;
  std::string render(const PlaceholderValues& values) const;
  // True when every placeholder the template uses renders empty.
  bool all_placeholders_empty(const PlaceholderValues& values) const noexcept;
  bool uses(Placeholder placeholder) const noexcept;

  TemplateKind kind() const noexcept { return kind_; }
  const std::string& file() const noexcept { return file_; }
  // The lines kept after parsing (comment-only and trailing blank lines gone).
  const std::vector<Line>& lines() const noexcept { return lines_; }

 private:
  TemplateKind kind_ = TemplateKind::kSystem;
  std::string file_;
  std::vector<Line> lines_;
};

class PromptTemplates {
 public:
  // Loads every template file from `directory`. Throws InputError for a
  // missing or unreadable file and for any problem listed above.
  static PromptTemplates load(const std::filesystem::path& directory);

  const PromptTemplate& get(TemplateKind kind) const noexcept {
    return templates_[static_cast<std::size_t>(kind)];
  }
  const std::filesystem::path& directory() const noexcept { return directory_; }

 private:
  std::filesystem::path directory_;
  std::array<PromptTemplate, kTemplateKindCount> templates_;
};

}  // namespace lusifer
