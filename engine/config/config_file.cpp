#include "engine/config/config_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/config/closest_name.hpp"
#include "engine/config/config_state.hpp"
#include "engine/config/duration_text.hpp"

namespace lusifer {

using config_detail::ConfigState;
using config_detail::describe_value;
using config_detail::join_key;
using config_detail::Origin;
using config_detail::TableRecord;

namespace config_detail {
namespace {

bool is_bare_key(std::string_view key) {
  if (key.empty())
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool covers(std::string_view override_path, std::string_view path) {
  if (!path.starts_with(override_path))
    return false;
  if (path.size() == override_path.size())
    return true;
  const char next = path[override_path.size()];
  return next == '.' || next == '[';
}

std::string format_double(double value) {
  std::string text = fmt::format("{}", value);
  // fmt writes 5000.0 as "5000", which would read as an integer in an error.
  if (std::isfinite(value) && text.find_first_of(".eE") == std::string::npos)
    text += ".0";
  return text;
}

template <class Value>
std::string streamed(const Value& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string upper_identifier(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_')
    out.pop_back();
  return out;
}

}  // namespace

Origin ConfigState::origin(std::string_view path, const toml::source_region& where) const {
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (covers(it->path, path))
      return Origin{it->label, 0, &it->base_directory, true};
  }
  // Every node parsed from the file has a line; one without was made by an
  // override, as a table on the way to the key it set.
  if (where.begin.line == 0) {
    for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
      if (covers(path, it->path))
        return Origin{it->label, 0, &it->base_directory, true};
    }
  }
  return Origin{name, where.begin.line, &directory, false};
}

std::size_t ConfigState::record_for(const std::string& path, const toml::table* table,
                                    std::string display) {
  if (auto it = record_by_path.find(path); it != record_by_path.end())
    return it->second;
  records.push_back(TableRecord{table, path, std::move(display), {}, {}});
  record_by_path.emplace(path, records.size() - 1);
  return records.size() - 1;
}

std::string join_key(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty())
    out += '.';
  if (is_bare_key(key)) {
    out += key;
  } else {
    out += quote_excerpt(key);
  }
  return out;
}

std::string describe_value(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string " + quote_excerpt(node.as_string()->get(), 60);
    case toml::node_type::integer:
      return "an integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return "a floating-point number " + format_double(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return std::string("a boolean ") + (node.as_boolean()->get() ? "true" : "false");
    case toml::node_type::date:
      return "a date " + streamed(*node.as_date());
    case toml::node_type::time:
      return "a time " + streamed(*node.as_time());
    case toml::node_type::date_time:
      return "a date-time " + streamed(*node.as_date_time());
    case toml::node_type::array: {
      const toml::array& array = *node.as_array();
      if (array.empty())
        return "an empty array";
      if (array.is_array_of_tables())
        return "an array of tables";
      return fmt::format("an array of {} value{}", array.size(), array.size() == 1 ? "" : "s");
    }
    case toml::node_type::table:
      return node.as_table()->is_inline() ? "an inline table" : "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

void reject_secrets(const toml::node& node, std::string_view path, const std::string& file,
                    bool use_lines) {
  if (const toml::table* table = node.as_table()) {
    for (auto&& [key, value] : *table) {
      const std::string child = join_key(path, key.str());
      if (looks_like_secret_key(key.str())) {
        const std::string where = path.empty() ? "" : " in [" + std::string(path) + "]";
        // The value is never quoted: it is the secret.
        throw ConfigError(
            file, use_lines ? key.source().begin.line : 0,
            fmt::format("the secret in an environment variable, named by "
                        "{}_env = \"{}\"{}",
                        key.str(), upper_identifier(child), where),
            "a literal secret in " + child + " (config files must never hold secrets)", child);
      }
      reject_secrets(value, child, file, use_lines);
    }
  } else if (const toml::array* array = node.as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      reject_secrets((*array)[i], fmt::format("{}[{}]", path, i), file, use_lines);
    }
  }
}

}  // namespace config_detail

namespace {

// A key looked up in a table: where it is, and its value (null when missing).
struct Slot {
  ConfigState* state;
  std::size_t record;
  std::string path;
  const toml::node* node;
};

std::vector<std::string_view> split_key(std::string_view key) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = key.find('.', begin);
    const std::string_view part =
        key.substr(begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin);
    if (part.empty()) {
      throw std::invalid_argument(fmt::format("config key '{}' has an empty part", key));
    }
    parts.push_back(part);
    if (dot == std::string_view::npos)
      return parts;
    begin = dot + 1;
  }
}

