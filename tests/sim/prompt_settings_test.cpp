#include "engine/sim/prompt_settings.hpp"

#include <catch2/catch.hpp>

#include "engine/config/config_error.hpp"

using namespace lusifer;

TEST_CASE("prompt settings default to the method's values and the config's directory",
          "[prompts][settings]") {
  ConfigFile file = ConfigFile::parse("", "/etc/lusifer/run.toml");
  const PromptSettings s = read_prompt_settings(file);
  CHECK(s.directory == std::filesystem::path("/etc/lusifer/prompts"));
  CHECK(s.history.history_items == 40);
  CHECK(s.history.batch_size == 10);
  CHECK(s.recent_ratings == 10);
  CHECK(s.prompt.overview_chars == 400);
  CHECK(s.prompt.rating_format == RatingAnswerFormat::kJsonSchema);
  CHECK_NOTHROW(file.check_all_consumed());
}

TEST_CASE("prompt settings are read, resolved and checked", "[prompts][settings]") {
  ConfigFile file = ConfigFile::parse(R"([prompts]
directory = "my-prompts"
history_items = 60
batch_size = 20
recent_ratings = 5
overview_chars = 0
max_tags = 3
rating_answer_format = "json_object"
)",
                                      "/srv/conf/x.toml");
  const PromptSettings s = read_prompt_settings(file);
  CHECK(s.directory == std::filesystem::path("/srv/conf/my-prompts"));
  CHECK(s.history.history_items == 60);
  CHECK(s.history.batch_size == 20);
  CHECK(s.recent_ratings == 5);
  CHECK(s.prompt.overview_chars == 0);
  CHECK(s.prompt.max_tags == 3);
  CHECK(s.prompt.rating_format == RatingAnswerFormat::kJsonObject);

  ConfigFile big_batch =
      ConfigFile::parse("[prompts]\nhistory_items = 5\nbatch_size = 6\n", "c.toml");
  CHECK_THROWS_AS(read_prompt_settings(big_batch), ConfigError);
  ConfigFile typo = ConfigFile::parse("[prompts]\nbatchsize = 6\n", "c.toml");
  read_prompt_settings(typo);
  CHECK_THROWS_AS(typo.check_all_consumed(), ConfigError);
  ConfigFile format = ConfigFile::parse("[prompts]\nrating_answer_format = \"xml\"\n", "c.toml");
  CHECK_THROWS_AS(read_prompt_settings(format), ConfigError);
}
