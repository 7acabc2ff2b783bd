#include "engine/data/csv_reader.hpp"

#include <fmt/format.h>

#include "engine/core/input_error.hpp"

namespace lusifer {

CsvReader::CsvReader(LineReader& lines, char delimiter, bool quoting)
    : lines_(lines), delimiter_(delimiter), quoting_(quoting) {}

void CsvReader::split_unquoted(std::string_view line,
                               std::vector<std::string_view>& fields) const {
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = line.find(delimiter_, start);
    if (pos == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, pos - start));
    start = pos + 1;
  }
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  std::string_view line;
  if (!lines_.next(line)) return false;
  record_line_ = lines_.line_number();
  record_text_ = line;
  if (!quoting_ || line.find('"') == std::string_view::npos) {
    split_unquoted(line, fields);
    return true;
  }
  // Join physical lines until every quoted field is closed.
  joined_.assign(line);
  auto open_quote = [&] {
    bool open = false;
    for (char c : joined_) open ^= (c == '"');
    return open;
  };
  while (open_quote()) {
    if (!lines_.next(line)) {
      throw InputError(lines_.path(), record_line_, "a closing quote for the field opened here",
                       "the end of the file");
    }
    joined_ += '\n';
    joined_.append(line);
  }
  record_text_ = joined_;
  parse_quoted(fields);
  return true;
}

void CsvReader::parse_quoted(std::vector<std::string_view>& fields) {
  // Field contents go to unquoted_; views are taken once it stops growing.
  unquoted_.clear();
  unquoted_.reserve(joined_.size());
  spans_.clear();
  const std::string_view s = joined_;
  std::size_t i = 0;
  for (;;) {
    const std::size_t begin = unquoted_.size();
    if (i < s.size() && s[i] == '"') {
      ++i;
      for (;;) {
        // An even quote count does not promise a closing quote here: a quote
        // inside an unquoted field (a"b) is data and counts too.
        const std::size_t q = s.find('"', i);
        if (q == std::string_view::npos) {
          throw InputError(lines_.path(), record_line_, "a closing quote for the quoted field",
                           quote_excerpt(s.substr(i - 1, 20)));
        }
        unquoted_.append(s.substr(i, q - i));
        i = q + 1;
        if (i < s.size() && s[i] == '"') {
          unquoted_ += '"';
          ++i;
          continue;
        }
        break;
      }
      if (i < s.size() && s[i] != delimiter_) {
        throw InputError(lines_.path(), record_line_,
                         fmt::format("'{}' or the end of the line after a closing quote", delimiter_),
                         quote_excerpt(s.substr(i, 20)));
      }
    } else {
      const std::size_t end = std::min(s.find(delimiter_, i), s.size());
      unquoted_.append(s.substr(i, end - i));
      i = end;
    }
    spans_.emplace_back(begin, unquoted_.size() - begin);
    if (i >= s.size()) break;
    ++i;  // the delimiter
    if (i == s.size()) {
      spans_.emplace_back(unquoted_.size(), 0);  // a trailing empty field
      break;
    }
  }
  const std::string_view base = unquoted_;
  for (const auto& [offset, length] : spans_) fields.push_back(base.substr(offset, length));
}

void split_on(std::string_view line, std::string_view separator,
              std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = line.find(separator, start);
    if (pos == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, pos - start));
    start = pos + separator.size();
  }
}

}  // namespace lusifer
