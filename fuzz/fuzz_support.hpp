#pragma once

// What the fuzz targets share: reading the fuzzer's bytes as a few choices
// followed by a payload, and failing loudly when a parser breaks a promise
// its header makes.
//
// A broken promise (a wrong result, not only a crash) prints what was
// expected and aborts, so libFuzzer treats the input as a crash and saves
// it. Exceptions a parser is allowed to throw are caught by each target;
// any other exception escapes, which also aborts (std::terminate), and the
// message names its type.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace lusifer::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* condition,
                              std::string_view what) {
  std::fprintf(stderr, "%s:%d: broken guarantee: %s\n  (%s)\n", file, line,
               std::string(what).c_str(), condition);
  std::abort();
}

// The fuzzer's input: choice bytes from the front, the rest as text.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) noexcept
      : text_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 when the input is used up.
  std::uint8_t byte() noexcept {
    if (text_.empty())
      return 0;
    const auto b = static_cast<std::uint8_t>(text_.front());
    text_.remove_prefix(1);
    return b;
  }

  // Everything not yet consumed.
  std::string_view rest() const noexcept { return text_; }

 private:
  std::string_view text_;
};

}  // namespace lusifer::fuzz

// Checks a guarantee of the code under test; `what` says which, in words.
#define LUSIFER_FUZZ_CHECK(condition, what)                          \
  do {                                                               \
    if (!(condition))                                                \
      ::lusifer::fuzz::fail(__FILE__, __LINE__, #condition, (what)); \
  } while (false)
