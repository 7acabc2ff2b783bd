#pragma once

// What the prompt tests share: the fixture datasets and the repository's
// prompt templates, and copies of them to edit.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/sim/prompt_templates.hpp"
#include "tests/support/test_support.hpp"

namespace lusifer::testing {

// config/prompts of this repository (set by tests/sim/CMakeLists.txt).
inline std::filesystem::path default_prompts_dir() {
  return LUSIFER_PROMPTS_DIR;
}

inline Dataset load_fixture_dataset(std::string_view name) {
  InputDiagnostics strict;
  return load_dataset(fixture(name), strict);
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Copies the default templates into `dir` (so a test can edit one) and
// returns the directory.
inline std::filesystem::path copy_default_prompts(const TempDir& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(default_prompts_dir())) {
    if (entry.path().extension() == ".txt")
      dir.write(entry.path().filename().string(), read_text(entry.path()));
  }
  return dir.path();
}

}  // namespace lusifer::testing
