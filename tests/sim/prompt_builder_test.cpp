#include "engine/sim/prompt_builder.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/llm/backend_profile.hpp"
#include "engine/sim/answer_parser.hpp"
#include "engine/sim/answer_schema.hpp"
#include "tests/sim/prompt_test_support.hpp"

using namespace lusifer;
using lusifer::testing::default_prompts_dir;
using lusifer::testing::load_fixture_dataset;
using nlohmann::json;

namespace {

ItemIndex item(const Dataset& d, ExternalId id) {
  return *d.catalog().find(id);
}

Interaction rated(const Dataset& d, ExternalId id, float rating, std::int64_t t) {
  return {item(d, id), rating, t};
}

const std::string& user_message(const llm::ChatRequest& r) {
  return r.messages.at(1).content;
}

std::size_t position(const std::string& text, std::string_view needle) {
  const auto at = text.find(needle);
  INFO("looking for: " << needle);
  REQUIRE(at != std::string::npos);
  return at;
}

std::size_t common_prefix(const std::string& a, const std::string& b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n])
    ++n;
  return n;
}

json schema_of(const llm::ChatRequest& r) {
  return json::parse(r.response_format.schema_compact());
}

struct Fixture100k {
  Dataset dataset = load_fixture_dataset("ml-100k-mini");
  PromptTemplates templates = PromptTemplates::load(default_prompts_dir());
  PromptBuilder builder{dataset, templates};

  LlmTask create_task() const {
    LlmTask t;
    t.kind = TaskKind::kCreateProfile;
    t.user = *dataset.find_user(1);
    t.interactions = {rated(dataset, 6, 2, 881250000), rated(dataset, 5, 4, 881250949),
                      rated(dataset, 2, 3, 881250949)};
    return t;
  }
  LlmTask rate_task(std::vector<ExternalId> ids) const {
    LlmTask t;
    t.kind = TaskKind::kRateItems;
    t.user = *dataset.find_user(1);
    t.profile = "Enjoys tense crime dramas.\n\nDislikes slapstick.";
    t.interactions = {rated(dataset, 6, 2, 881250000), rated(dataset, 3, 4, 881251000)};
    for (const auto id : ids)
      t.candidates.push_back(item(dataset, id));
    return t;
  }
};

}  // namespace

TEST_CASE("a create-profile request: demographics, history oldest first, schema, user id",
          "[prompts][builder]") {
  const Fixture100k f;
  const auto request = f.builder.build(f.create_task());
  REQUIRE(request.messages.size() == 2);
  CHECK(request.messages[0].role == llm::MessageRole::kSystem);
  CHECK(request.messages[0].content == f.builder.system_message());
  CHECK(request.messages[1].role == llm::MessageRole::kUser);
  const std::string& text = user_message(request);
  // The system message states the scale.
  CHECK(f.builder.system_message().find("1, 2, 3, 4, 5") != std::string::npos);
  // Demographics of user 1: 24, M, engineer.
  CHECK(text.find("- Age: 24") != std::string::npos);
  CHECK(text.find("- Gender: male") != std::string::npos);
  CHECK(text.find("- Occupation: engineer") != std::string::npos);
  // History in the task's order, each item with key, title, genres and rating.
  const auto brazil = position(text, "- item_6: Brazil (1985); rated 2");
  const auto heat = position(text, "- item_5: Heat (1995); rated 4");
  const auto miserables = position(text, "- item_2: Les Mis\xC3\xA9rables (1995); rated 3");
  CHECK(brazil < heat);
  CHECK(heat < miserables);
  CHECK(text.find("  Genres: Action, Crime, Thriller") != std::string::npos);
  // No tags or overview in this fixture: those lines are left out.
  CHECK(text.find("Tags:") == std::string::npos);
  CHECK(text.find("Overview:") == std::string::npos);
  // The instructions of the method.
  CHECK(text.find("avoid") != std::string::npos);
  CHECK(text.find("the user seems to") != std::string::npos);  // as a thing never to write
  // The shape, always described, and the schema.
  CHECK(text.find(kCreateProfileShape) != std::string::npos);
  REQUIRE(request.response_format.kind() == llm::ResponseFormat::Kind::kJsonSchema);
  CHECK(request.response_format.schema_name() == "lusifer_create_profile");
  CHECK(request.response_format.strict());
  const json schema = schema_of(request);
  CHECK(schema["required"] == json::array({"profile", "change"}));
  CHECK(schema["properties"]["profile"]["type"] == "string");
  CHECK(schema["additionalProperties"] == false);
  CHECK(request.user == "lusifer-user-1");
  CHECK(request.max_output_tokens == f.builder.options().profile_max_output_tokens);
  CHECK(request.model.empty());  // the gateway's to set
}

