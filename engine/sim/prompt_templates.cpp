#include "engine/sim/prompt_templates.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/core/text_encoding.hpp"

namespace lusifer {
namespace {

using P = Placeholder;

constexpr std::array<std::string_view, kPlaceholderCount> kPlaceholderNames = {
    "scale_min",  "scale_max",    "scale_step", "scale_levels",
    "user",       "profile",      "history",    "recent_ratings",
    "candidates", "answer_shape", "problem",    "missing_items",
    "key",        "title",        "year",       "genres",
    "overview",   "tags",         "rating",     "age",
    "gender",     "occupation"};

constexpr std::array<std::string_view, kTemplateKindCount> kFileNames = {
    "system.txt",         "create_profile.txt", "cold_start_profile.txt",
    "update_profile.txt", "rate_items.txt",     "repair.txt",
    "user.txt",           "item.txt",           "history_item.txt"};

#define LUSIFER_SCALE P::kScaleMin, P::kScaleMax, P::kScaleStep, P::kScaleLevels
constexpr Placeholder kSystemAllowed[] = {LUSIFER_SCALE};
constexpr Placeholder kCreateAllowed[] = {LUSIFER_SCALE, P::kUser, P::kHistory, P::kAnswerShape};
constexpr Placeholder kCreateRequired[] = {P::kHistory, P::kAnswerShape};
constexpr Placeholder kColdAllowed[] = {LUSIFER_SCALE, P::kUser, P::kAnswerShape};
constexpr Placeholder kColdRequired[] = {P::kUser, P::kAnswerShape};
constexpr Placeholder kUpdateAllowed[] = {LUSIFER_SCALE, P::kUser, P::kProfile, P::kHistory,
                                          P::kAnswerShape};
constexpr Placeholder kUpdateRequired[] = {P::kProfile, P::kHistory, P::kAnswerShape};
constexpr Placeholder kRateAllowed[] = {LUSIFER_SCALE,     P::kUser,       P::kProfile,
                                        P::kRecentRatings, P::kCandidates, P::kAnswerShape};
constexpr Placeholder kRateRequired[] = {P::kProfile, P::kCandidates, P::kAnswerShape};
constexpr Placeholder kRepairAllowed[] = {LUSIFER_SCALE, P::kProblem, P::kMissingItems,
                                          P::kAnswerShape};
constexpr Placeholder kRepairRequired[] = {P::kProblem, P::kAnswerShape};
constexpr Placeholder kUserAllowed[] = {LUSIFER_SCALE, P::kAge, P::kGender, P::kOccupation};
constexpr Placeholder kItemAllowed[] = {LUSIFER_SCALE, P::kKey,      P::kTitle, P::kYear,
                                        P::kGenres,    P::kOverview, P::kTags};
constexpr Placeholder kItemRequired[] = {P::kKey};
constexpr Placeholder kHistoryItemAllowed[] = {LUSIFER_SCALE, P::kKey,      P::kTitle, P::kYear,
                                               P::kGenres,    P::kOverview, P::kTags,  P::kRating};
// The key and the rating are what task_from_request reads back.
constexpr Placeholder kHistoryItemRequired[] = {P::kKey, P::kRating};
#undef LUSIFER_SCALE

// How often a placeholder's value changes across calls, for the order check;
// 0 for placeholders that may go anywhere.
int cache_rank(Placeholder placeholder) noexcept {
  switch (placeholder) {
    case P::kUser:
      return 1;
    case P::kProfile:
      return 2;
    case P::kHistory:
    case P::kRecentRatings:
      return 3;
    case P::kCandidates:
      return 4;
    case P::kAnswerShape:
      return 5;
    default:
      return 0;
  }
}

bool is_task_template(TemplateKind kind) noexcept {
  return kind == TemplateKind::kCreateProfile || kind == TemplateKind::kColdStartProfile ||
         kind == TemplateKind::kUpdateProfile || kind == TemplateKind::kRateItems;
}

std::string braced(Placeholder placeholder) {
  return fmt::format("{{{{{}}}}}", placeholder_name(placeholder));
}

std::string braced_list(std::span<const Placeholder> placeholders) {
  std::string text;
  for (std::size_t i = 0; i < placeholders.size(); ++i) {
    if (i > 0)
      text += i + 1 == placeholders.size() ? " or " : ", ";
    text += braced(placeholders[i]);
  }
  return text;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// Splits `text` into lines, accepting "\n" and "\r\n".
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    std::string_view line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string_view placeholder_name(Placeholder placeholder) noexcept {
  const auto i = static_cast<std::size_t>(placeholder);
  return i < kPlaceholderNames.size() ? kPlaceholderNames[i] : std::string_view("?");
}

std::optional<Placeholder> placeholder_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kPlaceholderNames.size(); ++i) {
    if (kPlaceholderNames[i] == name)
      return static_cast<Placeholder>(i);
  }
  return std::nullopt;
}

std::string_view template_file_name(TemplateKind kind) noexcept {
  const auto i = static_cast<std::size_t>(kind);
  return i < kFileNames.size() ? kFileNames[i] : std::string_view("?");
}

std::span<const Placeholder> allowed_placeholders(TemplateKind kind) noexcept {
  switch (kind) {
    case TemplateKind::kSystem:
      return kSystemAllowed;
    case TemplateKind::kCreateProfile:
      return kCreateAllowed;
    case TemplateKind::kColdStartProfile:
      return kColdAllowed;
    case TemplateKind::kUpdateProfile:
      return kUpdateAllowed;
    case TemplateKind::kRateItems:
      return kRateAllowed;
    case TemplateKind::kRepair:
      return kRepairAllowed;
    case TemplateKind::kUser:
      return kUserAllowed;
    case TemplateKind::kItem:
      return kItemAllowed;
    case TemplateKind::kHistoryItem:
      return kHistoryItemAllowed;
  }
  return {};
}

std::span<const Placeholder> required_placeholders(TemplateKind kind) noexcept {
  switch (kind) {
    case TemplateKind::kCreateProfile:
      return kCreateRequired;
    case TemplateKind::kColdStartProfile:
      return kColdRequired;
    case TemplateKind::kUpdateProfile:
      return kUpdateRequired;
    case TemplateKind::kRateItems:
      return kRateRequired;
    case TemplateKind::kRepair:
      return kRepairRequired;
    case TemplateKind::kItem:
      return kItemRequired;
    case TemplateKind::kHistoryItem:
      return kHistoryItemRequired;
    case TemplateKind::kSystem:
    case TemplateKind::kUser:
      return {};
  }
  return {};
}

PromptTemplate PromptTemplate::parse(std::string_view text, std::string file, TemplateKind kind) {
  PromptTemplate result;
  result.kind_ = kind;
  result.file_ = std::move(file);
  const auto allowed = allowed_placeholders(kind);

  if (text.starts_with("\xEF\xBB\xBF"))
    text.remove_prefix(3);

  const auto raw_lines = split_lines(text);
  for (std::size_t index = 0; index < raw_lines.size(); ++index) {
    const std::string_view raw = raw_lines[index];
    const std::size_t number = index + 1;
    if (const auto bad = find_invalid_utf8(raw)) {
      throw InputError(result.file_, number, "UTF-8 text",
                       fmt::format("an invalid byte sequence at column {}", *bad + 1));
    }
    Line line;
    line.number = number;
    bool had_comment = false;
    bool has_text = false;
    std::size_t pos = 0;
    while (pos < raw.size()) {
      const auto open = raw.find("{{", pos);
      if (open == std::string_view::npos) {
        line.segments.push_back({std::string(raw.substr(pos)), std::nullopt});
        break;
      }
      if (open > pos)
        line.segments.push_back({std::string(raw.substr(pos, open - pos)), std::nullopt});
      const auto close = raw.find("}}", open + 2);
      if (close == std::string_view::npos) {
        throw InputError(result.file_, number, "a placeholder closed by }} on the same line",
                         quote_excerpt(raw.substr(open)));
      }
      const std::string_view inside = raw.substr(open + 2, close - open - 2);
      pos = close + 2;
      if (trim(inside).starts_with('!')) {
        had_comment = true;
        continue;
      }
      const std::string_view name = trim(inside);
      const auto placeholder = placeholder_from_name(name);
      if (!placeholder ||
          std::find(allowed.begin(), allowed.end(), *placeholder) == allowed.end()) {
        throw InputError(result.file_, number,
                         fmt::format("one of the placeholders of {}: {}", template_file_name(kind),
                                     braced_list(allowed)),
                         fmt::format("{{{{{}}}}}", name));
      }
      line.segments.push_back({std::string(), placeholder});
      line.has_placeholder = true;
    }
    for (const auto& segment : line.segments) {
      if (!segment.placeholder && !trim(segment.literal).empty())
        has_text = true;
    }
    // A line of comments only disappears with its line break.
    if (had_comment && !has_text && !line.has_placeholder)
      continue;
    result.lines_.push_back(std::move(line));
  }
  while (!result.lines_.empty() && !result.lines_.back().has_placeholder) {
    bool blank = true;
    for (const auto& segment : result.lines_.back().segments)
      blank = blank && trim(segment.literal).empty();
    if (!blank)
      break;
    result.lines_.pop_back();
  }

  for (const auto required : required_placeholders(kind)) {
    if (!result.uses(required)) {
      throw InputError(result.file_, 0,
                       fmt::format("the placeholder {}, which {} must use", braced(required),
                                   template_file_name(kind)),
                       fmt::format("no {} in the file", braced(required)));
    }
  }

  if (is_task_template(kind)) {
    // Every placeholder must come after all placeholders of a lower rank.
    std::optional<Placeholder> highest;
    std::size_t highest_line = 0;
    for (const auto& line : result.lines_) {
      for (const auto& segment : line.segments) {
        if (!segment.placeholder || cache_rank(*segment.placeholder) == 0)
          continue;
        const auto current = *segment.placeholder;
        if (highest && cache_rank(current) < cache_rank(*highest)) {
          throw InputError(
              result.file_, line.number,
              fmt::format("{} before {} (stable parts first, so that providers can cache the "
                          "prompt's prefix)",
                          braced(current), braced(*highest)),
              fmt::format("{} after {} of line {}", braced(current), braced(*highest),
                          highest_line));
        }
        if (!highest || cache_rank(current) > cache_rank(*highest)) {
          highest = current;
          highest_line = line.number;
        }
      }
    }
  }
  return result;
}

void PromptTemplate::render(std::string& out, const PlaceholderValues& values) const {
  bool first = true;
  for (const auto& line : lines_) {
    if (line.has_placeholder) {
      bool all_empty = true;
      for (const auto& segment : line.segments) {
        if (segment.placeholder && !values.get(*segment.placeholder).empty()) {
          all_empty = false;
          break;
        }
      }
      if (all_empty)
        continue;
    }
    if (!first)
      out += '\n';
    first = false;
    for (const auto& segment : line.segments) {
      if (segment.placeholder) {
        out += values.get(*segment.placeholder);
      } else {
        out += segment.literal;
      }
    }
  }
}

std::string PromptTemplate::render(const PlaceholderValues& values) const {
  std::string out;
  render(out, values);
  return out;
}

bool PromptTemplate::all_placeholders_empty(const PlaceholderValues& values) const noexcept {
  for (const auto& line : lines_) {
    for (const auto& segment : line.segments) {
      if (segment.placeholder && !values.get(*segment.placeholder).empty())
        return false;
    }
  }
  return true;
}

bool PromptTemplate::uses(Placeholder placeholder) const noexcept {
  for (const auto& line : lines_) {
    for (const auto& segment : line.segments) {
      if (segment.placeholder == placeholder)
        return true;
    }
  }
  return false;
}

PromptTemplates PromptTemplates::load(const std::filesystem::path& directory) {
  // Templates are a few kilobytes; anything this large is not a template.
  constexpr std::uintmax_t kMaxTemplateBytes = 1 << 20;
  PromptTemplates templates;
  templates.directory_ = directory;
  for (std::size_t i = 0; i < kTemplateKindCount; ++i) {
    const auto kind = static_cast<TemplateKind>(i);
    const auto path = directory / std::string(template_file_name(kind));
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw InputError(name, 0, "a prompt template file",
                       ec ? ec.message() : std::string("no such file"));
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
      throw InputError(name, 0, "a readable prompt template file", ec.message());
    if (size > kMaxTemplateBytes) {
      throw InputError(name, 0, "a prompt template of at most 1 MiB",
                       fmt::format("{} bytes", size));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw InputError(name, 0, "a readable prompt template file", std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
      throw InputError(name, 0, "a readable prompt template file", "a read error");
    templates.templates_[i] = PromptTemplate::parse(text.str(), name, kind);
  }
  return templates;
}

}  // namespace lusifer
