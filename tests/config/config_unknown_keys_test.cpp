#include <string>

#include <catch2/catch.hpp>

#include "engine/config/config_file.hpp"
#include "tests/config/config_error_capture.hpp"

using namespace lusifer;
using lusifer::testing::config_error_from;

namespace {

constexpr const char* kConfig = R"(seed = 7

[llm]
backend = "openai"
model = "gpt-4o-mini"
base_url = "http://localhost:8000"
modle = "typo"

[world]
users = 100
)";

// What a well-behaved LLM module and world module read.
void read_modules(ConfigFile& file) {
  ConfigSection llm = file.section("llm");
  (void)llm.get<std::string>("backend", "mock");
  (void)llm.get<std::string>("model", "");
  (void)llm.get<std::string>("base_url", "");
  (void)llm.get<double>("temperature", 0.0);  // absent, still a known key
  ConfigSection world = file.section("world");
  (void)world.get<std::int64_t>("users", 10);
  (void)file.root().get<std::int64_t>("seed", 0);
}

}  // namespace

TEST_CASE("a nested unknown key is reported with its line and a suggestion", "[config]") {
  ConfigFile file = ConfigFile::parse(kConfig, "config/x.toml");
  read_modules(file);
  const ConfigError e = config_error_from([&] { file.check_all_consumed(); });
  CHECK(std::string(e.what()) ==
        "config/x.toml:7: expected one of the keys of [llm] (backend, base_url, model, "
        "temperature), found unknown key llm.modle (did you mean llm.model?)");
  CHECK(e.line() == 7);
  CHECK(e.key() == "llm.modle");
  // A module can check its own section too.
  CHECK(config_error_from([&] { file.section("llm").check_all_consumed(); }).line() == 7);
  file.section("world").check_all_consumed();
}

TEST_CASE("unknown top-level sections and keys are reported", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "seed = 1\n[wrold]\nusers = 5\n[llm]\nbackend = 'x'\nmodel = 'y'\nbase_url = 'z'\n",
      "config/y.toml");
  read_modules(file);
  const ConfigError e = config_error_from([&] { file.check_all_consumed(); });
  CHECK(std::string(e.what()) ==
        "config/y.toml:2: expected one of the top-level keys (llm, seed, world), found unknown "
        "section [wrold] (did you mean [world]?)");
  CHECK(e.key() == "wrold");

  ConfigFile stray = ConfigFile::parse("seeed = 1\n", "config/z.toml");
  read_modules(stray);
  CHECK(std::string(config_error_from([&] { stray.check_all_consumed(); }).what()) ==
        "config/z.toml:1: expected one of the top-level keys (llm, seed, world), found unknown "
        "key seeed (did you mean seed?)");
}

TEST_CASE("the first unknown key in line order is reported, at any depth", "[config]") {
  ConfigFile file = ConfigFile::parse(R"(seed = 1
[llm]
zzz = 1
[llm.pricing]
input = 1
bogus = 2
[world]
users = 3
)",
                                      "config/o.toml");
  ConfigSection llm = file.section("llm");
  (void)llm.section("pricing").get<double>("input", 0);
  (void)file.section("world").get<std::int64_t>("users", 0);
  (void)file.root().get<std::int64_t>("seed", 0);
  const auto unknown = file.unknown_keys();
  REQUIRE(unknown.size() == 2);
  CHECK(unknown[0].key() == "llm.zzz");
  CHECK(unknown[0].line() == 3);
  CHECK(unknown[1].key() == "llm.pricing.bogus");
  CHECK(unknown[1].line() == 6);
  CHECK(std::string(unknown[1].what()) ==
        "config/o.toml:6: expected one of the keys of [llm.pricing] (input), found unknown key "
        "llm.pricing.bogus");
}

TEST_CASE("an unread nested section is reported as a section", "[config]") {
  ConfigFile file =
      ConfigFile::parse("[llm]\nmodel = 'm'\n\n[llm.pricingg]\ninput = 1\n", "config/p.toml");
  ConfigSection llm = file.section("llm");
  (void)llm.get<std::string>("model", "");
  (void)llm.section("pricing").get<double>("input", 0);
  CHECK(std::string(config_error_from([&] { file.check_all_consumed(); }).what()) ==
        "config/p.toml:4: expected one of the keys of [llm] (model, pricing), found unknown "
        "section [llm.pricingg] (did you mean [llm.pricing]?)");
}

TEST_CASE("unknown keys inside an array of tables are reported", "[config]") {
  ConfigFile file = ConfigFile::parse(R"([data]
[[data.item_text]]
file = "a.csv"
[[data.item_text]]
file = "b.csv"
colum = "overview"
)",
                                      "config/d.toml");
  for (ConfigSection text : file.section("data").tables("item_text")) {
    (void)text.require<std::string>("file");
    (void)text.get<std::string>("column", "");
  }
  const ConfigError e = config_error_from([&] { file.check_all_consumed(); });
  CHECK(std::string(e.what()) ==
        "config/d.toml:6: expected one of the keys of [[data.item_text]] (column, file), found "
        "unknown key data.item_text[1].colum (did you mean data.item_text[1].column?)");
  CHECK(e.key() == "data.item_text[1].colum");
}

TEST_CASE("an unread array of tables is reported at its first header", "[config]") {
  ConfigFile file = ConfigFile::parse("[data]\ndirectory = 'x'\n[[data.item_txt]]\nfile = 'a'\n",
                                      "config/e.toml");
  (void)file.section("data").get<std::string>("directory", "");
  (void)file.section("data").tables("item_text");
  CHECK(std::string(config_error_from([&] { file.check_all_consumed(); }).what()) ==
        "config/e.toml:3: expected one of the keys of [data] (directory, item_text), found unknown "
        "section [[data.item_txt]] (did you mean [[data.item_text]]?)");
}

TEST_CASE("keys of a section nobody read are all unknown", "[config]") {
  ConfigFile file = ConfigFile::parse("[llm]\nmodel = 'm'\n", "config/n.toml");
  CHECK(std::string(config_error_from([&] { file.check_all_consumed(); }).what()) ==
        "config/n.toml:1: expected no top-level keys, found unknown section [llm]");
  ConfigSection llm = file.section("llm");
  CHECK(std::string(config_error_from([&] { file.check_all_consumed(); }).what()) ==
        "config/n.toml:2: expected no keys in [llm], found unknown key llm.model");
  (void)llm.get<std::string>("model", "");
  file.check_all_consumed();
}

TEST_CASE("unknown keys inside inline tables are reported", "[config]") {
  ConfigFile file = ConfigFile::parse("[llm]\nlimits = { rpm = 60, tmp = 10 }\n", "config/i.toml");
  ConfigSection limits = file.section("llm").section("limits");
  (void)limits.get<std::int64_t>("rpm", 0);
  (void)limits.get<std::int64_t>("tpm", 0);
  CHECK(std::string(config_error_from([&] { file.check_all_consumed(); }).what()) ==
        "config/i.toml:2: expected one of the keys of [llm.limits] (rpm, tpm), found unknown key "
        "llm.limits.tmp (did you mean llm.limits.tpm?)");
}