[[noreturn]] void throw_wrong(const ConfigState& state, const std::string& path,
                              const toml::node& node, std::string_view expected,
                              std::string found) {
  const Origin origin = state.origin(path, node.source());
  throw ConfigError(origin.file, origin.line, fmt::format("{} for {}", expected, path),
                    std::move(found), path);
}

[[noreturn]] void throw_type(const ConfigState& state, const std::string& path,
                             const toml::node& node, std::string_view expected) {
  throw_wrong(state, path, node, expected, describe_value(node));
}

// The table `segment` of `record` (marked as read), as a record of its own.
std::size_t descend(ConfigState& state, std::size_t record, std::string_view segment) {
  state.records[record].read_keys.emplace(segment);
  const std::string path = join_key(state.records[record].path, segment);
  const toml::table* parent = state.records[record].table;
  const toml::node* node = parent == nullptr ? nullptr : parent->get(segment);
  if (node == nullptr)
    return state.record_for(path, nullptr, "[" + path + "]");
  const toml::table* table = node->as_table();
  if (table == nullptr)
    throw_type(state, path, *node, "a table");
  return state.record_for(path, table, "[" + path + "]");
}

// Walks all but the last part of a dotted key; returns the record holding
// the last part, and the last part.
std::pair<std::size_t, std::string_view> parent_of(ConfigState& state, std::size_t record,
                                                   std::string_view key) {
  const auto parts = split_key(key);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    record = descend(state, record, parts[i]);
  return {record, parts.back()};
}

Slot lookup(ConfigState& state, std::size_t record, std::string_view key) {
  const auto [holder, last] = parent_of(state, record, key);
  TableRecord& rec = state.records[holder];
  rec.read_keys.emplace(last);
  const toml::node* node = rec.table == nullptr ? nullptr : rec.table->get(last);
  return Slot{&state, holder, join_key(rec.path, last), node};
}

// False when the key is missing and optional; throws when it is required.
bool present(const Slot& slot, bool required, std::string_view expected) {
  if (slot.node != nullptr)
    return true;
  if (!required)
    return false;
  const TableRecord& rec = slot.state->records[slot.record];
  const toml::source_region none{};
  const Origin origin =
      slot.state->origin(slot.path, rec.table == nullptr ? none : rec.table->source());
  // The top level's "line" is the start of the file, which says nothing.
  const std::size_t line = rec.path.empty() ? 0 : origin.line;
  throw ConfigError(origin.file, line, fmt::format("{} for {}", expected, slot.path),
                    "no value (the key is missing)", slot.path);
}

constexpr std::int64_t kIntMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kIntMax = std::numeric_limits<std::int64_t>::max();

std::string int_expectation(std::int64_t min, std::int64_t max) {
  if (min == kIntMin && max == kIntMax)
    return "an integer";
  if (max == kIntMax)
    return fmt::format("an integer of at least {}", min);
  if (min == kIntMin)
    return fmt::format("an integer of at most {}", max);
  return fmt::format("an integer between {} and {}", min, max);
}

std::string double_expectation(double min, double max) {
  // The float range counts as unbounded: nobody writes 3.4e38 on purpose.
  constexpr auto kUnbounded = static_cast<double>(std::numeric_limits<float>::max());
  const bool no_min = min <= -kUnbounded;
  const bool no_max = max >= kUnbounded;
  if (no_min && no_max)
    return "a finite number";
  if (no_max)
    return fmt::format("a number of at least {}", min);
  if (no_min)
    return fmt::format("a number of at most {}", max);
  return fmt::format("a number between {} and {}", min, max);
}

std::int64_t check_int(const ConfigState& state, const std::string& path, const toml::node& node,
                       std::int64_t min, std::int64_t max) {
  const auto* integer = node.as_integer();
  if (integer == nullptr)
    throw_type(state, path, node, int_expectation(min, max));
  const std::int64_t value = integer->get();
  if (value < min || value > max) {
    throw_wrong(state, path, node, int_expectation(min, max), std::to_string(value));
  }
  return value;
}

