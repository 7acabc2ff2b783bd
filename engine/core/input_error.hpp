#pragma once

// Errors in files that users give us (datasets, configs, split files).
//
// Every error names the file, the line (1-based; 0 when the whole file is at
// fault), what was expected and what was found, so that a user can open the
// file at that line and fix it without reading our code.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lusifer {

class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::size_t line, std::string expected, std::string found);

  const std::string& file() const noexcept { return file_; }
  std::size_t line() const noexcept { return line_; }
  const std::string& expected() const noexcept { return expected_; }
  const std::string& found() const noexcept { return found_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string expected_;
  std::string found_;
};

// Quotes a fragment of input for an error message: escapes control bytes and
// cuts it to at most `max_bytes`, so a binary or huge line stays readable.
std::string quote_excerpt(std::string_view text, std::size_t max_bytes = 80);

// Decides what happens to a bad line. In strict mode (the default) the first
// problem throws; in lenient mode problems are counted per file, the first few
// are kept verbatim for the report, and loading goes on.
class InputDiagnostics {
 public:
  explicit InputDiagnostics(bool lenient = false) : lenient_(lenient) {}

  bool lenient() const noexcept { return lenient_; }

  // Throws `error` in strict mode; records it in lenient mode.
  void report(InputError error);

  struct FileCount {
    std::string file;
    std::size_t skipped_lines = 0;
  };
  std::size_t skipped_lines() const noexcept { return total_skipped_; }
  const std::vector<FileCount>& skipped_by_file() const noexcept { return by_file_; }
  // The first kMaxSamples messages, in the order they were found.
  const std::vector<std::string>& samples() const noexcept { return samples_; }

  static constexpr std::size_t kMaxSamples = 20;

 private:
  bool lenient_;
  std::size_t total_skipped_ = 0;
  std::vector<FileCount> by_file_;
  std::vector<std::string> samples_;
};

}  // namespace lusifer
