#include "engine/sim/task_from_request.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

#include "engine/llm/backend_profile.hpp"
#include "engine/sim/answer_parser.hpp"
#include "engine/sim/prompt_builder.hpp"
#include "tests/sim/prompt_test_support.hpp"

using namespace lusifer;
using lusifer::testing::copy_default_prompts;
using lusifer::testing::default_prompts_dir;
using lusifer::testing::load_fixture_dataset;
using lusifer::testing::TempDir;

namespace {

ItemIndex item(const Dataset& d, ExternalId id) {
  return *d.catalog().find(id);
}

std::vector<std::pair<ExternalId, double>> history_of(const RecoveredTask& t) {
  std::vector<std::pair<ExternalId, double>> out;
  for (const auto& h : t.history)
    out.emplace_back(h.item, h.rating);
  return out;
}

std::vector<std::pair<ExternalId, double>> history_of(const Dataset& d, const LlmTask& t) {
  std::vector<std::pair<ExternalId, double>> out;
  for (const auto& i : t.interactions)
    out.emplace_back(d.catalog().item(i.item).id, i.rating);
  return out;
}

// The request as each kind of server receives it, read back.
std::vector<RecoveredTask> read_back_everywhere(const llm::ChatRequest& request,
                                                const PromptTemplates& templates) {
  std::vector<RecoveredTask> out;
  out.push_back(task_from_request(request, templates));
  llm::ChatRequest sendable = request;
  sendable.model = "test-model";
  for (const auto kind : {llm::BackendKind::kOpenAI, llm::BackendKind::kGeneric}) {
    const auto body = llm::chat_request_body(sendable, llm::default_backend_profile(kind));
    out.push_back(task_from_request_body(body, templates));
  }
  return out;
}

}  // namespace

TEST_CASE("profile tasks round-trip through the builder and every body dialect",
          "[prompts][reverse]") {
  const Dataset d = load_fixture_dataset("ml-latest-mini");  // half stars, tags
  const auto templates = PromptTemplates::load(default_prompts_dir());
  const PromptBuilder builder(d, templates);

  LlmTask create;
  create.kind = TaskKind::kCreateProfile;
  create.user = *d.find_user(2);
  create.interactions = {{item(d, 318), 3.0f, 1},
                         {item(d, 2000), 4.0f, 2},
                         {item(d, 176601), 3.5f, 3},
                         {item(d, 29), 0.5f, 4}};
  const auto create_reads = read_back_everywhere(builder.build(create), templates);
  for (std::size_t i = 0; i < create_reads.size(); ++i) {
    INFO("form " << i);
    const auto& t = create_reads[i];
    CHECK(t.kind == TaskKind::kCreateProfile);
    CHECK(history_of(t) == history_of(d, create));
    CHECK_FALSE(t.cold_start());
    CHECK(t.repair_attempt == 0);
    CHECK(t.candidates.empty());
  }
  // OpenAI receives `user`; a generic server does not, and the mock then cannot know it.
  CHECK(create_reads[0].user == 2);
  CHECK(create_reads[1].user == 2);
  CHECK_FALSE(create_reads[2].user);

  LlmTask update = create;
  update.kind = TaskKind::kUpdateProfile;
  update.profile = "Likes prison dramas. Rates item_318 kindly.";
  update.interactions = {{item(d, 1), 2.5f, 9}};
  for (const auto& t : read_back_everywhere(builder.build(update), templates)) {
    CHECK(t.kind == TaskKind::kUpdateProfile);
    CHECK(history_of(t) == history_of(d, update));
  }

  LlmTask cold;
  cold.kind = TaskKind::kCreateProfile;
  cold.user = *d.find_user(3);
  for (const auto& t : read_back_everywhere(builder.build(cold), templates)) {
    CHECK(t.kind == TaskKind::kCreateProfile);
    CHECK(t.cold_start());
  }
}

TEST_CASE("rate tasks round-trip: candidates, scale and recent ratings", "[prompts][reverse]") {
  const Dataset d = load_fixture_dataset("ml-latest-mini");
  const auto templates = PromptTemplates::load(default_prompts_dir());
  for (const auto format : {RatingAnswerFormat::kJsonSchema, RatingAnswerFormat::kJsonObject}) {
    PromptOptions options;
    options.rating_format = format;
    const PromptBuilder builder(d, templates, options);
    LlmTask rate;
    rate.kind = TaskKind::kRateItems;
    rate.user = *d.find_user(1);
    rate.profile = "Likes prison dramas.";
    rate.interactions = {{item(d, 11), 4.5f, 1}, {item(d, 318), 0.5f, 2}};
    rate.candidates = {item(d, 200000), item(d, 1), item(d, 29)};
    for (const auto& t : read_back_everywhere(builder.build(rate), templates)) {
      CHECK(t.kind == TaskKind::kRateItems);
      CHECK(t.candidates == std::vector<ExternalId>{200000, 1, 29});
      REQUIRE(t.scale);
      CHECK(t.scale->min == 0.5f);
      CHECK(t.scale->max == 5.0f);
      CHECK(t.scale->step == 0.5f);
      // The candidates are not mistaken for rated items.
      CHECK(history_of(t) == history_of(d, rate));
    }
  }
}