double check_double(const ConfigState& state, const std::string& path, const toml::node& node,
                    double min, double max) {
  double value = 0.0;
  if (const auto* integer = node.as_integer()) {
    value = static_cast<double>(integer->get());
  } else if (const auto* floating = node.as_floating_point()) {
    value = floating->get();
  } else {
    throw_type(state, path, node, double_expectation(min, max));
  }
  if (!std::isfinite(value))
    throw_type(state, path, node, double_expectation(min, max));
  if (value < min || value > max) {
    throw_wrong(state, path, node, double_expectation(min, max),
                config_detail::format_double(value));
  }
  return value;
}

std::string check_string(const ConfigState& state, const std::string& path, const toml::node& node,
                         std::string_view expected) {
  const auto* text = node.as_string();
  if (text == nullptr)
    throw_type(state, path, node, expected);
  return text->get();
}

std::filesystem::path check_path(const ConfigState& state, const std::string& path,
                                 const toml::node& node) {
  constexpr std::string_view kExpected = "a path (a non-empty string)";
  const std::string text = check_string(state, path, node, kExpected);
  if (text.empty())
    throw_type(state, path, node, kExpected);
  std::filesystem::path value(text);
  if (value.is_relative()) {
    // Relative to the file that says it, not to wherever the program runs.
    value = *state.origin(path, node.source()).base_directory / value;
  }
  return value.lexically_normal();
}

template <class Value, class Check>
std::optional<std::vector<Value>> read_list(const Slot& slot, bool required,
                                            std::string_view expected, Check check) {
  if (!present(slot, required, expected))
    return std::nullopt;
  const toml::array* array = slot.node->as_array();
  if (array == nullptr)
    throw_type(*slot.state, slot.path, *slot.node, expected);
  std::vector<Value> values;
  values.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    values.push_back(check(fmt::format("{}[{}]", slot.path, i), (*array)[i]));
  }
  return values;
}

struct KeyUnit {
  std::string_view suffix;
  std::string_view name;
  double nanoseconds;
};

constexpr KeyUnit kKeyUnits[] = {{"_ns", "nanoseconds", 1.0},  {"_us", "microseconds", 1e3},
                                 {"_ms", "milliseconds", 1e6}, {"_s", "seconds", 1e9},
                                 {"_sec", "seconds", 1e9},     {"_seconds", "seconds", 1e9},
                                 {"_min", "minutes", 60e9},    {"_minutes", "minutes", 60e9},
                                 {"_h", "hours", 3600e9},      {"_hours", "hours", 3600e9}};

const KeyUnit* unit_in_key_name(std::string_view key) {
  for (const KeyUnit& unit : kKeyUnits) {
    if (key.size() > unit.suffix.size() && key.ends_with(unit.suffix))
      return &unit;
  }
  return nullptr;
}

std::string list_names(const std::vector<std::string_view>& names, std::size_t max_shown) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < max_shown; ++i) {
    if (i > 0)
      out += ", ";
    out += names[i];
  }
  if (names.size() > max_shown)
    out += ", ...";
  return out;
}

struct Unknown {
  ConfigError error;
  bool from_override;
  std::size_t line;
  std::size_t column;
};

// How an unknown key is shown: tables in brackets, like their headers.
std::string shown_as(const toml::node& node, const std::string& path) {
  if (const auto* table = node.as_table(); table != nullptr && !table->is_inline()) {
    return "[" + path + "]";
  }
  if (const auto* array = node.as_array(); array != nullptr && !array->empty()) {
    bool headers = array->is_array_of_tables();
    for (const auto& element : *array) {
      if (headers && element.as_table()->is_inline())
        headers = false;
    }
    if (headers)
      return "[[" + path + "]]";
  }
  return path;
}

