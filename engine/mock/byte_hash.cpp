#include "engine/mock/byte_hash.hpp"

#include <cstring>

#include "engine/core/random.hpp"

namespace lusifer::mock {

void ByteHasher::absorb(std::uint64_t word) noexcept {
  // One multiply and a rotation per word; digest() mixes the state fully.
  state_ = (state_ ^ (word * 0xff51afd7ed558ccdULL));
  state_ = ((state_ << 31) | (state_ >> 33)) * 0x9e3779b97f4a7c15ULL;
}

void ByteHasher::update(std::string_view bytes) noexcept {
  length_ += bytes.size();
  std::size_t i = 0;
  while (pending_bytes_ != 0 && i < bytes.size()) {
    pending_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i++]))
                << (8 * pending_bytes_);
    if (++pending_bytes_ == 8) {
      absorb(pending_);
      pending_ = 0;
      pending_bytes_ = 0;
    }
  }
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, 8);
    absorb(word);
  }
  for (; i < bytes.size(); ++i) {
    pending_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i]))
                << (8 * pending_bytes_);
    ++pending_bytes_;
  }
}

std::uint64_t ByteHasher::digest() const noexcept {
  return mix64(state_ ^ mix64(pending_ ^ (length_ << 3) ^ pending_bytes_));
}

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) noexcept {
  ByteHasher hasher(seed);
  hasher.update(bytes);
  return hasher.digest();
}

}  // namespace lusifer::mock
