#pragma once

// Writes RFC 4180 CSV files: fields holding a comma, a quote or a line break
// are quoted, quotes are doubled, lines end with LF. Output is buffered and
// every write error (a full disk) throws, naming the file.

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

namespace lusifer {

// Appends `field` to `out`, quoted where RFC 4180 requires it.
void append_csv_field(std::string& out, std::string_view field);

class CsvWriter {
 public:
  // Creates or truncates `path`; throws std::runtime_error when it cannot.
  explicit CsvWriter(std::string path);
  ~CsvWriter();

  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  void write_row(std::initializer_list<std::string_view> fields);
  // Appends a line that the caller has already formatted (without the LF).
  void write_raw_line(std::string_view line);
  // Flushes and closes; throws on a write error. The destructor closes
  // without throwing, so call this to know the file is complete.
  void close();

  const std::string& path() const noexcept { return path_; }

 private:
  void flush_if_full();
  void flush();

  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

}  // namespace lusifer
