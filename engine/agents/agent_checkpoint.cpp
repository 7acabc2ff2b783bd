#include "engine/agents/agent_checkpoint.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "engine/core/input_error.hpp"
#include "engine/core/random.hpp"

namespace lusifer {
namespace {

static_assert(
    std::endian::native == std::endian::little,
    "agent checkpoints are written in the machine's byte order, which must be little-endian");

constexpr char kMagic[8] = {'L', 'S', 'F', 'A', 'G', 'E', 'N', 'T'};
constexpr std::uint64_t kChecksumSeed = 0x6c75736966657221ULL;

// Folds bytes into the running checksum, eight at a time (the tail padded
// with zeros); each call is hashed on its own, so writer and reader agree as
// long as they make the same calls.
std::uint64_t fold(std::uint64_t h, const void* data, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    h = (std::rotl(h ^ word, 27) * 0x9e3779b97f4a7c15ULL) + 0x632be59bd9b4e019ULL;
  }
  if (i < size) {
    std::uint64_t word = 0;
    std::memcpy(&word, p + i, size - i);
    h = (std::rotl(h ^ word, 27) * 0x9e3779b97f4a7c15ULL) + 0x632be59bd9b4e019ULL;
  }
  return mix64(h ^ size);
}

}  // namespace

CheckpointWriter::CheckpointWriter(std::ostream& out) : out_(out), checksum_(kChecksumSeed) {
  bytes(kMagic, sizeof kMagic);
  u32(kAgentCheckpointVersion);
}

void CheckpointWriter::bytes(const void* data, std::size_t size) {
  checksum_ = fold(checksum_, data, size);
  out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out_)
    throw std::runtime_error("agent checkpoint: write failed");
}

void CheckpointWriter::u8(std::uint8_t value) {
  bytes(&value, sizeof value);
}
void CheckpointWriter::u32(std::uint32_t value) {
  bytes(&value, sizeof value);
}
void CheckpointWriter::u64(std::uint64_t value) {
  bytes(&value, sizeof value);
}
void CheckpointWriter::i64(std::int64_t value) {
  bytes(&value, sizeof value);
}
void CheckpointWriter::f32(float value) {
  bytes(&value, sizeof value);
}
void CheckpointWriter::f64(double value) {
  bytes(&value, sizeof value);
}

void CheckpointWriter::text(std::string_view value) {
  u64(value.size());
  bytes(value.data(), value.size());
}

void CheckpointWriter::u16s(std::span<const std::uint16_t> values) {
  u64(values.size());
  bytes(values.data(), values.size_bytes());
}

void CheckpointWriter::u64s(std::span<const std::uint64_t> values) {
  u64(values.size());
  bytes(values.data(), values.size_bytes());
}

void CheckpointWriter::i64s(std::span<const std::int64_t> values) {
  u64(values.size());
  bytes(values.data(), values.size_bytes());
}

void CheckpointWriter::f32s(std::span<const float> values) {
  u64(values.size());
  bytes(values.data(), values.size_bytes());
}

void CheckpointWriter::finish() {
  const std::uint64_t sum = checksum_;
  out_.write(reinterpret_cast<const char*>(&sum), sizeof sum);
  out_.flush();
  if (!out_)
    throw std::runtime_error("agent checkpoint: write failed");
}

CheckpointReader::CheckpointReader(std::istream& in, std::string source)
    : in_(in), source_(std::move(source)), checksum_(kChecksumSeed) {
  char magic[sizeof kMagic] = {};
  bytes(magic, sizeof magic, "the checkpoint magic");
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    fail("an agent checkpoint (starting with \"LSFAGENT\")",
         quote_excerpt(std::string_view(magic, sizeof magic)));
  const std::uint32_t version = u32("the checkpoint format version");
  if (version != kAgentCheckpointVersion)
    fail(fmt::format("checkpoint format version {}", kAgentCheckpointVersion),
         fmt::format("version {}", version));
}

void CheckpointReader::fail(std::string expected, std::string found) const {
  throw InputError(source_, 0, std::move(expected), std::move(found));
}

