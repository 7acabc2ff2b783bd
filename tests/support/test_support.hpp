#pragma once

// What the test suites share: where fixtures and real datasets are, and
// temporary directories that clean up after themselves.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer::testing {

// tests/fixtures/<relative>.
std::filesystem::path fixture(std::string_view relative);

// $LUSIFER_DATA_DIR/<relative> when the variable is set and the path exists;
// nullopt otherwise, after which a test should SKIP (see REQUIRE_DATA).
std::optional<std::filesystem::path> shared_data(std::string_view relative);

// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  // Writes `content` to path()/name (creating directories) and returns the path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace lusifer::testing

// Binds `var` to a shared dataset path, or skips the test with a message.
// Catch2 v2 has no SKIP, so the test ends with a WARN and no assertion fails.
#define LUSIFER_REQUIRE_SHARED_DATA(var, relative)                                           \
  const auto var##_opt = ::lusifer::testing::shared_data(relative);                         \
  if (!var##_opt) {                                                                          \
    WARN("skipped: set LUSIFER_DATA_DIR to the shared data directory to run this test (" \
         << relative << " not found)");                                                      \
    return;                                                                                  \
  }                                                                                          \
  const std::filesystem::path var = *var##_opt
