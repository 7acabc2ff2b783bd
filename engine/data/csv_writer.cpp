#include "engine/data/csv_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lusifer {
namespace {

constexpr std::size_t kBufferSize = std::size_t{1} << 20;

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

CsvWriter::CsvWriter(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) {
    throw std::runtime_error(fmt::format("{}: cannot create: {}", path_, std::strerror(errno)));
  }
  buffer_.reserve(kBufferSize + 4096);
}

CsvWriter::~CsvWriter() {
  if (file_ != nullptr) {
    std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    std::fclose(file_);
  }
}

void CsvWriter::write_row(std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (const auto field : fields) {
    if (!first) buffer_ += ',';
    first = false;
    append_csv_field(buffer_, field);
  }
  buffer_ += '\n';
  flush_if_full();
}

void CsvWriter::write_raw_line(std::string_view line) {
  buffer_.append(line);
  buffer_ += '\n';
  flush_if_full();
}

void CsvWriter::flush_if_full() {
  if (buffer_.size() >= kBufferSize) flush();
}

void CsvWriter::flush() {
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    throw std::runtime_error(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
  }
  buffer_.clear();
}

void CsvWriter::close() {
  if (file_ == nullptr) return;
  flush();
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) throw std::runtime_error(fmt::format("{}: close failed: {}", path_, std::strerror(errno)));
}

}  // namespace lusifer
