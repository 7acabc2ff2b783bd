#pragma once

// HTTP header fields as an ordered list of (name, value) pairs.
//
// Names compare case-insensitively (ASCII), as HTTP requires; the spelling a
// field was added with is kept. A name may occur several times (add), or be
// made unique (set). Lookups are linear, which beats hashing for the dozen
// fields a message carries.
//
// Nothing here validates on insertion: senders check fields with
// is_valid_field_name / is_valid_field_value before they go on the wire, so
// that a CR or LF in a value can never inject a header.
//
// Not thread-safe; a value type like std::vector.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lusifer {

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;

// A token per RFC 9110 (letters, digits and !#$%&'*+-.^_`|~), not empty.
bool is_valid_field_name(std::string_view name) noexcept;
// No CR, LF or NUL, and no other control byte except horizontal tab.
bool is_valid_field_value(std::string_view value) noexcept;

class HttpHeaders {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  // Appends a field, keeping any with the same name.
  void add(std::string name, std::string value);
  // Replaces every field named `name` by one field (appended if none existed).
  void set(std::string_view name, std::string value);
  // Removes every field named `name`; returns how many were removed.
  std::size_t erase(std::string_view name);

  // The value of the first field named `name`, or nullopt. The view is valid
  // until the headers are modified.
  std::optional<std::string_view> find(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return find(name).has_value(); }

  const std::vector<Field>& fields() const noexcept { return fields_; }
  std::vector<Field>::const_iterator begin() const noexcept { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  void reserve(std::size_t n) { fields_.reserve(n); }
  void clear() noexcept { fields_.clear(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace lusifer
