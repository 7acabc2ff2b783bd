#include "engine/sim/prompt_settings.hpp"

namespace lusifer {

std::filesystem::path default_prompt_directory(const ConfigFile& file) {
  return file.directory() / "prompts";
}

PromptSettings read_prompt_settings(ConfigFile& file) {
  ConfigSection section = file.section("prompts");
  PromptSettings settings;
  settings.directory =
      section.get<std::filesystem::path>("directory", default_prompt_directory(file));
  settings.history.history_items =
      static_cast<std::size_t>(section.get_int("history_items", 40, 1, 10'000));
  settings.history.batch_size = static_cast<std::size_t>(section.get_int(
      "batch_size", 10, 1, static_cast<std::int64_t>(settings.history.history_items)));
  settings.recent_ratings =
      static_cast<std::size_t>(section.get_int("recent_ratings", 10, 0, 1'000));
  PromptOptions& prompt = settings.prompt;
  prompt.overview_chars =
      static_cast<std::size_t>(section.get_int("overview_chars", 400, 0, 100'000));
  prompt.max_tags = static_cast<std::size_t>(section.get_int("max_tags", 8, 0, 1'000));
  prompt.profile_max_output_tokens =
      section.get_int("profile_max_output_tokens", 1000, 1, 1'000'000);
  prompt.rating_max_output_tokens_base =
      section.get_int("rating_max_output_tokens_base", 50, 0, 1'000'000);
  prompt.rating_max_output_tokens_per_item =
      section.get_int("rating_max_output_tokens_per_item", 100, 1, 1'000'000);
  prompt.repair_quote_chars =
      static_cast<std::size_t>(section.get_int("repair_quote_chars", 2000, 0, 1'000'000));
  prompt.rating_format = section.get_enum("rating_answer_format", RatingAnswerFormat::kJsonSchema,
                                          {{"json_schema", RatingAnswerFormat::kJsonSchema},
                                           {"json_object", RatingAnswerFormat::kJsonObject}});
  return settings;
}

}  // namespace lusifer
