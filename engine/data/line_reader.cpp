#include "engine/data/line_reader.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "engine/core/input_error.hpp"

namespace lusifer {

LineReader::LineReader(std::string path, std::size_t block_size)
    : path_(std::move(path)), buffer_(block_size) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    throw InputError(path_, 0, "a readable file", std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(::fileno(file_), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      std::fclose(file_);
      file_ = nullptr;
      throw InputError(path_, 0, "a readable file", "a directory");
    }
    file_size_ = static_cast<std::size_t>(st.st_size);
  }
}

LineReader::~LineReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool LineReader::fill() {
  if (eof_) return false;
  // Keep the unread tail, then top the buffer up; grow it when one line fills it.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  const std::size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
  if (n == 0) {
    if (std::ferror(file_)) throw InputError(path_, line_number_ + 1, "readable data", "a read error");
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::next(std::string_view& line) {
  for (;;) {
    if (at_start_ && end_ - begin_ >= 3) {
      if (std::memcmp(buffer_.data() + begin_, "\xef\xbb\xbf", 3) == 0) begin_ += 3;
      at_start_ = false;
    }
    const char* start = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (newline != nullptr) {
      std::size_t len = static_cast<std::size_t>(newline - start);
      begin_ += len + 1;
      if (len > 0 && start[len - 1] == '\r') --len;
      line = std::string_view(start, len);
      ++line_number_;
      at_start_ = false;
      return true;
    }
    if (!fill()) {
      at_start_ = false;
      if (begin_ == end_) return false;
      // The last line has no terminator.
      std::size_t len = end_ - begin_;
      line = std::string_view(buffer_.data() + begin_, len);
      if (len > 0 && line.back() == '\r') line.remove_suffix(1);
      begin_ = end_;
      ++line_number_;
      return true;
    }
  }
}

}  // namespace lusifer
