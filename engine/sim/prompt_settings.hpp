#pragma once

// The [prompts] section of the configuration: where the prompt templates are,
// how much history a profile is built from, and how items are rendered.
//
//   [prompts]
//   directory = "prompts"          # relative to the config file; this is the default
//   history_items = 40             # the last N training ratings build the profile
//   batch_size = 10                # ratings per create/update call
//   recent_ratings = 10            # ratings shown as context when rating items
//   overview_chars = 400           # item text is cut to this many characters
//   max_tags = 8
//   profile_max_output_tokens = 1000
//   rating_max_output_tokens_base = 50
//   rating_max_output_tokens_per_item = 100
//   repair_quote_chars = 2000
//   rating_answer_format = "json_schema"   # or "json_object" (see prompt_builder.hpp)
//
// Every key is optional. Reading follows config_file.hpp: wrong types, values
// out of range and unknown keys are ConfigErrors naming file and line.

#include <cstddef>
#include <filesystem>

#include "engine/config/config_file.hpp"
#include "engine/sim/history_batches.hpp"
#include "engine/sim/prompt_builder.hpp"

namespace lusifer {

struct PromptSettings {
  std::filesystem::path directory;  // absolute once read from a file
  HistoryBatchOptions history;
  std::size_t recent_ratings = 10;
  PromptOptions prompt;
};

// The directory a configuration file's prompts are in by default:
// "prompts" next to the file (config/default.toml -> config/prompts).
std::filesystem::path default_prompt_directory(const ConfigFile& file);

PromptSettings read_prompt_settings(ConfigFile& file);

}  // namespace lusifer