TEST_CASE("a repair request reads back as the items asked again", "[prompts][reverse]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto templates = PromptTemplates::load(default_prompts_dir());
  for (const auto format : {RatingAnswerFormat::kJsonSchema, RatingAnswerFormat::kJsonObject}) {
    PromptOptions options;
    options.rating_format = format;
    const PromptBuilder builder(d, templates, options);
    LlmTask rate;
    rate.kind = TaskKind::kRateItems;
    rate.user = *d.find_user(4);
    rate.profile = "Likes heists.";
    rate.candidates = {item(d, 5), item(d, 1), item(d, 6)};
    const std::string bad = R"({"item_5": {"explanation": "a", "rating": 4}})";
    const auto parsed = parse_rating_answer(bad, d, rate.candidates);
    for (const auto& t :
         read_back_everywhere(builder.build_repair(rate, bad, parsed.result), templates)) {
      CHECK(t.kind == TaskKind::kRateItems);
      CHECK(t.candidates == std::vector<ExternalId>{1, 6});
      CHECK(t.repair_attempt == 1);
      REQUIRE(t.scale);
      CHECK(t.scale->level_count() == 5);
    }
  }
}

TEST_CASE("a gateway-made repair task reads back as a repair", "[prompts][reverse]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto templates = PromptTemplates::load(default_prompts_dir());
  const PromptBuilder builder(d, templates);
  LlmTask rate;
  rate.kind = TaskKind::kRateItems;
  rate.user = *d.find_user(4);
  rate.profile = "Likes heists.";
  rate.candidates = {item(d, 6), item(d, 2)};
  rate.repair_attempt = 1;
  rate.problem = "The answer did not rate item_6 or item_2.";
  for (const auto& t : read_back_everywhere(builder.build(rate), templates)) {
    CHECK(t.kind == TaskKind::kRateItems);
    CHECK(t.candidates == std::vector<ExternalId>{6, 2});
    CHECK(t.repair_attempt == 1);
  }
}

TEST_CASE("edited templates still read back, with the rating on its own line",
          "[prompts][reverse]") {
  const TempDir dir;
  copy_default_prompts(dir);
  // Titles with the template's own punctuation must not confuse the reader.
  dir.write("history_item.txt",
            "* {{title}} [{{key}}]\n  Genres: {{genres}}\n  Their rating: {{rating}} of "
            "{{scale_max}}\n");
  dir.write("item.txt", "* {{title}} [{{key}}]\n  Genres: {{genres}}\n");
  const auto templates = PromptTemplates::load(dir.path());
  const Dataset d = load_fixture_dataset("ml-latest-mini");
  const PromptBuilder builder(d, templates);
  LlmTask rate;
  rate.kind = TaskKind::kRateItems;
  rate.user = *d.find_user(1);
  rate.profile = "Likes odd films.";
  rate.interactions = {{item(d, 29), 5.0f, 1}, {item(d, 2000), 1.5f, 2}};
  rate.candidates = {item(d, 1)};
  const auto request = builder.build(rate);
  CHECK(request.messages[1].content.find("* The City of Lost Children (Cit\xC3\xA9 des enfants "
                                         "perdus, La) (1995) [item_29]\n  Genres:") !=
        std::string::npos);
  for (const auto& t : read_back_everywhere(request, templates))
    CHECK(history_of(t) == history_of(d, rate));
}

TEST_CASE("requests the builder did not make are refused", "[prompts][reverse]") {
  const auto templates = PromptTemplates::load(default_prompts_dir());
  llm::ChatRequest plain;
  plain.messages = {{llm::MessageRole::kUser, "Rate Heat (1995) from 1 to 5."}};
  CHECK_THROWS_AS(task_from_request(plain, templates), std::invalid_argument);
  llm::ChatRequest system_only;
  system_only.messages = {{llm::MessageRole::kSystem, "x"}};
  CHECK_THROWS_AS(task_from_request(system_only, templates), std::invalid_argument);
  CHECK_THROWS_AS(task_from_request_body("not json", templates), std::invalid_argument);
  CHECK_THROWS_AS(task_from_request_body("[]", templates), std::invalid_argument);
  CHECK_THROWS_AS(
      task_from_request_body(R"({"messages": [{"role": "tool", "content": "x"}]})", templates),
      std::invalid_argument);
  CHECK_THROWS_AS(
      task_from_request_body(R"({"messages": [{"role": 5, "content": "x"}]})", templates),
      std::invalid_argument);
  // A rating schema without item keys names no candidates.
  CHECK_THROWS_AS(
      task_from_request_body(
          R"({"messages": [{"role": "user", "content": "x"}], "response_format": {"type":
          "json_schema", "json_schema": {"name": "lusifer_rate_items", "schema": {"required": 3}}}})",
          templates),
      std::invalid_argument);
  // Content given as parts is read too.
  const auto parts = task_from_request_body(
      R"({"messages": [{"role": "user", "content": [{"type": "text", "text": "{\"profile\": \"...\", \"change\": \"\"}"}]}]})",
      templates);
  CHECK(parts.kind == TaskKind::kCreateProfile);
}
