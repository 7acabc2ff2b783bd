#pragma once

// A fast, seeded 64-bit hash of bytes, for the mock server's own lookups
// (prompt prefixes, content seeds). Not cryptographic and not stable across
// lusifer versions; never persist it. Eight bytes per step (a multiply and a
// rotation), finished with lusifer's mix64.
//
// ByteHasher is incremental: feeding "ab" then "c" gives the same digest as
// feeding "abc". Pure; a hasher is a small value, not shared between threads.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lusifer::mock {

class ByteHasher {
 public:
  explicit ByteHasher(std::uint64_t seed = 0) noexcept : state_(seed ^ 0x9e3779b97f4a7c15ULL) {}

  void update(std::string_view bytes) noexcept;
  // The hash of everything fed so far; feeding may continue afterwards.
  std::uint64_t digest() const noexcept;

 private:
  void absorb(std::uint64_t word) noexcept;

  std::uint64_t state_;
  std::uint64_t pending_ = 0;  // up to 7 bytes not yet absorbed
  unsigned pending_bytes_ = 0;
  std::uint64_t length_ = 0;
};

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed = 0) noexcept;

}  // namespace lusifer::mock
