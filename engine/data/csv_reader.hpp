#pragma once

// Reads delimiter-separated records as RFC 4180 describes them: fields may be
// quoted, quoted fields may hold delimiters, doubled quotes and line breaks.
// Unquoted records (nearly all rating rows) take a fast path that copies
// nothing.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/data/line_reader.hpp"

namespace lusifer {

class CsvReader {
 public:
  // Reads from `lines`, which must outlive the reader. With `quoting` off,
  // quotes are ordinary characters (MovieLens's "::" and "|" files).
  explicit CsvReader(LineReader& lines, char delimiter = ',', bool quoting = true);

  // Reads the next record into `fields` (views valid until the next call) and
  // returns true, or returns false at the end of the input. A malformed record
  // (text after a closing quote) throws InputError; so does a quoted field
  // still open at the end of the file, since it swallowed the rest of it.
  bool next(std::vector<std::string_view>& fields);

  // The line on which the last record started, and its text for messages.
  std::size_t record_line() const noexcept { return record_line_; }
  std::string_view record_text() const noexcept { return record_text_; }
  const std::string& path() const noexcept { return lines_.path(); }

 private:
  void split_unquoted(std::string_view line, std::vector<std::string_view>& fields) const;
  void parse_quoted(std::vector<std::string_view>& fields);

  LineReader& lines_;
  char delimiter_;
  bool quoting_;
  std::size_t record_line_ = 0;
  std::string_view record_text_;
  std::string joined_;   // the record's lines, when a quoted field spans several
  std::string unquoted_;  // field contents with quotes removed
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // (offset, length) in unquoted_
};

// Splits `line` at every occurrence of the multi-character `separator`.
void split_on(std::string_view line, std::string_view separator,
              std::vector<std::string_view>& fields);

}  // namespace lusifer
