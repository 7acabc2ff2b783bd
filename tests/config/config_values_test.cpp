#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/config/config_file.hpp"
#include "tests/config/config_error_capture.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;
using namespace std::chrono_literals;
using lusifer::testing::config_error_from;

namespace {

constexpr const char* kWorld = R"(# A world.
[world]
users = 5000
name = "ml-100k"
noise = 0.25
ratio = 1
enabled = true
seeds = [1, 2, 3]
weights = [0.5, 1, 2.5]
tags = ["a", "b"]
)";

enum class Policy { kRandom, kGreedy, kSoftmax };

}  // namespace

TEST_CASE("typed reads return the values in the file", "[config]") {
  ConfigFile file = ConfigFile::parse(kWorld, "config/world.toml");
  ConfigSection world = file.section("world");
  CHECK(world.exists());
  CHECK(world.path() == "world");
  CHECK(world.require<std::int64_t>("users") == 5000);
  CHECK(world.get<int>("users", 1) == 5000);
  CHECK(world.require<std::string>("name") == "ml-100k");
  CHECK(world.require<double>("noise") == 0.25);
  CHECK(world.require<double>("ratio") == 1.0);  // an integer literal is a fine double
  CHECK(world.require<float>("noise") == 0.25f);
  CHECK(world.require<bool>("enabled"));
  CHECK(world.require<std::vector<std::int64_t>>("seeds") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(world.require<std::vector<std::uint32_t>>("seeds") == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(world.require<std::vector<double>>("weights") == std::vector<double>{0.5, 1.0, 2.5});
  CHECK(world.require<std::vector<std::string>>("tags") == std::vector<std::string>{"a", "b"});
  file.check_all_consumed();
}

TEST_CASE("defaults apply when keys or whole sections are absent", "[config]") {
  ConfigFile file = ConfigFile::parse("[world]\nusers = 10\n", "config/world.toml");
  ConfigSection world = file.section("world");
  CHECK(world.get<std::int64_t>("users", 99) == 10);
  CHECK(world.get<std::int64_t>("episodes", 99) == 99);
  CHECK(world.get<double>("noise", 0.1) == 0.1);
  CHECK(world.get<std::string>("name", "default") == "default");
  CHECK(world.get<bool>("enabled", true));
  CHECK(world.get<std::chrono::milliseconds>("tick", 250ms) == 250ms);
  CHECK(world.get<std::vector<std::string>>("tags", {"x"}) == std::vector<std::string>{"x"});
  CHECK(world.get_int("horizon", 7, 1, 100) == 7);
  CHECK(world.get_double("temperature", 0.5, 0.0, 2.0) == 0.5);
  CHECK(world.get_choice("mode", "fast", {"fast", "slow"}) == "fast");
  CHECK_FALSE(world.optional<std::int64_t>("missing").has_value());
  CHECK_FALSE(world.optional_int("missing", 0, 5).has_value());

  ConfigSection llm = file.section("llm");  // absent: every read sees missing keys
  CHECK_FALSE(llm.exists());
  CHECK(llm.get<std::string>("model", "mock") == "mock");
  CHECK(llm.section("pricing").get<double>("input", 1.5) == 1.5);
  CHECK(llm.tables("stops").empty());
  file.check_all_consumed();
}

TEST_CASE("a wrong type names file, line, key, expectation and finding", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[world]\n\nusers = \"many\"\nnoise = \"low\"\n"
      "flag = 1\nname = 5\nlist = [1, \"two\"]\nfloaty = 5000.0\n",
      "config/default.toml");
  ConfigSection world = file.section("world");
  const ConfigError users = config_error_from([&] { (void)world.require<std::int64_t>("users"); });
  CHECK(std::string(users.what()) ==
        "config/default.toml:3: expected an integer for world.users, found a string \"many\"");
  CHECK(users.file() == "config/default.toml");
  CHECK(users.line() == 3);
  CHECK(users.key() == "world.users");
  CHECK(users.expected() == "an integer for world.users");
  CHECK(users.found() == "a string \"many\"");

  // A default does not hide a wrong type.
  CHECK(config_error_from([&] { (void)world.get<double>("noise", 0.1); }).found() ==
        "a string \"low\"");
  CHECK(std::string(config_error_from([&] { (void)world.get<bool>("flag", false); }).what()) ==
        "config/default.toml:5: expected a boolean (true or false) for world.flag, found an "
        "integer 1");
  CHECK(config_error_from([&] { (void)world.get<std::string>("name", ""); }).found() ==
        "an integer 5");
  const ConfigError element =
      config_error_from([&] { (void)world.get<std::vector<std::int64_t>>("list", {}); });
  CHECK(std::string(element.what()) ==
        "config/default.toml:7: expected an integer for world.list[1], found a string \"two\"");
  // A narrower type states its range.
  CHECK(config_error_from([&] { (void)world.get<int>("floaty", 0); }).expected() ==
        "an integer between -2147483648 and 2147483647 for world.floaty");
  CHECK(
      std::string(config_error_from([&] { (void)world.get<std::int64_t>("floaty", 0); }).what()) ==
      "config/default.toml:8: expected an integer for world.floaty, found a floating-point "
      "number 5000.0");
}

TEST_CASE("a missing required key names the table it belongs in", "[config]") {
  ConfigFile file = ConfigFile::parse("seed = 1\n\n[llm]\nbackend = \"mock\"\n", "config/x.toml");
  ConfigSection llm = file.section("llm");
  const ConfigError e = config_error_from([&] { (void)llm.require<std::string>("model"); });
  CHECK(std::string(e.what()) ==
        "config/x.toml:3: expected a string for llm.model, found no value (the key is missing)");
  CHECK(e.key() == "llm.model");
  // At the top level, and in an absent table, there is no line to point at.
  ConfigSection top = file.root();
  CHECK(std::string(config_error_from([&] { (void)top.require<std::int64_t>("users"); }).what()) ==
        "config/x.toml: expected an integer for users, found no value (the key is missing)");
  ConfigSection absent = file.section("world");
  CHECK(config_error_from([&] { (void)absent.require<std::int64_t>("users"); }).line() == 0);
}

TEST_CASE("integers are range-checked with the line", "[config]") {
  ConfigFile file = ConfigFile::parse("[world]\nusers = 0\nbig = 300\nneg = -1\nlist = [1, 200]\n",
                                      "config/w.toml");
  ConfigSection world = file.section("world");
  CHECK(std::string(
            config_error_from([&] { (void)world.get_int("users", 10, 1, 1000000); }).what()) ==
        "config/w.toml:2: expected an integer between 1 and 1000000 for world.users, found 0");
  CHECK(std::string(config_error_from([&] { (void)world.get<std::uint8_t>("big", 0); }).what()) ==
        "config/w.toml:3: expected an integer between 0 and 255 for world.big, found 300");
  CHECK(config_error_from([&] { (void)world.get<std::size_t>("neg", 0); }).expected() ==
        "an integer of at least 0 for world.neg");
  CHECK(config_error_from([&] {
          (void)world.require_int("neg", std::numeric_limits<std::int64_t>::min(), -5);
        }).expected() == "an integer of at most -5 for world.neg");
  const ConfigError element =
      config_error_from([&] { (void)world.get<std::vector<std::int8_t>>("list", {}); });
  CHECK(element.key() == "world.list[1]");
  CHECK(element.found() == "200");
  CHECK(element.expected() == "an integer between -128 and 127 for world.list[1]");
  CHECK(element.line() == 5);
  CHECK(world.get_int("big", 0, 0, 300) == 300);  // bounds are inclusive
}

TEST_CASE("doubles are range-checked and must be finite", "[config]") {
  ConfigFile file =
      ConfigFile::parse("[llm]\ntemperature = 2.5\nbad = nan\nhuge = inf\n", "config/l.toml");
  ConfigSection llm = file.section("llm");
  CHECK(std::string(
            config_error_from([&] { (void)llm.get_double("temperature", 0, 0, 2); }).what()) ==
        "config/l.toml:2: expected a number between 0 and 2 for llm.temperature, found 2.5");
  CHECK(std::string(config_error_from([&] { (void)llm.get<double>("bad", 0); }).what()) ==
        "config/l.toml:3: expected a finite number for llm.bad, found a floating-point number nan");
  CHECK(config_error_from([&] { (void)llm.require_double("huge", 0, 1e300); }).found() ==
        "a floating-point number inf");
}

TEST_CASE("enums accept only the listed strings", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[agent]\npolicy = \"softmax\"\nother = \"gredy\"\n"
      "third = \"nothing-like-it\"\nfourth = 3\n",
      "config/a.toml");
  ConfigSection agent = file.section("agent");
  const std::initializer_list<EnumChoice<Policy>> choices = {
      {"random", Policy::kRandom}, {"greedy", Policy::kGreedy}, {"softmax", Policy::kSoftmax}};
  CHECK(agent.require_enum("policy", choices) == Policy::kSoftmax);
  CHECK(agent.get_enum("missing", Policy::kRandom, choices) == Policy::kRandom);
  CHECK_FALSE(agent.optional_enum("missing", choices).has_value());
  CHECK(std::string(config_error_from([&] {
                      (void)agent.get_enum("other", Policy::kRandom, choices);
                    }).what()) ==
        "config/a.toml:3: expected one of \"random\", \"greedy\", \"softmax\" for agent.other, "
        "found \"gredy\" (did you mean \"greedy\"?)");
  CHECK(config_error_from([&] {
          (void)agent.require_choice("third", {"a", "b"});
        }).found() == "\"nothing-like-it\"");
  CHECK(config_error_from([&] {
          (void)agent.require_choice("fourth", {"a", "b"});
        }).found() == "an integer 3");
}

