#include "engine/mock/shape_filler.hpp"

#include <charconv>
#include <vector>

#include <simdjson.h>

#include "engine/core/json_writer.hpp"
#include "engine/mock/filler_text.hpp"

namespace lusifer::mock {
namespace {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the closing brace
};

// The end of the string starting at the quote at `pos` (one past its closing
// quote), or npos when it never closes.
std::size_t string_end(std::string_view text, std::size_t pos) noexcept {
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Top-level balanced {...} spans, in order.
std::vector<Span> object_spans(std::string_view text) {
  std::vector<Span> spans;
  std::size_t i = 0;
  while ((i = text.find('{', i)) != std::string_view::npos) {
    int depth = 0;
    std::size_t j = i;
    bool closed = false;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (c == '"') {
        const auto end = string_end(text, j);
        if (end == std::string_view::npos)
          break;
        j = end - 1;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}') {
        if (--depth == 0) {
          closed = true;
          break;
        }
      }
    }
    if (!closed) {
      ++i;
      continue;
    }
    spans.push_back({i, j + 1});
    i = j + 1;
  }
  return spans;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool is_json_number(std::string_view s) noexcept {
  if (s.empty())
    return false;
  double v = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), v);
  return error == std::errc() && end == s.data() + s.size() && s.front() != '+';
}

bool contains_word(std::string_view text, std::string_view word) noexcept {
  return text.find(word) != std::string_view::npos;
}

void append_placeholder(std::string& out, std::string_view inner, Rng& rng) {
  inner = trim(inner);
  constexpr std::string_view kOneOf = "one of:";
  if (inner.starts_with(kOneOf)) {
    std::vector<std::string_view> options;
    std::string_view rest = inner.substr(kOneOf.size());
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto option = trim(rest.substr(0, comma));
      if (!option.empty())
        options.push_back(option);
      if (comma == std::string_view::npos)
        break;
      rest.remove_prefix(comma + 1);
    }
    if (!options.empty()) {
      const auto choice = options[rng.uniform_index(options.size())];
      if (is_json_number(choice) || choice == "true" || choice == "false" || choice == "null" ||
          (choice.size() >= 2 && choice.front() == '"' && choice.back() == '"')) {
        out += choice;
      } else {
        append_json_string(out, choice);
      }
      return;
    }
  }
  if (contains_word(inner, "number") || contains_word(inner, "integer") ||
      contains_word(inner, "rating") || contains_word(inner, "score")) {
    out += std::to_string(1 + rng.uniform_index(5));
    return;
  }
  std::string sentence;
  append_sentence(sentence, rng);
  append_json_string(out, sentence);
}

std::string fill_span(std::string_view shape, Rng& rng) {
  std::string out;
  out.reserve(shape.size() * 3);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const char c = shape[i];
    if (c == '"') {
      const auto end = string_end(shape, i);
      const std::string_view literal = shape.substr(i, end - i);
      if (literal == "\"...\"" || literal == "\"\xe2\x80\xa6\"") {
        std::string prose;
        append_prose(prose, rng, 1 + static_cast<int>(rng.uniform_index(2)));
        append_json_string(out, prose);
      } else {
        out += literal;
      }
      i = end - 1;
    } else if (c == '<') {
      const auto close = shape.find('>', i);
      if (close == std::string_view::npos) {
        out += c;
        continue;
      }
      append_placeholder(out, shape.substr(i + 1, close - i - 1), rng);
      i = close;
    } else if (shape.substr(i).starts_with("...")) {
      i += 2;
    } else if (shape.substr(i).starts_with("\xe2\x80\xa6")) {
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

bool is_json_object(const std::string& text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text.data(), text.size(), true).get(root) == simdjson::SUCCESS &&
         root.is_object();
}

}  // namespace

std::optional<std::string> fill_answer_shape(std::string_view prompt, Rng& rng) {
  const auto spans = object_spans(prompt);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    const std::string_view shape = prompt.substr(it->begin, it->end - it->begin);
    std::string filled = fill_span(shape, rng);
    if (is_json_object(filled))
      return filled;
  }
  return std::nullopt;
}

}  // namespace lusifer::mock
