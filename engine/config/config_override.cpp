#include "engine/config/config_override.hpp"

#include <filesystem>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/config/config_state.hpp"

namespace lusifer {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// The last part of a dotted TOML key, without quotes; good enough to spot a
// secret's name before anything is parsed or echoed.
std::string_view last_key_part(std::string_view key) {
  const auto dot = key.rfind('.');
  std::string_view last = trim(dot == std::string_view::npos ? key : key.substr(dot + 1));
  if (last.size() >= 2 && (last.front() == '"' || last.front() == '\'') &&
      last.back() == last.front()) {
    last = last.substr(1, last.size() - 2);
  }
  return last;
}

}  // namespace

void apply_override(ConfigFile& file, std::string_view assignment) {
  config_detail::ConfigState& state = *file.state_;
  if (state.reading_started) {
    throw std::logic_error("apply_override: overrides must be applied before sections are read");
  }
  const auto equals = assignment.find('=');
  const std::string_view key_text =
      trim(equals == std::string_view::npos ? assignment : assignment.substr(0, equals));
  // Checked before the text is parsed or quoted anywhere: the value is a secret.
  const std::string hidden_label = "--set " + std::string(key_text) + "=...";
  if (looks_like_secret_key(last_key_part(key_text))) {
    throw ConfigError(
        hidden_label, 0,
        fmt::format("the secret in an environment variable, named by {}_env", key_text),
        fmt::format("a literal secret for {} (secrets must never be passed as "
                    "settings)",
                    key_text),
        std::string(key_text));
  }

  const std::string label = "--set " + std::string(assignment);
  if (equals == std::string_view::npos || key_text.empty()) {
    throw ConfigError(label, 0, "key=value, like world.users=5000", "no key=value");
  }
  if (assignment.find_first_of("\r\n") != std::string_view::npos) {
    throw ConfigError(label, 0, "a single-line key=value", "a line break");
  }

  toml::table parsed;
  try {
    parsed = toml::parse(assignment, std::string_view(label));
  } catch (const toml::parse_error& e) {
    std::string description(e.description());
    if (!description.empty() && description[0] >= 'A' && description[0] <= 'Z') {
      description[0] = static_cast<char>(description[0] - 'A' + 'a');
    }
    throw ConfigError(label, 0,
                      "key=value with a TOML value (strings in quotes: llm.model=\"gpt-4o\")",
                      fmt::format("{} (column {})", description, e.source().begin.column), "",
                      e.source().begin.column);
  }
  config_detail::reject_secrets(parsed, "", hidden_label, false);

  // Dotted keys parse as nested tables that are not inline; the value starts
  // where that chain ends (an inline table is a value).
  std::vector<std::string> parts;
  toml::table* level = &parsed;
  toml::node* value = nullptr;
  while (true) {
    if (level->size() != 1) {
      throw ConfigError(label, 0, "exactly one key=value", fmt::format("{} keys", level->size()));
    }
    const auto first = level->begin();
    parts.emplace_back(first->first.str());
    value = &first->second;
    toml::table* nested = value->as_table();
    if (nested == nullptr || nested->is_inline())
      break;
    level = nested;
  }

  toml::table* target = &state.root;
  std::string path;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    path = config_detail::join_key(path, parts[i]);
    toml::node* existing = target->get(parts[i]);
    if (existing == nullptr) {
      target = target->insert(parts[i], toml::table{}).first->second.as_table();
    } else if (toml::table* table = existing->as_table()) {
      target = table;
    } else {
      std::string full = path;
      for (std::size_t j = i + 1; j < parts.size(); ++j) {
        full = config_detail::join_key(full, parts[j]);
      }
      throw ConfigError(label, 0, fmt::format("a table at {} to set {}", path, full),
                        config_detail::describe_value(*existing), full);
    }
  }
  path = config_detail::join_key(path, parts.back());
  target->insert_or_assign(parts.back(), std::move(*value));
  state.overrides.push_back(config_detail::Override{path, label, std::filesystem::current_path()});
}

void apply_overrides(ConfigFile& file, std::span<const std::string> assignments) {
  for (const std::string& assignment : assignments)
    apply_override(file, assignment);
}

}  // namespace lusifer