TEST_CASE("relative paths resolve against the config file's directory", "[config]") {
  const lusifer::testing::TempDir dir;
  const auto config_path =
      dir.write("configs/run.toml",
                "[data]\ndirectory = \"../datasets/ml-100k\"\noutput = \"runs/./a\"\n"
                "absolute = \"/srv/data\"\nextra = [\"texts/a.csv\", \"/b.csv\"]\nempty = \"\"\n");
  ConfigFile file = ConfigFile::load(config_path);
  CHECK(file.directory() == (dir.path() / "configs").lexically_normal());
  ConfigSection data = file.section("data");
  CHECK(data.require<std::filesystem::path>("directory") ==
        (dir.path() / "datasets" / "ml-100k").lexically_normal());
  CHECK(data.require<std::filesystem::path>("output") ==
        (dir.path() / "configs" / "runs" / "a").lexically_normal());
  CHECK(data.require<std::filesystem::path>("absolute") == std::filesystem::path("/srv/data"));
  CHECK(data.require<std::vector<std::filesystem::path>>("extra") ==
        std::vector<std::filesystem::path>{
            (dir.path() / "configs" / "texts" / "a.csv").lexically_normal(), "/b.csv"});
  const ConfigError empty =
      config_error_from([&] { (void)data.require<std::filesystem::path>("empty"); });
  CHECK(empty.expected() == "a path (a non-empty string) for data.empty");
  CHECK(empty.line() == 6);
}

