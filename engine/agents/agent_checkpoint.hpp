#pragma once

// The binary format of agent checkpoints: fixed-width little-endian fields
// (raw IEEE bits for floats, so a restored agent continues bit for bit), and
// a checksum over everything written, so that a truncated or corrupted
// checkpoint is refused instead of half-loaded.
//
// A checkpoint is: the magic "LSFAGENT", the format version, the agent's
// name, then what the agent writes, then the checksum. Readers must read
// exactly the fields the writer wrote, in the same order and with the same
// lengths, because the checksum covers each call's bytes.
//
// Errors: a write failure throws std::runtime_error. Reading throws
// lusifer::InputError (file = the source name given, line 0) for a wrong
// magic or version, a mismatched field, a truncated stream or a bad
// checksum, saying what was expected and what was found.
//
// Not thread-safe; one writer or reader per stream.

#include <cstdint>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace lusifer {

// Bumped whenever the layout of any agent's checkpoint changes.
// 2: LinUCB's A_u^-1 saved as packed triangles (1 held full matrices).
// 3: LinUCB's A_u^-1 with its storage precision and scale, in half
//    precision as halves.
inline constexpr std::uint32_t kAgentCheckpointVersion = 3;

class CheckpointWriter {
 public:
  // Writes the magic and the format version.
  explicit CheckpointWriter(std::ostream& out);

  void u8(std::uint8_t value);
  void u32(std::uint32_t value);
  void u64(std::uint64_t value);
  void i64(std::int64_t value);
  void f32(float value);
  void f64(double value);
  void text(std::string_view value);
  void u16s(std::span<const std::uint16_t> values);
  void u64s(std::span<const std::uint64_t> values);
  void i64s(std::span<const std::int64_t> values);
  void f32s(std::span<const float> values);
  // Writes the checksum; nothing may be written after it.
  void finish();

 private:
  void bytes(const void* data, std::size_t size);

  std::ostream& out_;
  std::uint64_t checksum_;
};

class CheckpointReader {
 public:
  // Reads and checks the magic and the format version.
  CheckpointReader(std::istream& in, std::string source);

  const std::string& source() const noexcept { return source_; }

  std::uint8_t u8(std::string_view what);
  std::uint32_t u32(std::string_view what);
  std::uint64_t u64(std::string_view what);
  std::int64_t i64(std::string_view what);
  float f32(std::string_view what);
  double f64(std::string_view what);
  std::string text(std::string_view what, std::size_t max_size = 4096);
  void u16s(std::span<std::uint16_t> out, std::string_view what);
  void u64s(std::span<std::uint64_t> out, std::string_view what);
  void i64s(std::span<std::int64_t> out, std::string_view what);
  void f32s(std::span<float> out, std::string_view what);

  // Reads a field and throws unless it equals what this agent was built
  // with: checkpoints resume only the agent (options, data) that wrote them.
  void expect_u64(std::uint64_t expected, std::string_view what);
  void expect_f64(double expected, std::string_view what);
  void expect_text(std::string_view expected, std::string_view what);

  // Reads the checksum and throws if it does not match what was read.
  void finish();

  [[noreturn]] void fail(std::string expected, std::string found) const;

 private:
  void bytes(void* data, std::size_t size, std::string_view what);

  std::istream& in_;
  std::string source_;
  std::uint64_t checksum_;
};

}  // namespace lusifer