void collect_unknown(const ConfigState& state, const toml::table& table, const TableRecord* record,
                     const std::string& path, const std::string& display,
                     std::vector<Unknown>& out) {
  for (auto&& [key, value] : table) {
    const std::string child = join_key(path, key.str());
    const bool known = record != nullptr && record->read_keys.contains(key.str());
    if (known) {
      if (record->ignored_keys.contains(key.str()))
        continue;
      if (const toml::table* nested = value.as_table()) {
        const auto it = state.record_by_path.find(child);
        const TableRecord* nested_record =
            it == state.record_by_path.end() ? nullptr : &state.records[it->second];
        collect_unknown(state, *nested, nested_record, child, "[" + child + "]", out);
      } else if (const toml::array* array = value.as_array()) {
        for (std::size_t i = 0; i < array->size(); ++i) {
          const toml::table* element = (*array)[i].as_table();
          if (element == nullptr)
            continue;
          const std::string element_path = fmt::format("{}[{}]", child, i);
          const auto it = state.record_by_path.find(element_path);
          const TableRecord* element_record =
              it == state.record_by_path.end() ? nullptr : &state.records[it->second];
          collect_unknown(state, *element, element_record, element_path, "[[" + child + "]]", out);
        }
      }
      continue;
    }

    std::vector<std::string_view> names;
    if (record != nullptr)
      names.assign(record->read_keys.begin(), record->read_keys.end());
    std::string expected;
    if (path.empty()) {
      expected = names.empty() ? "no top-level keys"
                               : "one of the top-level keys (" + list_names(names, 16) + ")";
    } else {
      expected = names.empty()
                     ? "no keys in " + display
                     : "one of the keys of " + display + " (" + list_names(names, 16) + ")";
    }
    const std::string shown = shown_as(value, child);
    std::string found = (shown == child ? "unknown key " : "unknown section ") + shown;
    if (const auto guess = closest_name(key.str(), names)) {
      // Shown the way the unknown one is, so "[wrold]" suggests "[world]".
      const std::string guess_path = join_key(path, *guess);
      std::string guess_shown = guess_path;
      if (shown.starts_with("[[")) {
        guess_shown = "[[" + guess_path + "]]";
      } else if (shown.starts_with("[")) {
        guess_shown = "[" + guess_path + "]";
      }
      found += " (did you mean " + guess_shown + "?)";
    }
    const Origin origin = state.origin(child, key.source());
    out.push_back(Unknown{ConfigError(origin.file, origin.line, expected, found, child),
                          origin.from_override, origin.line, key.source().begin.column});
  }
}

std::vector<ConfigError> unknown_under(const ConfigState& state, std::size_t record) {
  const TableRecord& rec = state.records[record];
  std::vector<Unknown> found;
  if (rec.table != nullptr) {
    collect_unknown(state, *rec.table, &rec, rec.path, rec.display, found);
  }
  std::stable_sort(found.begin(), found.end(), [](const Unknown& a, const Unknown& b) {
    if (a.from_override != b.from_override)
      return a.from_override;
    if (a.line != b.line)
      return a.line < b.line;
    return a.column < b.column;
  });
  std::vector<ConfigError> errors;
  errors.reserve(found.size());
  for (auto& unknown : found)
    errors.push_back(std::move(unknown.error));
  return errors;
}

std::string lower_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] + 32);
  return text;
}

}  // namespace

// ---- ConfigSection ---------------------------------------------------------

ConfigSection::ConfigSection(std::shared_ptr<ConfigState> state, std::size_t record)
    : state_(std::move(state)), record_(record) {}

const std::string& ConfigSection::path() const {
  return state_->records[record_].path;
}

bool ConfigSection::exists() const {
  return state_->records[record_].table != nullptr;
}

bool ConfigSection::has(std::string_view key) const {
  const toml::table* table = state_->records[record_].table;
  const auto parts = split_key(key);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (table == nullptr)
      return false;
    const toml::node* node = table->get(parts[i]);
    if (node == nullptr)
      return false;
    if (i + 1 == parts.size())
      return true;
    table = node->as_table();
  }
  return false;
}

std::optional<bool> ConfigSection::read_bool(std::string_view key, Need need) {
  constexpr std::string_view kExpected = "a boolean (true or false)";
  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, need == Need::kRequired, kExpected))
    return std::nullopt;
  const auto* flag = slot.node->as_boolean();
  if (flag == nullptr)
    throw_type(*state_, slot.path, *slot.node, kExpected);
  return flag->get();
}

std::optional<std::int64_t> ConfigSection::read_int(std::string_view key, Need need,
                                                    std::int64_t min, std::int64_t max) {
  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, need == Need::kRequired, int_expectation(min, max)))
    return std::nullopt;
  return check_int(*state_, slot.path, *slot.node, min, max);
}

