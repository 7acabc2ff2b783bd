#pragma once

// Character encodings of dataset files. MovieLens 100K and 1M are latin-1; the
// "latest" CSV files and everything lusifer writes are UTF-8.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer {

// The byte offset of the first invalid UTF-8 sequence in `text` (overlong
// forms, surrogates and code points above U+10FFFF are invalid), or nullopt.
std::optional<std::size_t> find_invalid_utf8(std::string_view text) noexcept;

// True when `text` is valid UTF-8 and uses at least one multi-byte sequence;
// such a file declared latin-1 was most likely converted to UTF-8 already.
bool looks_like_multibyte_utf8(std::string_view text) noexcept;

// The offset of the first byte that cannot be latin-1 text: a C0 control other
// than tab, or a C1 control (0x80-0x9f, which latin-1 text never uses but
// Windows-1252 and binary files do), or nullopt.
std::optional<std::size_t> find_non_latin1_text(std::string_view text) noexcept;

// Appends the UTF-8 encoding of latin-1 `text` to `out`.
void append_latin1_as_utf8(std::string_view text, std::string& out);

}  // namespace lusifer
