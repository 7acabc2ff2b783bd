#include "engine/sim/prompt_text.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

namespace lusifer {
namespace {

bool is_continuation_byte(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

// Byte offset of the start of code point `n` (or text.size()).
std::size_t offset_of_code_point(std::string_view text, std::size_t n) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation_byte(static_cast<unsigned char>(text[i]))) {
      if (count == n)
        return i;
      ++count;
    }
  }
  return text.size();
}

}  // namespace

std::string display_title(std::string_view title) {
  // Articles as MovieLens appends them, with the separator they take in front.
  struct Article {
    std::string_view suffix;
    std::string_view prefix;
  };
  static constexpr std::array<Article, 18> kArticles = {{
      {", The", "The "},
      {", A", "A "},
      {", An", "An "},
      {", Les", "Les "},
      {", La", "La "},
      {", Le", "Le "},
      {", L'", "L'"},
      {", Il", "Il "},
      {", Lo", "Lo "},
      {", El", "El "},
      {", Los", "Los "},
      {", Las", "Las "},
      {", Das", "Das "},
      {", Der", "Der "},
      {", Die", "Die "},
      {", Det", "Det "},
      {", Den", "Den "},
      {", Une", "Une "},
  }};
  const auto paren = title.find(" (");
  const std::string_view core = title.substr(0, paren);
  const std::string_view rest =
      paren == std::string_view::npos ? std::string_view{} : title.substr(paren);
  for (const auto& article : kArticles) {
    if (core.size() > article.suffix.size() && core.ends_with(article.suffix)) {
      std::string result(article.prefix);
      result += core.substr(0, core.size() - article.suffix.size());
      result += rest;
      return result;
    }
  }
  return std::string(title);
}

std::string single_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      pending_space = !out.empty();
      continue;
    }
    if (c < 0x20 || c == 0x7F)
      continue;
    if (pending_space)
      out += ' ';
    pending_space = false;
    out += ch;
  }
  return out;
}

std::string truncate_text(std::string_view text, std::size_t max_chars) {
  if (max_chars == 0)
    return {};
  const std::size_t cut = offset_of_code_point(text, max_chars);
  if (cut >= text.size())
    return std::string(text);
  // Leave room for the ellipsis inside the limit.
  const std::size_t keep = offset_of_code_point(text, max_chars - 1);
  std::string_view kept = text.substr(0, keep);
  const std::size_t space = kept.rfind(' ');
  if (space != std::string_view::npos && space >= keep - keep / 3 && space > 0)
    kept = kept.substr(0, space);
  while (!kept.empty() && (kept.back() == ' ' || kept.back() == ',' || kept.back() == ';'))
    kept.remove_suffix(1);
  std::string out(kept);
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  return out;
}

std::string format_rating(double rating) {
  if (std::abs(rating - std::round(rating)) < 1e-9)
    return fmt::format("{}", static_cast<long long>(std::llround(rating)));
  // Scales step in halves or tenths; two decimals are plenty, trailing zeros go.
  std::string text = fmt::format("{:.2f}", rating);
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.')
    text.pop_back();
  return text;
}

std::string scale_levels_text(const RatingScale& scale) {
  std::string text;
  const int levels = scale.level_count();
  for (int level = 0; level < levels; ++level) {
    if (level > 0)
      text += ", ";
    text += format_rating(scale.level_value(level));
  }
  return text;
}

}  // namespace lusifer