TEST_CASE("a cold-start request rests on demographics alone", "[prompts][builder]") {
  const Fixture100k f;
  LlmTask task;
  task.kind = TaskKind::kCreateProfile;
  task.user = *f.dataset.find_user(2);
  const auto request = f.builder.build(task);
  const std::string& text = user_message(request);
  CHECK(text.find("has not rated anything yet") != std::string::npos);
  CHECK(text.find("- Age: 53") != std::string::npos);
  CHECK(text.find("- Gender: female") != std::string::npos);
  CHECK(text.find("- Occupation: writer") != std::string::npos);
  CHECK(text.find("item_") == std::string::npos);
  CHECK(text.find(kCreateProfileShape) != std::string::npos);
  CHECK(request.response_format.schema_name() == "lusifer_create_profile");
  CHECK(request.user == "lusifer-user-2");
}

TEST_CASE("an update request carries the profile before the newer ratings", "[prompts][builder]") {
  const Fixture100k f;
  LlmTask task = f.create_task();
  task.kind = TaskKind::kUpdateProfile;
  task.profile = "Likes bleak science fiction.\n";
  const auto request = f.builder.build(task);
  const std::string& text = user_message(request);
  const auto profile = position(text, "Current profile:\nLikes bleak science fiction.\n");
  const auto history = position(text, "- item_6: Brazil (1985); rated 2");
  CHECK(profile < history);
  CHECK(text.find(kUpdateProfileShape) != std::string::npos);
  CHECK(text.find("one sentence") != std::string::npos);
  CHECK(request.response_format.schema_name() == "lusifer_update_profile");
}

TEST_CASE("a rate request: candidates, per-item explanation, schema of the candidate keys",
          "[prompts][builder]") {
  const Fixture100k f;
  const auto request = f.builder.build(f.rate_task({5, 1, 5}));  // 5 twice: asked once
  const std::string& text = user_message(request);
  CHECK(text.find("Taste profile:\nEnjoys tense crime dramas.\n\nDislikes slapstick.") !=
        std::string::npos);
  // Recent ratings carry the user's rating, candidates do not.
  CHECK(text.find("- item_3: C\xC3\xA9r\xC3\xA9monie, La (1995); rated 4") == std::string::npos);
  CHECK(text.find("- item_3: La C\xC3\xA9r\xC3\xA9monie (1995); rated 4") != std::string::npos);
  const auto heat = position(text, "- item_5: Heat (1995)\n  Genres: Action, Crime, Thriller");
  const auto toy = position(text, "- item_1: Toy Story (1995)\n");
  CHECK(heat < toy);
  CHECK(text.find("- item_5:", heat + 1) == std::string::npos);
  CHECK(text.find("explanation") != std::string::npos);
  // The shape lists each candidate with explanation before rating.
  const std::string shape =
      "{\n  \"item_5\": {\"explanation\": \"...\", \"rating\": <one of: 1, "
      "2, 3, 4, 5>},\n  \"item_1\": {\"explanation\": \"...\", \"rating\": "
      "<one of: 1, 2, 3, 4, 5>}\n}";
  CHECK(text.ends_with(shape));

  CHECK(request.response_format.schema_name() == "lusifer_rate_items");
  const json schema = schema_of(request);
  CHECK(schema["required"] == json::array({"item_5", "item_1"}));
  CHECK(schema["additionalProperties"] == false);
  const json& entry = schema["properties"]["item_5"];
  CHECK(entry["required"] == json::array({"explanation", "rating"}));
  CHECK(entry["additionalProperties"] == false);
  CHECK(entry["properties"]["rating"]["type"] == "integer");
  CHECK(entry["properties"]["rating"]["enum"] == json::array({1, 2, 3, 4, 5}));
  CHECK(entry["properties"]["explanation"]["type"] == "string");
  // Explanation first in the wire schema: structured outputs follow schema order.
  const auto compact = std::string(request.response_format.schema_compact());
  CHECK(compact.find("\"explanation\"") < compact.find("\"rating\""));
  CHECK(request.max_output_tokens == 50 + 2 * 100);
}

