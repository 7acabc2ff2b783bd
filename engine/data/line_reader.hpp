#pragma once

// Reads a text file line by line, in large blocks, so that files of any size
// are read at disk speed with a fixed amount of memory.

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace lusifer {

class LineReader {
 public:
  // Opens `path`; throws InputError naming the file when it cannot be opened.
  explicit LineReader(std::string path, std::size_t block_size = std::size_t{1} << 22);
  ~LineReader();

  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Sets `line` to the next line without its terminator (LF or CRLF) and
  // returns true, or returns false at the end of the file. A UTF-8 byte order
  // mark at the start of the file is dropped. `line` stays valid until the
  // next call.
  bool next(std::string_view& line);

  // The 1-based number of the line last returned by `next`.
  std::size_t line_number() const noexcept { return line_number_; }
  const std::string& path() const noexcept { return path_; }
  // The size of the file in bytes, as it was when opened.
  std::size_t file_size() const noexcept { return file_size_; }

 private:
  bool fill();

  std::string path_;
  std::FILE* file_ = nullptr;
  std::size_t file_size_ = 0;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool at_start_ = true;
  std::size_t line_number_ = 0;
};

}  // namespace lusifer
