#include "engine/agents/agent_checkpoint.hpp"

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "engine/agents/fixed_point_sum.hpp"
#include "engine/core/input_error.hpp"
#include "engine/core/random.hpp"

using namespace lusifer;

namespace {

std::string sample_checkpoint() {
  std::ostringstream out;
  CheckpointWriter w(out);
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(1ULL << 40);
  w.i64(-5);
  w.f32(1.5f);
  w.f64(-0.25);
  w.text("linucb");
  const std::vector<std::uint64_t> words = {1, 2, 3};
  w.u64s(words);
  const std::vector<float> floats = {0.5f, -1.0f};
  w.f32s(floats);
  w.finish();
  return out.str();
}

}  // namespace

TEST_CASE("Checkpoint fields read back exactly as written", "[agents][checkpoint]") {
  std::istringstream in(sample_checkpoint());
  CheckpointReader r(in, "run.ckpt");
  CHECK(r.u8("a") == 7);
  CHECK(r.u32("b") == 0xdeadbeef);
  CHECK(r.u64("c") == (1ULL << 40));
  CHECK(r.i64("d") == -5);
  CHECK(r.f32("e") == 1.5f);
  CHECK(r.f64("f") == -0.25);
  CHECK(r.text("g") == "linucb");
  std::vector<std::uint64_t> words(3);
  r.u64s(words, "words");
  CHECK(words == std::vector<std::uint64_t>{1, 2, 3});
  std::vector<float> floats(2);
  r.f32s(floats, "floats");
  CHECK(floats == std::vector<float>{0.5f, -1.0f});
  CHECK_NOTHROW(r.finish());
}

TEST_CASE("A checkpoint that is not one is refused with the file named", "[agents][checkpoint]") {
  std::istringstream in("this is not a checkpoint at all");
  try {
    CheckpointReader r(in, "notes.txt");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.file() == "notes.txt");
    CHECK(e.line() == 0);
    CHECK_THAT(e.expected(), Catch::Contains("LSFAGENT"));
    CHECK_THAT(e.found(), Catch::Contains("this is "));
  }
}

TEST_CASE("A checkpoint of format version 1 (full LinUCB matrices) is refused",
          "[agents][checkpoint]") {
  std::string old = sample_checkpoint();
  const std::uint32_t version = 1;
  old.replace(8, sizeof version, reinterpret_cast<const char*>(&version), sizeof version);
  std::istringstream in(old);
  try {
    CheckpointReader r(in, "old.ckpt");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.file() == "old.ckpt");
    CHECK(e.expected() == fmt::format("checkpoint format version {}", kAgentCheckpointVersion));
    CHECK(e.found() == "version 1");
  }
}

TEST_CASE("A truncated checkpoint is refused", "[agents][checkpoint]") {
  const std::string full = sample_checkpoint();
  std::istringstream in(full.substr(0, 30));
  CheckpointReader r(in, "cut.ckpt");
  r.u8("a");
  r.u32("b");
  r.u64("c");
  try {
    r.i64("the step count");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(e.expected(), Catch::Contains("the step count"));
    CHECK_THAT(e.found(), Catch::Contains("end of the checkpoint"));
  }
}

TEST_CASE("A corrupted byte fails the checksum", "[agents][checkpoint]") {
  std::string bytes = sample_checkpoint();
  bytes[20] = static_cast<char>(bytes[20] ^ 0x10);  // inside the u64 field
  std::istringstream in(bytes);
  CheckpointReader r(in, "bad.ckpt");
  r.u8("a");
  r.u32("b");
  r.u64("c");
  r.i64("d");
  r.f32("e");
  r.f64("f");
  r.text("g");
  std::vector<std::uint64_t> words(3);
  r.u64s(words, "words");
  std::vector<float> floats(2);
  r.f32s(floats, "floats");
  try {
    r.finish();
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(e.found(), Catch::Contains("corrupted"));
  }
}

TEST_CASE("Checkpoint expectations name the mismatched field", "[agents][checkpoint]") {
  std::ostringstream out;
  CheckpointWriter w(out);
  w.u64(10);
  w.f64(0.1);
  w.text("random");
  w.finish();
  {
    std::istringstream in(out.str());
    CheckpointReader r(in, "x");
    try {
      r.expect_u64(11, "user count");
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK_THAT(e.expected(), Catch::Contains("user count 11"));
      CHECK(e.found() == "10");
    }
  }
  {
    std::istringstream in(out.str());
    CheckpointReader r(in, "x");
    r.expect_u64(10, "user count");
    CHECK_THROWS_AS(r.expect_f64(0.1000001, "epsilon"), InputError);
  }
  {
    std::istringstream in(out.str());
    CheckpointReader r(in, "x");
    r.expect_u64(10, "user count");
    r.expect_f64(0.1, "epsilon");
    CHECK_THROWS_AS(r.expect_text("linucb", "agent"), InputError);
  }
}

TEST_CASE("An array of the wrong length is refused", "[agents][checkpoint]") {
  std::ostringstream out;
  CheckpointWriter w(out);
  const std::vector<float> floats = {1, 2, 3};
  w.f32s(floats);
  w.finish();
  std::istringstream in(out.str());
  CheckpointReader r(in, "x");
  std::vector<float> two(2);
  CHECK_THROWS_AS(r.f32s(two, "coefficients"), InputError);
}

TEST_CASE("FixedPointSum does not depend on the order of its terms", "[agents][checkpoint]") {
  std::vector<double> terms;
  Rng rng(5);
  for (int i = 0; i < 2000; ++i)
    terms.push_back(rng.normal(3.0, 2.0) * (i % 7 == 0 ? 1e4 : 1.0));
  FixedPointSum forward, backward, shuffled;
  for (const double t : terms)
    forward.add(t);
  for (auto it = terms.rbegin(); it != terms.rend(); ++it)
    backward.add(*it);
  rng.shuffle(std::span<double>(terms));
  for (const double t : terms)
    shuffled.add(t);
  CHECK(forward == backward);
  CHECK(forward == shuffled);
  double plain = 0;
  for (const double t : terms)
    plain += t;
  CHECK(forward.value() == Approx(plain).epsilon(1e-9));

  const FixedPointSum copy = FixedPointSum::from_words(forward.low_word(), forward.high_word());
  CHECK(copy == forward);

  FixedPointSum negative;
  negative.add(-2.5);
  negative.add(-1.25);
  CHECK(negative.value() == -3.75);
  CHECK(FixedPointSum::from_words(negative.low_word(), negative.high_word()).value() == -3.75);

  FixedPointSum squares;
  squares.add_square(3.0);
  squares.add_square(-0.5);
  CHECK(squares.value() == 9.25);
}