std::optional<double> ConfigSection::read_double(std::string_view key, Need need, double min,
                                                 double max) {
  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, need == Need::kRequired, double_expectation(min, max)))
    return std::nullopt;
  return check_double(*state_, slot.path, *slot.node, min, max);
}

std::optional<std::string> ConfigSection::read_string(std::string_view key, Need need) {
  constexpr std::string_view kExpected = "a string";
  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, need == Need::kRequired, kExpected))
    return std::nullopt;
  return check_string(*state_, slot.path, *slot.node, kExpected);
}

std::optional<std::filesystem::path> ConfigSection::read_path(std::string_view key, Need need) {
  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, need == Need::kRequired, "a path (a non-empty string)"))
    return std::nullopt;
  return check_path(*state_, slot.path, *slot.node);
}

std::optional<std::chrono::nanoseconds> ConfigSection::read_duration(
    std::string_view key, Need need, std::chrono::nanoseconds granularity,
    std::string_view unit_name) {
  const Slot slot = lookup(*state_, record_, key);
  const std::string_view last = split_key(key).back();
  const KeyUnit* unit = unit_in_key_name(last);
  const std::string expected =
      unit != nullptr ? fmt::format("a number of {} (the key's name gives the unit)", unit->name)
                      : std::string("a duration with a unit, like \"250ms\", \"2s\" or \"1m30s\"");
  if (!present(slot, need == Need::kRequired, expected))
    return std::nullopt;
  const toml::node& node = *slot.node;

  std::chrono::nanoseconds value{0};
  if (unit != nullptr) {
    double count = 0.0;
    if (const auto* integer = node.as_integer()) {
      count = static_cast<double>(integer->get());
    } else if (const auto* floating = node.as_floating_point()) {
      count = floating->get();
    } else {
      throw_type(*state_, slot.path, node, expected);
    }
    const double nanoseconds = count * unit->nanoseconds;
    // 9.2e18 ns is the largest std::chrono::nanoseconds holds.
    if (!std::isfinite(count) || count < 0.0 || nanoseconds >= 9.2e18) {
      throw_wrong(*state_, slot.path, node, "a non-negative " + expected.substr(2),
                  describe_value(node));
    }
    value = std::chrono::nanoseconds(std::llround(nanoseconds));
  } else {
    const auto* text = node.as_string();
    if (text == nullptr)
      throw_type(*state_, slot.path, node, expected);
    const auto parsed = parse_duration(text->get());
    if (!parsed)
      throw_type(*state_, slot.path, node, expected);
    value = *parsed;
  }
  if (granularity.count() > 0 && value.count() % granularity.count() != 0) {
    throw_type(*state_, slot.path, node, fmt::format("a whole number of {}", unit_name));
  }
  return value;
}

std::optional<std::vector<std::string>> ConfigSection::read_string_list(std::string_view key,
                                                                        Need need) {
  const Slot slot = lookup(*state_, record_, key);
  return read_list<std::string>(slot, need == Need::kRequired, "an array of strings",
                                [&](const std::string& path, const toml::node& element) {
                                  return check_string(*state_, path, element, "a string");
                                });
}

std::optional<std::vector<std::filesystem::path>> ConfigSection::read_path_list(
    std::string_view key, Need need) {
  const Slot slot = lookup(*state_, record_, key);
  return read_list<std::filesystem::path>(slot, need == Need::kRequired, "an array of paths",
                                          [&](const std::string& path, const toml::node& element) {
                                            return check_path(*state_, path, element);
                                          });
}

std::optional<std::vector<std::int64_t>> ConfigSection::read_int_list(std::string_view key,
                                                                      Need need, std::int64_t min,
                                                                      std::int64_t max) {
  const Slot slot = lookup(*state_, record_, key);
  return read_list<std::int64_t>(slot, need == Need::kRequired, "an array of integers",
                                 [&](const std::string& path, const toml::node& element) {
                                   return check_int(*state_, path, element, min, max);
                                 });
}

std::optional<std::vector<double>> ConfigSection::read_double_list(std::string_view key, Need need,
                                                                   double min, double max) {
  const Slot slot = lookup(*state_, record_, key);
  return read_list<double>(slot, need == Need::kRequired, "an array of numbers",
                           [&](const std::string& path, const toml::node& element) {
                             return check_double(*state_, path, element, min, max);
                           });
}

