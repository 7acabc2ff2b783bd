#include "engine/mock/token_count.hpp"

namespace lusifer::mock {

std::int64_t count_text_tokens(std::string_view text) noexcept {
  std::int64_t total = 0;
  scan_token_pieces(text, [&](std::size_t, std::int64_t tokens) { total += tokens; });
  return total;
}

std::size_t prefix_within_tokens(std::string_view text, std::int64_t max_tokens) noexcept {
  std::int64_t total = 0;
  std::size_t end = 0;
  bool full = false;
  scan_token_pieces(text, [&](std::size_t piece_end, std::int64_t tokens) {
    if (full)
      return;
    if (total + tokens > max_tokens) {
      full = true;
      return;
    }
    total += tokens;
    end = piece_end;
  });
  return end;
}

}  // namespace lusifer::mock
