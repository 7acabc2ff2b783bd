#include "engine/config/config_override.hpp"

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/config/config_file.hpp"
#include "tests/config/config_error_capture.hpp"

using namespace lusifer;
using lusifer::testing::config_error_from;

namespace {

constexpr const char* kConfig = R"([world]
users = 100
name = "small"

[llm]
model = "a"
)";

}  // namespace

TEST_CASE("overrides replace values and add new ones", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig, "config/default.toml");
  const std::vector<std::string> sets = {
      "world.users=5000", "llm.model = \"gpt-4o-mini\"", "llm.pricing.input=0.15",
      "world.users=6000", "llm.stop=[\"\\n\", \"END\"]", "llm.limits={rpm = 60, tpm = 1000}"};
  apply_overrides(file, sets);
  ConfigSection world = file.section("world");
  CHECK(world.require<std::int64_t>("users") == 6000);  // the later one wins
  CHECK(world.require<std::string>("name") == "small");
  ConfigSection llm = file.section("llm");
  CHECK(llm.require<std::string>("model") == "gpt-4o-mini");
  CHECK(llm.section("pricing").require<double>("input") == 0.15);
  CHECK(llm.require<std::vector<std::string>>("stop") == std::vector<std::string>{"\n", "END"});
  CHECK(llm.section("limits").require<std::int64_t>("rpm") == 60);
  CHECK(llm.section("limits").require<std::int64_t>("tpm") == 1000);
  file.check_all_consumed();
  CHECK(file.to_toml().find("6000") != std::string::npos);
}

TEST_CASE("a wrongly typed override is reported against the override", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig, "config/default.toml");
  apply_override(file, "world.users=\"many\"");
  ConfigSection world = file.section("world");
  const ConfigError e = config_error_from([&] { (void)world.get<std::int64_t>("users", 1); });
  CHECK(std::string(e.what()) ==
        "--set world.users=\"many\": expected an integer for world.users, found a string \"many\"");
  CHECK(e.file() == "--set world.users=\"many\"");
  CHECK(e.line() == 0);
  CHECK(e.key() == "world.users");
  // Values the override did not touch still point into the file.
  CHECK(config_error_from([&] { (void)world.get<std::int64_t>("name", 1); }).line() == 3);
}

TEST_CASE("an override of an unknown key is reported against the override", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig + std::string("bogus = 1\n"), "config/default.toml");
  apply_override(file, "world.userz=5000");
  ConfigSection world = file.section("world");
  (void)world.get<std::int64_t>("users", 1);
  (void)world.get<std::string>("name", "");
  (void)file.section("llm").get<std::string>("model", "");
  const auto unknown = file.unknown_keys();
  REQUIRE(unknown.size() == 2);
  // Overrides come first: the user just typed them.
  CHECK(std::string(unknown[0].what()) ==
        "--set world.userz=5000: expected one of the keys of [world] (name, users), found "
        "unknown key world.userz (did you mean world.users?)");
  CHECK(unknown[1].key() == "llm.bogus");
  CHECK(unknown[1].line() == 7);

  ConfigFile fresh = ConfigFile::parse(kConfig, "config/default.toml");
  apply_override(fresh, "wrold.users=1");  // creates a section nobody reads
  (void)fresh.section("world").get<std::int64_t>("users", 1);
  (void)fresh.section("world").get<std::string>("name", "");
  (void)fresh.section("llm").get<std::string>("model", "");
  CHECK(std::string(config_error_from([&] { fresh.check_all_consumed(); }).what()) ==
        "--set wrold.users=1: expected one of the top-level keys (llm, world), found unknown "
        "section [wrold] (did you mean [world]?)");
}

TEST_CASE("an override can replace an array of tables, and errors inside it name it", "[config]") {
  ConfigFile file = ConfigFile::parse("[[data.item_text]]\nfile = \"a.csv\"\n", "config/d.toml");
  apply_override(file, "data.item_text=[{file=\"b.csv\"}, {file=\"c.csv\", colum=1}]");
  const auto texts = file.section("data").tables("item_text");
  REQUIRE(texts.size() == 2);
  for (ConfigSection text : texts) {
    (void)text.require<std::string>("file");
    (void)text.get<std::string>("column", "");
  }
  const ConfigError e = config_error_from([&] { file.check_all_consumed(); });
  CHECK(e.file() == "--set data.item_text=[{file=\"b.csv\"}, {file=\"c.csv\", colum=1}]");
  CHECK(e.key() == "data.item_text[1].colum");
}

TEST_CASE("malformed overrides name the override", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig, "config/default.toml");
  CHECK(std::string(config_error_from([&] { apply_override(file, "world.users"); }).what()) ==
        "--set world.users: expected key=value, like world.users=5000, found no key=value");
  const ConfigError unquoted = config_error_from([&] { apply_override(file, "llm.model=gpt-4o"); });
  CHECK(unquoted.file() == "--set llm.model=gpt-4o");
  CHECK(unquoted.expected() ==
        "key=value with a TOML value (strings in quotes: llm.model=\"gpt-4o\")");
  CHECK(unquoted.found().find("(column 11)") != std::string::npos);
  CHECK(config_error_from([&] { apply_override(file, "a=1\nb=2"); }).found() == "a line break");
  CHECK(std::string(config_error_from([&] { apply_override(file, "world.users.max=5"); }).what()) ==
        "--set world.users.max=5: expected a table at world.users to set world.users.max, found "
        "an integer 100");
}

TEST_CASE("secrets cannot be passed as overrides and are not echoed", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig, "config/default.toml");
  const ConfigError e =
      config_error_from([&] { apply_override(file, "llm.api_key=sk-live-0123456789abcdef"); });
  CHECK(std::string(e.what()) ==
        "--set llm.api_key=...: expected the secret in an environment variable, named by "
        "llm.api_key_env, found a literal secret for llm.api_key (secrets must never be passed "
        "as settings)");
  const ConfigError inline_secret =
      config_error_from([&] { apply_override(file, "llm.auth={password=\"hunter2hunter2\"}"); });
  CHECK(std::string(inline_secret.what()).find("hunter2") == std::string::npos);
  CHECK(inline_secret.key() == "llm.auth.password");
  // The name of the variable is fine.
  apply_override(file, "llm.api_key_env=\"MY_KEY\"");
}

TEST_CASE("relative paths in overrides resolve against the working directory", "[config]") {
  ConfigFile file = ConfigFile::parse("[data]\ndirectory = \"ml\"\n", "/etc/lusifer/run.toml");
  apply_override(file, "data.output=\"runs/today\"");
  ConfigSection data = file.section("data");
  CHECK(data.require<std::filesystem::path>("directory") ==
        std::filesystem::path("/etc/lusifer/ml"));
  CHECK(data.require<std::filesystem::path>("output") ==
        (std::filesystem::current_path() / "runs" / "today").lexically_normal());
}

TEST_CASE("overrides must come before any section is read", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig, "config/default.toml");
  (void)file.section("world");
  CHECK_THROWS_AS(apply_override(file, "world.users=1"), std::logic_error);
}