TEST_CASE("a missing or unreadable file is a ConfigError", "[config]") {
  const lusifer::testing::TempDir dir;
  const auto missing = dir.path() / "nope.toml";
  CHECK(std::string(config_error_from([&] { (void)ConfigFile::load(missing); }).what()) ==
        missing.string() + ": expected a readable TOML file, found no such file");
  CHECK(config_error_from([&] { (void)ConfigFile::load(dir.path()); }).found() ==
        "a directory or special file");
}

TEST_CASE("TOML syntax errors report line and column", "[config]") {
  const ConfigError e = config_error_from(
      [] { (void)ConfigFile::parse("[world]\nusers = 5\nname = \n", "config/bad.toml"); });
  CHECK(e.file() == "config/bad.toml");
  CHECK(e.line() == 3);
  CHECK(e.column() == 8);
  CHECK(e.expected() == "valid TOML");
  CHECK(std::string(e.what()) ==
        "config/bad.toml:3: expected valid TOML, found error while parsing key-value pair: "
        "expected value, saw '\\n' (column 8)");
  const ConfigError duplicate = config_error_from(
      [] { (void)ConfigFile::parse("a = 1\nb = 2\na = 3\n", "config/dup.toml"); });
  CHECK(duplicate.line() == 3);
  CHECK(duplicate.found().find("cannot redefine existing integer 'a'") != std::string::npos);
}

TEST_CASE("durations are text with a unit, or numbers with the unit in the key", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[llm]\ntimeout = \"2s\"\nretry = \"250ms\"\nidle = \"1m30s\"\nbackoff_ms = 250\n"
      "deadline_s = 1.5\nbare = 250\nstring_ms = \"250ms\"\nfine = \"1500us\"\nbad = \"soon\"\n"
      "negative_s = -1\n",
      "config/llm.toml");
  ConfigSection llm = file.section("llm");
  CHECK(llm.require<std::chrono::milliseconds>("timeout") == 2000ms);
  CHECK(llm.require<std::chrono::nanoseconds>("retry") == 250ms);
  CHECK(llm.require<std::chrono::seconds>("idle") == 90s);
  CHECK(llm.require<std::chrono::milliseconds>("backoff_ms") == 250ms);
  CHECK(llm.require<std::chrono::milliseconds>("deadline_s") == 1500ms);
  CHECK(llm.require<std::chrono::duration<double>>("fine").count() == Approx(0.0015));
  CHECK(std::string(config_error_from([&] {
                      (void)llm.require<std::chrono::milliseconds>("bare");
                    }).what()) ==
        "config/llm.toml:7: expected a duration with a unit, like \"250ms\", \"2s\" or \"1m30s\" "
        "for llm.bare, found an integer 250");
  CHECK(std::string(config_error_from([&] {
                      (void)llm.require<std::chrono::milliseconds>("string_ms");
                    }).what()) ==
        "config/llm.toml:8: expected a number of milliseconds (the key's name gives the unit) for "
        "llm.string_ms, found a string \"250ms\"");
  CHECK(std::string(config_error_from([&] {
                      (void)llm.require<std::chrono::milliseconds>("fine");
                    }).what()) ==
        "config/llm.toml:9: expected a whole number of milliseconds for llm.fine, found a string "
        "\"1500us\"");
  CHECK(config_error_from([&] { (void)llm.get<std::chrono::seconds>("bad", 1s); }).line() == 10);
  CHECK(config_error_from([&] {
          (void)llm.get<std::chrono::seconds>("negative_s", 1s);
        }).expected() ==
        "a non-negative number of seconds (the key's name gives the unit) for "
        "llm.negative_s");
}
