#include "engine/core/input_error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace lusifer {
namespace {

std::string format_message(const std::string& file, std::size_t line, const std::string& expected,
                           const std::string& found) {
  if (line == 0) return fmt::format("{}: expected {}, found {}", file, expected, found);
  return fmt::format("{}:{}: expected {}, found {}", file, line, expected, found);
}

}  // namespace

InputError::InputError(std::string file, std::size_t line, std::string expected, std::string found)
    : std::runtime_error(format_message(file, line, expected, found)),
      file_(std::move(file)),
      line_(line),
      expected_(std::move(expected)),
      found_(std::move(found)) {}

std::string quote_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out = "\"";
  const bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += cut ? "\"..." : "\"";
  return out;
}

void InputDiagnostics::report(InputError error) {
  if (!lenient_) throw error;
  ++total_skipped_;
  auto it = std::find_if(by_file_.begin(), by_file_.end(),
                         [&](const FileCount& c) { return c.file == error.file(); });
  if (it == by_file_.end()) it = by_file_.insert(by_file_.end(), FileCount{error.file(), 0});
  ++it->skipped_lines;
  if (samples_.size() < kMaxSamples) samples_.emplace_back(error.what());
}

}  // namespace lusifer