TEST_CASE("empty blocks take their headings with them", "[prompts][builder]") {
  const Fixture100k f;
  LlmTask task = f.rate_task({5});
  task.profile.clear();
  task.interactions.clear();
  const std::string text = user_message(f.builder.build(task));
  CHECK(text.find("Taste profile:") == std::string::npos);
  CHECK(text.find("most recent ratings") == std::string::npos);
  CHECK(text.find("Movies to rate:\n- item_5: Heat (1995)") != std::string::npos);
  // Without a year in the title the year is added; with one it is not repeated.
  Dataset d = load_fixture_dataset("ml-latest-mini");
  const PromptBuilder builder(d, f.templates);
  CHECK(builder.render_item(item(d, 176601)) == "- item_176601: Black Mirror");  // no genres either
  CHECK(builder.render_item(item(d, 200000))
            .starts_with("- item_200000: Stranger Things (2016-2022)\n"));
  DatasetBuilder b(DatasetFormat::kMovieLensLatest, "memory", RatingScale{1.0f, 5.0f, 1.0f});
  Item heat;
  heat.id = 7;
  heat.title = "Heat";
  heat.year = 1995;
  b.add_item(std::move(heat));
  const Dataset tiny = b.finish();
  CHECK(PromptBuilder(tiny, f.templates).render_item(0) == "- item_7: Heat (1995)");
}

TEST_CASE("prompts put stable parts first, for providers' prefix caches", "[prompts][builder]") {
  const Fixture100k f;
  const auto a = f.builder.build(f.rate_task({5, 1}));
  const auto b = f.builder.build(f.rate_task({4}));
  // Same user, same profile, other candidates: identical up to the candidates.
  CHECK(a.messages[0].content == b.messages[0].content);
  const std::string& ta = user_message(a);
  const std::string& tb = user_message(b);
  const auto shared = common_prefix(ta, tb);
  CHECK(shared >= position(ta, "Movies to rate:"));
  // Order inside the message: user < profile < recent ratings < candidates < shape.
  const auto user = position(ta, "About the person:");
  const auto profile = position(ta, "Enjoys tense crime dramas.");
  const auto recent = position(ta, "- item_6: Brazil (1985); rated 2");
  const auto candidates = position(ta, "- item_5: Heat (1995)\n");
  const auto shape = position(ta, "\"item_5\": {\"explanation\"");
  CHECK(user < profile);
  CHECK(profile < recent);
  CHECK(recent < candidates);
  CHECK(candidates < shape);
  // Another user: the instructions before the user block are still shared.
  LlmTask other = f.rate_task({5, 1});
  other.user = *f.dataset.find_user(3);
  const auto c = f.builder.build(other);
  CHECK(c.messages[0].content == a.messages[0].content);
  CHECK(common_prefix(ta, user_message(c)) >= user);
  CHECK(c.user == "lusifer-user-3");
}