std::optional<std::size_t> ConfigSection::read_choice(std::string_view key, Need need,
                                                      std::span<const std::string_view> names) {
  std::vector<std::string_view> quoted_names;
  std::vector<std::string> quoted;
  quoted.reserve(names.size());
  for (const std::string_view name : names)
    quoted.push_back(quote_excerpt(name));
  quoted_names.assign(quoted.begin(), quoted.end());
  const std::string expected = "one of " + list_names(quoted_names, quoted_names.size());

  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, need == Need::kRequired, expected))
    return std::nullopt;
  const std::string value = check_string(*state_, slot.path, *slot.node, expected);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value)
      return i;
  }
  std::string found = quote_excerpt(value, 60);
  if (const auto guess = closest_name(value, names)) {
    found += " (did you mean " + quote_excerpt(*guess) + "?)";
  }
  throw_wrong(*state_, slot.path, *slot.node, expected, std::move(found));
}

std::optional<std::int64_t> ConfigSection::optional_int(std::string_view key, std::int64_t min,
                                                        std::int64_t max) {
  return read_int(key, Need::kOptional, min, max);
}

std::int64_t ConfigSection::require_int(std::string_view key, std::int64_t min, std::int64_t max) {
  return *read_int(key, Need::kRequired, min, max);
}

std::int64_t ConfigSection::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) {
  return read_int(key, Need::kOptional, min, max).value_or(fallback);
}

std::optional<double> ConfigSection::optional_double(std::string_view key, double min, double max) {
  return read_double(key, Need::kOptional, min, max);
}

double ConfigSection::require_double(std::string_view key, double min, double max) {
  return *read_double(key, Need::kRequired, min, max);
}

double ConfigSection::get_double(std::string_view key, double fallback, double min, double max) {
  return read_double(key, Need::kOptional, min, max).value_or(fallback);
}

std::string ConfigSection::get_choice(std::string_view key, std::string_view fallback,
                                      std::initializer_list<std::string_view> allowed) {
  const auto index = read_choice(key, Need::kOptional, allowed);
  return std::string(index ? *(allowed.begin() + *index) : fallback);
}

std::string ConfigSection::require_choice(std::string_view key,
                                          std::initializer_list<std::string_view> allowed) {
  return std::string(*(allowed.begin() + *read_choice(key, Need::kRequired, allowed)));
}

ConfigSection ConfigSection::section(std::string_view key) {
  std::size_t record = record_;
  for (const std::string_view part : split_key(key))
    record = descend(*state_, record, part);
  return ConfigSection(state_, record);
}

std::vector<ConfigSection> ConfigSection::tables(std::string_view key) {
  const Slot slot = lookup(*state_, record_, key);
  const std::string expected = "an array of tables ([[" + slot.path + "]])";
  if (!present(slot, false, expected))
    return {};
  const toml::array* array = slot.node->as_array();
  if (array == nullptr)
    throw_type(*state_, slot.path, *slot.node, expected);
  std::vector<ConfigSection> sections;
  sections.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string element_path = fmt::format("{}[{}]", slot.path, i);
    const toml::table* table = (*array)[i].as_table();
    if (table == nullptr) {
      throw_type(*state_, element_path, (*array)[i], "a table ([[" + slot.path + "]])");
    }
    sections.push_back(
        ConfigSection(state_, state_->record_for(element_path, table, "[[" + slot.path + "]]")));
  }
  return sections;
}

std::optional<EnvSecret> ConfigSection::optional_env_secret(std::string_view key) {
  if (!key.ends_with("_env")) {
    throw std::invalid_argument(
        fmt::format("env_secret('{}'): keys naming environment variables end in _env", key));
  }
  constexpr std::string_view kExpected =
      "the name of an environment variable (like \"OPENAI_API_KEY\")";
  const Slot slot = lookup(*state_, record_, key);
  if (!present(slot, false, kExpected))
    return std::nullopt;
  const std::string variable = check_string(*state_, slot.path, *slot.node, kExpected);
  if (!is_environment_variable_name(variable)) {
    // Not echoed: people paste the key itself here by mistake.
    throw_wrong(*state_, slot.path, *slot.node, kExpected,
                "a string that is not one (not shown, in case it is a secret)");
  }
  const Origin origin = state_->origin(slot.path, slot.node->source());
  return EnvSecret(variable, origin.file, origin.line, slot.path);
}