void CheckpointReader::bytes(void* data, std::size_t size, std::string_view what) {
  in_.read(static_cast<char*>(data), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in_.gcount()) != size)
    fail(fmt::format("{} ({} bytes)", what, size),
         fmt::format("the end of the checkpoint after {} bytes", in_.gcount()));
  checksum_ = fold(checksum_, data, size);
}

std::uint8_t CheckpointReader::u8(std::string_view what) {
  std::uint8_t v;
  bytes(&v, sizeof v, what);
  return v;
}
std::uint32_t CheckpointReader::u32(std::string_view what) {
  std::uint32_t v;
  bytes(&v, sizeof v, what);
  return v;
}
std::uint64_t CheckpointReader::u64(std::string_view what) {
  std::uint64_t v;
  bytes(&v, sizeof v, what);
  return v;
}
std::int64_t CheckpointReader::i64(std::string_view what) {
  std::int64_t v;
  bytes(&v, sizeof v, what);
  return v;
}
float CheckpointReader::f32(std::string_view what) {
  float v;
  bytes(&v, sizeof v, what);
  return v;
}
double CheckpointReader::f64(std::string_view what) {
  double v;
  bytes(&v, sizeof v, what);
  return v;
}

std::string CheckpointReader::text(std::string_view what, std::size_t max_size) {
  const std::uint64_t size = u64(what);
  if (size > max_size)
    fail(fmt::format("{} of at most {} bytes", what, max_size), fmt::format("{} bytes", size));
  std::string value(size, '\0');
  bytes(value.data(), value.size(), what);
  return value;
}

namespace {

template <class T>
void read_array(CheckpointReader& reader, std::span<T> out, std::string_view what,
                std::uint64_t size) {
  if (size != out.size())
    reader.fail(fmt::format("{} values of {}", out.size(), what), fmt::format("{}", size));
}

}  // namespace

void CheckpointReader::u16s(std::span<std::uint16_t> out, std::string_view what) {
  read_array(*this, out, what, u64(what));
  bytes(out.data(), out.size_bytes(), what);
}

void CheckpointReader::u64s(std::span<std::uint64_t> out, std::string_view what) {
  read_array(*this, out, what, u64(what));
  bytes(out.data(), out.size_bytes(), what);
}

void CheckpointReader::i64s(std::span<std::int64_t> out, std::string_view what) {
  read_array(*this, out, what, u64(what));
  bytes(out.data(), out.size_bytes(), what);
}

void CheckpointReader::f32s(std::span<float> out, std::string_view what) {
  read_array(*this, out, what, u64(what));
  bytes(out.data(), out.size_bytes(), what);
}

void CheckpointReader::expect_u64(std::uint64_t expected, std::string_view what) {
  const std::uint64_t found = u64(what);
  if (found != expected)
    fail(fmt::format("{} {} (as this agent was built)", what, expected), fmt::format("{}", found));
}

void CheckpointReader::expect_f64(double expected, std::string_view what) {
  const double found = f64(what);
  // Bitwise: resuming must continue exactly, so nearly equal is not equal.
  if (std::bit_cast<std::uint64_t>(found) != std::bit_cast<std::uint64_t>(expected))
    fail(fmt::format("{} {} (as this agent was built)", what, expected), fmt::format("{}", found));
}

void CheckpointReader::expect_text(std::string_view expected, std::string_view what) {
  const std::string found = text(what);
  if (found != expected)
    fail(fmt::format("{} {} (as this agent was built)", what, quote_excerpt(expected)),
         quote_excerpt(found));
}

void CheckpointReader::finish() {
  const std::uint64_t expected = checksum_;
  std::uint64_t found = 0;
  in_.read(reinterpret_cast<char*>(&found), sizeof found);
  if (in_.gcount() != sizeof found)
    fail("the checkpoint checksum (8 bytes)", "the end of the checkpoint");
  if (found != expected)
    fail(fmt::format("checksum {:016x}", expected),
         fmt::format("{:016x} (the checkpoint is corrupted)", found));
}

}  // namespace lusifer
