#include "engine/sim/answer_json.hpp"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lusifer {
namespace {

constexpr std::size_t kMaxBraceCandidates = 32;

std::string_view trim(std::string_view text) noexcept {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// The deepest nesting of [ and { outside strings.
int nesting_depth(std::string_view text) noexcept {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// `text` with commas that directly precede a closing bracket removed
// (outside strings); nullopt when there were none.
std::optional<std::string> without_trailing_commas(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  bool changed = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == ',') {
      std::size_t j = i + 1;
      while (j < text.size() &&
             (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r'))
        ++j;
      if (j < text.size() && (text[j] == '}' || text[j] == ']')) {
        changed = true;
        continue;
      }
    }
    out += c;
  }
  if (!changed)
    return std::nullopt;
  return out;
}

// The end (one past the closing brace) of the object starting at `open`,
// or npos when it is not closed.
std::size_t matching_close(std::string_view text, std::size_t open) noexcept {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0)
        return i + 1;
    }
  }
  return std::string_view::npos;
}

// A cut-off object (an answer that hit max_tokens) closed after its last
// complete member; nullopt when `text` is not a cut-off object or has no
// complete member.
std::optional<std::string> salvage_cut_object(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.front() != '{')
    return std::nullopt;
  int depth = 0;
  bool in_string = false;
  std::size_t last_complete = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0)
        return std::nullopt;  // complete: whatever is wrong, it was not cut
      if (depth == 1)
        last_complete = i + 1;
    } else if (c == ',' && depth == 1) {
      last_complete = i;
    }
  }
  if (last_complete == std::string_view::npos)
    return std::nullopt;
  std::string out(text.substr(0, last_complete));
  out += '}';
  return out;
}

std::string short_parse_error(const std::string& what) {
  // "[json.exception.parse_error.101] parse error at line 1, column 9: ..." -> "parse error ..."
  const auto bracket = what.find("] ");
  std::string text = bracket == std::string::npos ? what : what.substr(bracket + 2);
  if (text.size() > 200)
    text.resize(200);
  return text;
}

struct Attempt {
  bool ok = false;
  bool commas_removed = false;
  bool salvaged = false;
  std::string json;
  std::string error;  // for the first failure, when nothing succeeds
};

Attempt try_parse(std::string_view candidate, bool allow_array) {
  Attempt attempt;
  candidate = trim(candidate);
  if (candidate.empty())
    return attempt;
  const char first = candidate.front();
  if (first != '{' && !(allow_array && first == '['))
    return attempt;
  if (nesting_depth(candidate) > kMaxAnswerDepth) {
    attempt.error = fmt::format("its JSON is nested more than {} levels deep", kMaxAnswerDepth);
    return attempt;
  }
  const auto accepts = [](std::string_view text) {
    return nlohmann::json::accept(text.begin(), text.end(), /*ignore_comments=*/true);
  };
  if (accepts(candidate)) {
    attempt.ok = true;
    attempt.json = std::string(candidate);
    return attempt;
  }
  if (auto fixed = without_trailing_commas(candidate); fixed && accepts(*fixed)) {
    attempt.ok = true;
    attempt.commas_removed = true;
    attempt.json = std::move(*fixed);
    return attempt;
  }
  if (auto salvaged = salvage_cut_object(candidate); salvaged && accepts(*salvaged)) {
    attempt.ok = true;
    attempt.salvaged = true;
    attempt.json = std::move(*salvaged);
    return attempt;
  }
  try {
    // Parsed again only to learn why it failed: accept() does not say.
    const auto parsed =
        nlohmann::json::parse(candidate.begin(), candidate.end(), nullptr, true, true);
    attempt.error = "its JSON is invalid";
    (void)parsed;
  } catch (const nlohmann::json::exception& e) {
    attempt.error = "its JSON is invalid (" + short_parse_error(e.what()) + ")";
  }
  return attempt;
}

}  // namespace

ExtractedJson extract_answer_json(std::string_view answer) {
  ExtractedJson result;
  if (answer.size() > kMaxAnswerBytes) {
    result.problem = fmt::format("The answer is too long ({} bytes; at most {} are read).",
                                 answer.size(), kMaxAnswerBytes);
    return result;
  }
  std::string first_error;
  const auto accept = [&](Attempt&& attempt, std::string_view how) {
    if (!attempt.ok) {
      if (first_error.empty())
        first_error = std::move(attempt.error);
      return false;
    }
    result.json = std::move(attempt.json);
    if (!how.empty())
      result.notes.emplace_back(how);
    if (attempt.commas_removed)
      result.notes.emplace_back("trailing commas were removed from the JSON");
    if (attempt.salvaged)
      result.notes.emplace_back("the answer was cut off; its complete entries were kept");
    return true;
  };

  // 1. Code fences.
  std::size_t pos = 0;
  while (true) {
    const auto open = answer.find("```", pos);
    if (open == std::string_view::npos)
      break;
    auto body_start = answer.find('\n', open + 3);
    // A fence without a line break ("```{...}```") starts right after the ticks.
    const auto close_same = answer.find("```", open + 3);
    if (body_start == std::string_view::npos ||
        (close_same != std::string_view::npos && close_same < body_start)) {
      body_start = open + 3;
      // Skip a language tag glued to the JSON ("```json{...}```").
      while (body_start < answer.size() && answer[body_start] != '{' && answer[body_start] != '[' &&
             answer[body_start] != '`')
        ++body_start;
    } else {
      ++body_start;
    }
    const auto close = answer.find("```", body_start);
    const std::string_view body = answer.substr(
        body_start, close == std::string_view::npos ? std::string_view::npos : close - body_start);
    if (accept(try_parse(body, true), "the JSON was inside a code fence"))
      return result;
    if (close == std::string_view::npos)
      break;
    pos = close + 3;
  }

  // 2. The whole answer.
  if (accept(try_parse(answer, true), ""))
    return result;

  // 3. Balanced objects inside prose.
  std::size_t tried = 0;
  pos = 0;
  while (tried < kMaxBraceCandidates) {
    const auto open = answer.find('{', pos);
    if (open == std::string_view::npos)
      break;
    const auto end = matching_close(answer, open);
    ++tried;
    if (end == std::string_view::npos) {
      // Unclosed: everything after is inside it, so no later object can be
      // the answer; it may be a cut-off answer after some prose.
      accept(try_parse(answer.substr(open), false), "text around the JSON was ignored");
      if (result.found())
        return result;
      break;
    }
    if (accept(try_parse(answer.substr(open, end - open), false),
               "text around the JSON was ignored"))
      return result;
    // Objects nested in one that failed are its parts, not the answer.
    pos = end;
  }

  if (!first_error.empty()) {
    result.problem = "The answer could not be read: " + first_error + ".";
  } else if (trim(answer).empty()) {
    result.problem = "The answer was empty.";
  } else {
    result.problem = "The answer holds no JSON object.";
  }
  return result;
}

}  // namespace lusifer