EnvSecret ConfigSection::env_secret(std::string_view key) {
  if (auto secret = optional_env_secret(key))
    return std::move(*secret);
  // Missing: reuse the standard message.
  const Slot slot = lookup(*state_, record_, key);
  present(slot, true, "the name of an environment variable (like \"OPENAI_API_KEY\")");
  throw std::logic_error("env_secret: unreachable");
}

void ConfigSection::ignore(std::string_view key) {
  const auto [holder, last] = parent_of(*state_, record_, key);
  state_->records[holder].read_keys.emplace(last);
  state_->records[holder].ignored_keys.emplace(last);
}

ConfigError ConfigSection::invalid(std::string_view key, std::string_view expected,
                                   std::string_view found) {
  const Slot slot = lookup(*state_, record_, key);
  const TableRecord& rec = state_->records[slot.record];
  const toml::source_region none{};
  const toml::source_region& where = slot.node != nullptr
                                         ? slot.node->source()
                                         : (rec.table != nullptr ? rec.table->source() : none);
  const Origin origin = state_->origin(slot.path, where);
  return ConfigError(origin.file, origin.line, fmt::format("{} for {}", expected, slot.path),
                     std::string(found), slot.path);
}

void ConfigSection::check_all_consumed() const {
  auto errors = unknown_under(*state_, record_);
  if (!errors.empty())
    throw std::move(errors.front());
}

// ---- ConfigFile ------------------------------------------------------------

ConfigFile::ConfigFile(std::shared_ptr<ConfigState> state) : state_(std::move(state)) {}
ConfigFile::ConfigFile(ConfigFile&&) noexcept = default;
ConfigFile& ConfigFile::operator=(ConfigFile&&) noexcept = default;
ConfigFile::~ConfigFile() = default;

ConfigFile ConfigFile::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw ConfigError(name, 0, "a readable TOML file", "no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ConfigError(name, 0, "a readable TOML file", "a directory or special file");
  }
  // A config is a few kilobytes; anything huge is the wrong file.
  constexpr std::uintmax_t kMaxBytes = 16u << 20;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec)
    throw ConfigError(name, 0, "a readable TOML file", ec.message());
  if (size > kMaxBytes) {
    throw ConfigError(name, 0, "a config file of at most 16 MiB", fmt::format("{} bytes", size));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ConfigError(name, 0, "a readable TOML file", std::strerror(errno));
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    throw ConfigError(name, 0, "a readable TOML file", std::strerror(errno));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse(text, name);
}

ConfigFile ConfigFile::parse(std::string_view text, std::string name) {
  auto state = std::make_shared<ConfigState>();
  state->name = std::move(name);
  const std::filesystem::path parent = std::filesystem::path(state->name).parent_path();
  state->directory =
      (parent.empty() ? std::filesystem::current_path() : std::filesystem::absolute(parent))
          .lexically_normal();
  try {
    state->root = toml::parse(text, std::string_view(state->name));
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(
        state->name, where.line, "valid TOML",
        fmt::format("{} (column {})", lower_first(std::string(e.description())), where.column), "",
        where.column);
  }
  config_detail::reject_secrets(state->root, "", state->name, true);
  state->record_for("", &state->root, "the top level");
  return ConfigFile(std::move(state));
}

const std::string& ConfigFile::name() const {
  return state_->name;
}

const std::filesystem::path& ConfigFile::directory() const {
  return state_->directory;
}

ConfigSection ConfigFile::root() {
  state_->reading_started = true;
  return ConfigSection(state_, 0);
}

void ConfigFile::check_all_consumed() const {
  auto errors = unknown_keys();
  if (!errors.empty())
    throw std::move(errors.front());
}

std::vector<ConfigError> ConfigFile::unknown_keys() const {
  return unknown_under(*state_, 0);
}

std::string ConfigFile::to_toml() const {
  std::ostringstream out;
  // Basic one-line strings only: toml++ 3.3 writes a string holding a line
  // break as a ''' literal even when it holds ''' itself (which does not
  // parse), or as a """ string, which drops a leading line break on reading.
  constexpr auto kFlags =
      toml::toml_formatter::default_flags &
      ~(toml::format_flags::allow_literal_strings | toml::format_flags::allow_multi_line_strings);
  out << toml::toml_formatter(state_->root, kFlags);
  return out.str();
}

}  // namespace lusifer
