#include "engine/llm/header_field.hpp"

#include "engine/llm/ascii_text.hpp"

namespace lusifer::llm {

std::optional<std::string_view> find_header(HeaderList headers, std::string_view name) noexcept {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const HeaderField field = headers[i];
    if (ascii_iequals(field.name, name))
      return trim_ascii_space(field.value);
  }
  return std::nullopt;
}

}  // namespace lusifer::llm