TEST_CASE("half-star scales, tags, item text and users without demographics",
          "[prompts][builder]") {
  Dataset d = load_fixture_dataset("ml-latest-mini");
  d.mutable_catalog().set_text(*d.catalog().find(318),
                               "Framed in the 1940s for the double murder of his wife and her "
                               "lover,\nupstanding banker Andy Dufresne begins a new life at the "
                               "Shawshank prison.");
  const auto templates = PromptTemplates::load(default_prompts_dir());
  PromptOptions options;
  options.overview_chars = 60;
  const PromptBuilder builder(d, templates, options);
  CHECK(builder.system_message().find("0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5") !=
        std::string::npos);

  LlmTask task;
  task.kind = TaskKind::kRateItems;
  task.user = *d.find_user(1);
  task.profile = "Loves prison dramas.";
  task.interactions = {{item(d, 318), 0.5f, 964982224}, {item(d, 11), 4.5f, 964981247}};
  task.candidates = {item(d, 2000), item(d, 29)};
  const auto request = builder.build(task);
  const std::string& text = user_message(request);
  CHECK(text.find("About the person") == std::string::npos);  // ml-latest has no demographics
  CHECK(text.find("- item_318: The Shawshank Redemption (1994); rated 0.5") != std::string::npos);
  CHECK(text.find("- item_11: The American President (1995); rated 4.5") != std::string::npos);
  // Tags, most frequent first, and the text on one line, cut to 60 characters.
  CHECK(text.find("  Tags: prison, hope, friendship") != std::string::npos);
  CHECK(text.find(
            "  Overview: Framed in the 1940s for the double murder of his wife and\xE2\x80\xA6") !=
        std::string::npos);
  CHECK(text.find("- item_2000: Lethal Weapon \"Director's Cut\" (1987)") != std::string::npos);
  CHECK(text.find("  Tags: buddy cop") != std::string::npos);
  CHECK(text.find("\"rating\": <one of: 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5>") !=
        std::string::npos);
  const json schema = schema_of(request);
  const json& rating = schema["properties"]["item_29"]["properties"]["rating"];
  CHECK(rating["type"] == "number");
  CHECK(rating["enum"] == json::array({0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5}));

  // overview_chars 0 and max_tags 0 leave them out.
  options.overview_chars = 0;
  options.max_tags = 0;
  const PromptBuilder bare(d, templates, options);
  const std::string rendered = bare.render_item(item(d, 318));
  CHECK(rendered == "- item_318: The Shawshank Redemption (1994)\n  Genres: Drama, Crime");
}

TEST_CASE("json_object mode keeps the prefix free of per-call schemas", "[prompts][builder]") {
  const Fixture100k f;
  PromptOptions options;
  options.rating_format = RatingAnswerFormat::kJsonObject;
  const PromptBuilder builder(f.dataset, f.templates, options);
  const auto request = builder.build(f.rate_task({5}));
  CHECK(request.response_format.kind() == llm::ResponseFormat::Kind::kJsonObject);
  CHECK(user_message(request).find("\"item_5\": {\"explanation\"") != std::string::npos);
  // Profiles keep their fixed schema.
  CHECK(builder.build(f.create_task()).response_format.kind() ==
        llm::ResponseFormat::Kind::kJsonSchema);
}

TEST_CASE("every request serialises for every backend", "[prompts][builder]") {
  const Fixture100k f;
  auto request = f.builder.build(f.rate_task({5, 1}));
  request.model = "gpt-4o-mini";
  for (const auto kind : {llm::BackendKind::kOpenAI, llm::BackendKind::kVllm,
                          llm::BackendKind::kOllama, llm::BackendKind::kGeneric}) {
    auto profile = llm::default_backend_profile(kind);
    const json body = json::parse(llm::chat_request_body(request, profile));
    CHECK(body["messages"][1]["content"] == user_message(request));
  }
}

TEST_CASE("tasks that cannot be rendered are refused", "[prompts][builder]") {
  const Fixture100k f;
  LlmTask rate = f.rate_task({});
  CHECK_THROWS_AS(f.builder.build(rate), std::invalid_argument);
  LlmTask update = f.create_task();
  update.kind = TaskKind::kUpdateProfile;
  CHECK_THROWS_AS(f.builder.build(update), std::invalid_argument);  // no profile
  update.profile.assign(3, 'x');  // (assigning a literal trips GCC 12's -Wrestrict here)
  update.interactions.clear();
  CHECK_THROWS_AS(f.builder.build(update), std::invalid_argument);  // nothing new
  LlmTask unknown_user = f.create_task();
  unknown_user.user = 99;
  CHECK_THROWS_AS(f.builder.build(unknown_user), std::out_of_range);
}

