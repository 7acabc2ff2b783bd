#include "tests/support/test_support.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "engine/core/random.hpp"

namespace lusifer::testing {

std::filesystem::path fixture(std::string_view relative) {
  return std::filesystem::path(LUSIFER_FIXTURES_DIR) / relative;
}

std::optional<std::filesystem::path> shared_data(std::string_view relative) {
  const char* root = std::getenv("LUSIFER_DATA_DIR");
  if (root == nullptr || *root == '\0') return std::nullopt;
  auto path = std::filesystem::path(root) / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

TempDir::TempDir() {
  static std::uint64_t counter = 0;
  const auto seed = derive_seed(static_cast<std::uint64_t>(::getpid()), ++counter);
  path_ = std::filesystem::temp_directory_path() / ("lusifer-test-" + std::to_string(seed));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(std::string_view name, std::string_view content) const {
  const auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

}  // namespace lusifer::testing
