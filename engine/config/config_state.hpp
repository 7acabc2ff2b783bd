#pragma once

// Internal to engine/config (modules include config_file.hpp): the parsed
// document, the overrides applied to it, and which keys modules have read.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace lusifer::config_detail {

// One table modules have taken a section of. Keys are recorded as read
// whether or not they are present, so the list of known keys in an
// unknown-key error includes settings left at their defaults.
struct TableRecord {
  const toml::table* table = nullptr;  // null when the table is absent
  std::string path;                    // "" for the top level
  std::string display;                 // "[llm]", "[[data.item_text]]", "the top level"
  std::set<std::string, std::less<>> read_keys;
  std::set<std::string, std::less<>> ignored_keys;  // read, with everything under them
};

struct Override {
  std::string path;                      // dotted path of the key it set
  std::string label;                     // "--set world.users=5000", the "file" of its errors
  std::filesystem::path base_directory;  // relative paths in its value resolve here
};

// Where a value came from, for error messages.
struct Origin {
  std::string file;
  std::size_t line = 0;
  const std::filesystem::path* base_directory = nullptr;
  bool from_override = false;
};

struct ConfigState {
  std::string name;
  std::filesystem::path directory;
  toml::table root;
  std::vector<Override> overrides;
  std::vector<TableRecord> records;  // [0] is the top level
  std::map<std::string, std::size_t, std::less<>> record_by_path;
  bool reading_started = false;

  // The override that set `path` or a table above it (the latest wins), or
  // the file at the line `where` starts on.
  Origin origin(std::string_view path, const toml::source_region& where) const;
  // The record for the table at `path`, created on first use.
  std::size_t record_for(const std::string& path, const toml::table* table, std::string display);
};

// `parent` + "." + `key`, quoting `key` when it is not a bare TOML key.
std::string join_key(std::string_view parent, std::string_view key);

// "a string \"many\"", "an integer 12", "an array of 3 values"...
std::string describe_value(const toml::node& node);

// Throws ConfigError for the first key under `node` whose name says it holds
// a secret. `file` and `line` name where the node came from when `use_lines`
// is false (command-line overrides), otherwise each key's own line is used.
void reject_secrets(const toml::node& node, std::string_view path, const std::string& file,
                    bool use_lines);

}  // namespace lusifer::config_detail