TEST_CASE("a repair request quotes the problem and asks for the missing items only",
          "[prompts][builder][repair]") {
  const Fixture100k f;
  const LlmTask task = f.rate_task({5, 1, 6});
  const std::string bad = R"({"item_5": {"explanation": "Tense.", "rating": 4},
                             "item_1": {"explanation": "Too sweet.", "rating": 9}})";
  const auto parsed = parse_rating_answer(bad, f.dataset, task.candidates);
  REQUIRE_FALSE(parsed.result.complete());
  const auto request = f.builder.build_repair(task, bad, parsed.result);
  const auto original = f.builder.build(task);
  REQUIRE(request.messages.size() == 4);
  // The original conversation is kept as it was, so its prefix stays cached.
  CHECK(request.messages[0].content == original.messages[0].content);
  CHECK(request.messages[1].content == original.messages[1].content);
  CHECK(request.messages[2].role == llm::MessageRole::kAssistant);
  CHECK(request.messages[2].content == bad);
  const std::string& repair = request.messages[3].content;
  CHECK(request.messages[3].role == llm::MessageRole::kUser);
  CHECK(repair.find("The answer did not rate item_6.") != std::string::npos);
  CHECK(repair.find("item_1: the rating 9 is outside the scale from 1 to 5.") != std::string::npos);
  CHECK(repair.find("Still to rate:\nitem_1: Toy Story (1995)\nitem_6: Brazil (1985)") !=
        std::string::npos);
  CHECK(repair.find("\"item_5\"") == std::string::npos);
  CHECK(repair.find("\"item_1\": {\"explanation\"") != std::string::npos);
  const json schema = schema_of(request);
  CHECK(schema["required"] == json::array({"item_1", "item_6"}));
  CHECK(request.max_output_tokens == 50 + 2 * 100);
  CHECK(request.user == original.user);
}

TEST_CASE("a repair of an unreadable profile answer asks for the whole shape again",
          "[prompts][builder][repair]") {
  const Fixture100k f;
  const LlmTask task = f.create_task();
  const std::string bad = "Sure! The user loves crime movies.";
  const auto parsed = parse_profile_answer(bad, task.kind);
  REQUIRE_FALSE(parsed.result.complete());
  const auto request = f.builder.build_repair(task, bad, parsed.result);
  REQUIRE(request.messages.size() == 4);
  const std::string& repair = request.messages[3].content;
  CHECK(repair.find("The answer holds no JSON object.") != std::string::npos);
  CHECK(repair.find("Still to rate") == std::string::npos);
  CHECK(repair.ends_with(kCreateProfileShape));
  CHECK(request.response_format.schema_name() == "lusifer_create_profile");
  // A blank answer is not quoted back.
  const auto blank =
      f.builder.build_repair(task, "  \n", parse_profile_answer("", task.kind).result);
  REQUIRE(blank.messages.size() == 3);
  CHECK(blank.messages[2].content.find("The answer was empty.") != std::string::npos);
}

TEST_CASE("a repair task (the gateway's form) renders the task, then the repair message",
          "[prompts][builder][repair]") {
  const Fixture100k f;
  LlmTask task = f.rate_task({1, 6});  // the items still missing
  task.repair_attempt = 1;
  task.problem = "The answer did not rate item_6.\nitem_1: the rating 9 is outside the scale.";
  const auto request = f.builder.build(task);
  REQUIRE(request.messages.size() == 3);
  LlmTask first = task;
  first.repair_attempt = 0;
  CHECK(request.messages[1].content == f.builder.build(first).messages[1].content);
  CHECK(request.messages[2].role == llm::MessageRole::kUser);
  const std::string& repair = request.messages[2].content;
  CHECK(repair.find("The answer did not rate item_6. item_1: the rating 9 is outside the scale.") !=
        std::string::npos);
  CHECK(repair.find("Still to rate:\nitem_1: Toy Story (1995)\nitem_6: Brazil (1985)") !=
        std::string::npos);
  CHECK(schema_of(request)["required"] == json::array({"item_1", "item_6"}));

  LlmTask profile = f.create_task();
  profile.repair_attempt = 2;
  const auto again = f.builder.build(profile);
  REQUIRE(again.messages.size() == 3);
  CHECK(again.messages[2].content.find("The answer was incomplete.") != std::string::npos);
  CHECK(again.messages[2].content.ends_with(kCreateProfileShape));
}

TEST_CASE("age groups are shown where the dataset has them", "[prompts][builder]") {
  const Dataset d = load_fixture_dataset("ml-1m-mini");
  const auto templates = PromptTemplates::load(default_prompts_dir());
  const PromptBuilder builder(d, templates);
  const std::string user = builder.render_user(*d.find_user(3));
  CHECK(user.find("- Age: 25-34") != std::string::npos);
  CHECK(user.find("- Gender: male") != std::string::npos);
  CHECK(user.find("- Occupation: ") != std::string::npos);
}
