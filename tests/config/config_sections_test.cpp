#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/config/config_file.hpp"
#include "tests/config/config_error_capture.hpp"

using namespace lusifer;
using lusifer::testing::config_error_from;

TEST_CASE("nested sections and dotted keys reach into sub-tables", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[llm]\nmodel = \"m\"\npricing.input = 0.15\n[llm.pricing.tiers]\nbulk = 0.1\n",
      "config/llm.toml");
  ConfigSection llm = file.section("llm");
  CHECK(llm.require<std::string>("model") == "m");
  ConfigSection pricing = llm.section("pricing");
  CHECK(pricing.exists());
  CHECK(pricing.path() == "llm.pricing");
  CHECK(pricing.require<double>("input") == 0.15);
  CHECK(file.section("llm.pricing.tiers").require<double>("bulk") == 0.1);
  CHECK(llm.get<double>("pricing.output", 0.6) == 0.6);
  file.check_all_consumed();
}

TEST_CASE("a value where a table belongs is an error", "[config]") {
  ConfigFile file = ConfigFile::parse("[llm]\npricing = 5\n", "config/llm.toml");
  ConfigSection llm = file.section("llm");
  CHECK(std::string(config_error_from([&] { (void)llm.section("pricing"); }).what()) ==
        "config/llm.toml:2: expected a table for llm.pricing, found an integer 5");
  CHECK(config_error_from([&] { (void)llm.get<double>("pricing.input", 0); }).key() ==
        "llm.pricing");
}

TEST_CASE("arrays of tables give one section per table, in file order", "[config]") {
  ConfigFile file = ConfigFile::parse(R"([data]
directory = "ml"

[[data.item_text]]
file = "a.csv"
text_columns = ["overview"]

[[data.item_text]]
file = "b.csv"
overwrite = true
)",
                                      "config/data.toml");
  ConfigSection data = file.section("data");
  CHECK(data.require<std::string>("directory") == "ml");
  const auto texts = data.tables("item_text");
  REQUIRE(texts.size() == 2);
  CHECK(texts[0].path() == "data.item_text[0]");
  std::vector<std::string> files;
  for (ConfigSection text : texts) {
    files.push_back(text.require<std::filesystem::path>("file").filename().string());
    (void)text.get<std::vector<std::string>>("text_columns", {});
    (void)text.get<bool>("overwrite", false);
  }
  CHECK(files == std::vector<std::string>{"a.csv", "b.csv"});
  CHECK(ConfigSection(texts[1]).require<bool>("overwrite"));
  file.check_all_consumed();

  // A missing key inside one of them points at that table's header.
  const ConfigError e =
      config_error_from([&] { (void)ConfigSection(texts[1]).require<std::string>("key_column"); });
  CHECK(std::string(e.what()) ==
        "config/data.toml:8: expected a string for "
        "data.item_text[1].key_column, found no value (the key is missing)");
}

TEST_CASE("arrays of tables must be arrays of tables", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[data]\nitem_text = \"a.csv\"\nmixed = [{file = 'a'}, 3]\n"
      "[data.single]\nfile = 'x'\n",
      "config/data.toml");
  ConfigSection data = file.section("data");
  CHECK(std::string(config_error_from([&] { (void)data.tables("item_text"); }).what()) ==
        "config/data.toml:2: expected an array of tables ([[data.item_text]]) for data.item_text, "
        "found a string \"a.csv\"");
  CHECK(std::string(config_error_from([&] { (void)data.tables("mixed"); }).what()) ==
        "config/data.toml:3: expected a table ([[data.mixed]]) for data.mixed[1], found an "
        "integer 3");
  CHECK(config_error_from([&] { (void)data.tables("single"); }).found() == "a table");
}

TEST_CASE("has() looks without marking a key as read", "[config]") {
  ConfigFile file = ConfigFile::parse("[llm]\nmodel = 'm'\npricing.input = 1\n", "c.toml");
  ConfigSection llm = file.section("llm");
  CHECK(llm.has("model"));
  CHECK(llm.has("pricing.input"));
  CHECK_FALSE(llm.has("pricing.output"));
  CHECK_FALSE(llm.has("model.x"));
  CHECK_FALSE(llm.has("backend"));
  // Looked at, not read: both keys are still unknown.
  CHECK(file.unknown_keys().size() == 2);
}

TEST_CASE("ignore() accepts a key and everything under it", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[llm]\nbackend = 'mock'\n[llm.openai]\nbase_url = 'x'\nwhatever = 1\n", "c.toml");
  ConfigSection llm = file.section("llm");
  CHECK(llm.require_choice("backend", {"mock", "openai"}) == "mock");
  CHECK_THROWS_AS(file.check_all_consumed(), ConfigError);
  llm.ignore("openai");
  file.check_all_consumed();
}

TEST_CASE("the effective configuration can be written back as TOML", "[config]") {
  ConfigFile file = ConfigFile::parse("[world]\nusers = 5\nname = \"x\"\n", "c.toml");
  ConfigFile copy = ConfigFile::parse(file.to_toml(), "copy.toml");
  ConfigSection world = copy.section("world");
  CHECK(world.require<std::int64_t>("users") == 5);
  CHECK(world.require<std::string>("name") == "x");
  copy.check_all_consumed();
}

// Found by fuzz_config (fuzz/regressions/fuzz_config/to_toml_line_break_then_triple_quote):
// toml++'s default formatting wrote these as literal or multi-line strings that did not parse
// back, or parsed back without their leading line break.
TEST_CASE("strings with line breaks and quotes are written back unchanged", "[config]") {
  ConfigFile file = ConfigFile::parse(
      "[llm]\nstop = [\"\\n'''\", \"\\nstarts\", \"a\\nb\", \"'''\\\"\\\"\\\"\", \"\\\\'\"]\n",
      "c.toml");
  ConfigFile copy = ConfigFile::parse(file.to_toml(), "copy.toml");
  ConfigSection llm = copy.section("llm");
  CHECK(llm.require<std::vector<std::string>>("stop") ==
        std::vector<std::string>{"\n'''", "\nstarts", "a\nb", "'''\"\"\"", "\\'"});
}
