#pragma once

// HTTP header fields as the protocol layer sees them: borrowed (name, value)
// views. Names compare case-insensitively (RFC 9110 section 5.1).
//
// HeaderList is a non-owning view over any random-access container whose
// elements have `name` and `value` members convertible to std::string_view:
// std::vector<HeaderField>, std::span<const HeaderField>, or the HTTP layer's
// own field list (HttpHeaders::fields()), so headers reach the parsers here
// without being copied. Like std::span it must not outlive the container;
// use it as a parameter type.

#include <concepts>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

namespace lusifer::llm {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

template <class Range>
concept HeaderRange = requires(const Range& fields, std::size_t i) {
  { std::size(fields) } -> std::convertible_to<std::size_t>;
  { fields[i].name } -> std::convertible_to<std::string_view>;
  { fields[i].value } -> std::convertible_to<std::string_view>;
};

class HeaderList {
 public:
  HeaderList() noexcept = default;

  // Implicit on purpose: any header container converts at the call.
  template <HeaderRange Range>
  requires(!std::same_as<Range, HeaderList>) HeaderList(const Range& fields)
  noexcept  // NOLINT(google-explicit-constructor)
      : fields_(&fields), size_(std::size(fields)), at_(&field_at<Range>) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  HeaderField operator[](std::size_t i) const noexcept { return at_(fields_, i); }

 private:
  template <class Range>
  static HeaderField field_at(const void* fields, std::size_t i) noexcept {
    const auto& field = (*static_cast<const Range*>(fields))[i];
    return {std::string_view(field.name), std::string_view(field.value)};
  }

  const void* fields_ = nullptr;
  std::size_t size_ = 0;
  HeaderField (*at_)(const void*, std::size_t) noexcept = nullptr;
};

// The value of the first field called `name` (any case), with surrounding
// whitespace removed; nullopt when there is none.
std::optional<std::string_view> find_header(HeaderList headers, std::string_view name) noexcept;

}  // namespace lusifer::llm
