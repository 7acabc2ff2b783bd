#include "engine/sim/answer_parser.hpp"

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"
#include "engine/sim/answer_json.hpp"
#include "tests/sim/prompt_test_support.hpp"

using namespace lusifer;
using lusifer::testing::load_fixture_dataset;

namespace {

std::vector<ItemIndex> items(const Dataset& d, std::initializer_list<ExternalId> ids) {
  std::vector<ItemIndex> out;
  for (const auto id : ids)
    out.push_back(*d.catalog().find(id));
  return out;
}

// The rating of external id `id` in `result`, or -1 when it is not rated.
float rating_of(const Dataset& d, const LlmTaskResult& result, ExternalId id) {
  for (const auto& r : result.ratings) {
    if (d.catalog().item(r.item).id == id)
      return r.rating;
  }
  return -1.0f;
}

bool noted(const ParsedAnswer& parsed, std::string_view fragment) {
  for (const auto& note : parsed.notes) {
    if (note.find(fragment) != std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("rating answers are read through fences, prose and wrong types", "[parser]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");  // scale 1..5
  const auto candidates = items(d, {5, 1});
  struct Case {
    const char* name;
    std::string answer;
    float item5;
    float item1;
    const char* note;  // a fragment one note must contain, or ""
  };
  const Case cases[] = {
      {"plain",
       R"({"item_5": {"explanation": "a", "rating": 4}, "item_1": {"explanation": "b", "rating": 2}})",
       4, 2, ""},
      {"json fence",
       "```json\n{\"item_5\": {\"explanation\": \"a\", \"rating\": 4},"
       " \"item_1\": {\"explanation\": \"b\", \"rating\": 2}}\n```",
       4, 2, "code fence"},
      {"bare fence",
       "Here you go:\n```\n{\"item_5\": {\"rating\": 5, \"explanation\": \"x\"},"
       " \"item_1\": {\"rating\": 1, \"explanation\": \"y\"}}\n```\nEnjoy!",
       5, 1, "code fence"},
      {"prose around",
       "Sure! {\"item_5\": {\"explanation\": \"a\", \"rating\": 3}, \"item_1\":"
       " {\"explanation\": \"b\", \"rating\": 3}} Hope this helps.",
       3, 3, "text around"},
      {"braces in prose first",
       "Ratings {as asked}: {\"item_5\": {\"explanation\": \"a\", "
       "\"rating\": 3}, \"item_1\": {\"explanation\": \"b\", \"rating\": 4}}",
       3, 4, "text around"},
      {"string numbers",
       R"({"item_5": {"explanation": "a", "rating": "4"}, "item_1": {"explanation": "b", "rating": "2.0"}})",
       4, 2, "was text"},
      {"float",
       R"({"item_5": {"explanation": "a", "rating": 4.0}, "item_1": {"explanation": "b", "rating": 1e0}})",
       4, 1, ""},
      {"fractions and words",
       R"({"item_5": {"explanation": "a", "rating": "4/5"}, "item_1": {"explanation": "b", "rating": "2 stars out of 5"}})",
       4, 2, "was text"},
      {"stars",
       R"({"item_5": {"explanation": "a", "rating": "4 stars"}, "item_1": {"explanation": "b", "rating": "★★★"}})",
       4, 3, ""},
      {"prefixed text",
       R"({"item_5": {"explanation": "a", "rating": "Rating: 5"}, "item_1": {"explanation": "b", "rating": "3 out of 5"}})",
       5, 3, ""},
      {"numeric keys",
       R"({"5": {"explanation": "a", "rating": 4}, "1": {"explanation": "b", "rating": 2}})", 4, 2,
       ""},
      {"spelled keys",
       R"j({"Item 5": {"explanation": "a", "rating": 4}, "movie_1 (Toy Story)": {"explanation": "b", "rating": 2}})j",
       4, 2, ""},
      {"title keys",
       R"j({"Heat (1995)": {"explanation": "a", "rating": 4}, "toy story (1995)": {"explanation": "b", "rating": 2}})j",
       4, 2, "keyed by its title"},
      {"bare ratings", R"({"item_5": 4, "item_1": "2"})", 4, 2, "without an explanation"},
      {"aliases", R"({"item_5": {"reason": "a", "score": 4}, "item_1": {"Why": "b", "Rating": 2}})",
       4, 2, ""},
      {"wrapper",
       R"({"ratings": {"item_5": {"explanation": "a", "rating": 4}, "item_1": {"explanation": "b", "rating": 2}}})",
       4, 2, "under the key \"ratings\""},
      {"array",
       R"([{"item": "item_5", "rating": 4, "explanation": "a"}, {"id": 1, "rating": 2, "explanation": "b"}])",
       4, 2, ""},
      {"wrapped array",
       R"({"results": [{"item_id": "item_5", "rating": 4, "explanation": "a"}, {"movie_id": "1", "rating": 2, "explanation": "b"}]})",
       4, 2, "under the key \"results\""},
      {"extra keys",
       R"({"note": "hi", "item_9": {"rating": 1}, "item_5": {"explanation": "a", "rating": 4, "confidence": 0.9}, "item_1": {"explanation": "b", "rating": 2}})",
       4, 2, "naming no candidate were ignored: \"note\", \"item_9\""},
      {"trailing commas",
       "{\"item_5\": {\"explanation\": \"a\", \"rating\": 4,},\n \"item_1\": "
       "{\"explanation\": \"b\", \"rating\": 2},\n}",
       4, 2, "trailing commas"},
      {"comments",
       "{\"item_5\": {\"explanation\": \"a\", \"rating\": 4}, // good\n \"item_1\": "
       "{\"explanation\": \"b\", \"rating\": 2}}",
       4, 2, ""},
      {"half stars rounded",
       R"({"item_5": {"explanation": "a", "rating": 3.5}, "item_1": {"explanation": "b", "rating": 1.5}})",
       3, 2, "3.5 rounded to 3"},
      {"near a level",
       R"({"item_5": {"explanation": "a", "rating": 4.2}, "item_1": {"explanation": "b", "rating": 4.6}})",
       4, 5, "4.2 rounded to 4"},
      {"duplicate key",
       R"({"item_5": {"explanation": "a", "rating": 4}, "5": {"explanation": "c", "rating": 1}, "item_1": {"explanation": "b", "rating": 2}})",
       4, 2, "second entry was ignored"},
  };
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.answer);
    const auto parsed = parse_rating_answer(c.answer, d, candidates);
    CHECK(parsed.result.complete());
    CHECK(parsed.result.problem.empty());
    CHECK(parsed.result.missing.empty());
    CHECK(rating_of(d, parsed.result, 5) == c.item5);
    CHECK(rating_of(d, parsed.result, 1) == c.item1);
    if (std::string_view(c.note).size() > 0) {
      INFO("notes: " << parsed.notes.size());
      for (const auto& n : parsed.notes)
        INFO(n);
      CHECK(noted(parsed, c.note));
    }
  }
}

TEST_CASE("ratings come back in candidate order with their explanations", "[parser]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto parsed = parse_rating_answer(
      R"({"item_1": {"explanation": "  Too sweet for them. ", "rating": 2}, "item_5": {"explanation": "Tense heist.", "rating": 5}})",
      d, items(d, {5, 1}));
  REQUIRE(parsed.result.ratings.size() == 2);
  CHECK(d.catalog().item(parsed.result.ratings[0].item).id == 5);
  CHECK(parsed.result.ratings[0].explanation == "Tense heist.");
  CHECK(parsed.result.ratings[1].explanation == "Too sweet for them.");
  CHECK(parsed.notes.empty());
}

TEST_CASE("missing and invalid items are listed with a problem for the repair prompt", "[parser]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto candidates = items(d, {5, 1, 6, 2, 3, 4});
  const auto parsed = parse_rating_answer(R"({
      "item_5": {"explanation": "ok", "rating": 4},
      "item_1": {"explanation": "too high", "rating": 7},
      "item_2": {"explanation": "zero", "rating": 0},
      "item_3": {"explanation": "words", "rating": "great"},
      "item_4": {"explanation": "other scale", "rating": "8/10"}})",
                                          d, candidates);
  const auto& r = parsed.result;
  CHECK_FALSE(r.complete());
  REQUIRE(r.ratings.size() == 1);
  CHECK(rating_of(d, r, 5) == 4);
  std::vector<ExternalId> missing;
  for (const auto i : r.missing)
    missing.push_back(d.catalog().item(i).id);
  CHECK(missing == std::vector<ExternalId>{1, 6, 2, 3, 4});
  CHECK(r.problem.starts_with("The answer did not rate item_6."));
  CHECK(r.problem.find("item_1: the rating 7 is outside the scale from 1 to 5.") !=
        std::string::npos);
  CHECK(r.problem.find("item_2: the rating 0 is outside the scale from 1 to 5.") !=
        std::string::npos);
  CHECK(r.problem.find("item_3: the rating \"great\" is not a number.") != std::string::npos);
  CHECK(r.problem.find("item_4: the rating \"8/10\" is on a scale to 10") != std::string::npos);

  const auto wrong_type = parse_rating_answer(
      R"({"item_5": {"explanation": "x", "rating": null}, "item_1": {"explanation": "y"}})", d,
      items(d, {5, 1}));
  CHECK(wrong_type.result.problem.find("item_5: the rating is null, not a number.") !=
        std::string::npos);
  CHECK(wrong_type.result.problem.find("item_1: the entry has no \"rating\".") !=
        std::string::npos);
}

TEST_CASE("unreadable answers leave every candidate missing and say why", "[parser]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto candidates = items(d, {5, 1});
  struct Case {
    std::string answer;
    const char* problem;
  };
  const Case cases[] = {
      {"", "The answer was empty."},
      {"I would rate Heat a 4 and Toy Story a 2.", "The answer holds no JSON object."},
      {R"({"item_5": {"rating": 4 "explanation": "x"}})", "could not be read: its JSON is invalid"},
      {"42", "The answer holds no JSON object."},
      {std::string(40, '[') + std::string(40, ']'), "nested more than 32 levels"},
      {std::string(kMaxAnswerBytes + 1, ' '), "too long"},
  };
  for (const auto& c : cases) {
    INFO(c.answer.substr(0, 80));
    const auto parsed = parse_rating_answer(c.answer, d, candidates);
    CHECK_FALSE(parsed.result.complete());
    CHECK(parsed.result.ratings.empty());
    CHECK(parsed.result.missing == candidates);
    CHECK(parsed.result.problem.find(c.problem) != std::string::npos);
  }
}

TEST_CASE("a cut-off answer keeps its complete entries", "[parser]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto parsed = parse_rating_answer(
      R"({"item_5": {"explanation": "Tense.", "rating": 4}, "item_1": {"explanation": "Too swe)", d,
      items(d, {5, 1}));
  CHECK(rating_of(d, parsed.result, 5) == 4);
  REQUIRE(parsed.result.missing.size() == 1);
  CHECK(d.catalog().item(parsed.result.missing[0]).id == 1);
  CHECK(parsed.result.problem == "The answer did not rate item_1.");
  CHECK(noted(parsed, "cut off"));
}

TEST_CASE("half-star scales take half stars and round finer values", "[parser]") {
  const Dataset d = load_fixture_dataset("ml-latest-mini");  // 0.5..5 in halves
  const auto parsed = parse_rating_answer(
      R"({"item_1": {"explanation": "a", "rating": 3.5}, "item_11": {"explanation": "b", "rating": "0.5"},
          "item_29": {"explanation": "c", "rating": 4.3}, "item_318": {"explanation": "d", "rating": 0.2}})",
      d, items(d, {1, 11, 29, 318}));
  CHECK(rating_of(d, parsed.result, 1) == 3.5f);
  CHECK(rating_of(d, parsed.result, 11) == 0.5f);
  CHECK(rating_of(d, parsed.result, 29) == 4.5f);
  CHECK(rating_of(d, parsed.result, 318) == -1.0f);
  CHECK(parsed.result.problem.find("item_318: the rating 0.2 is outside the scale from 0.5 to 5") !=
        std::string::npos);
}

TEST_CASE("the rounding rule: nearest level, ties toward the middle of the scale", "[parser]") {
  const RatingScale five{1.0f, 5.0f, 1.0f};
  CHECK(*read_rating_number(3.5, five).rating == 3.0f);
  CHECK(*read_rating_number(2.5, five).rating == 3.0f);
  CHECK(*read_rating_number(1.5, five).rating == 2.0f);
  CHECK(*read_rating_number(4.5, five).rating == 4.0f);
  CHECK(*read_rating_number(4.51, five).rating == 5.0f);
  CHECK(read_rating_number(4.5, five).note == "4.5 rounded to 4");
  CHECK(read_rating_number(4.0, five).note.empty());
  CHECK_FALSE(read_rating_number(5.5, five).rating);
  CHECK_FALSE(read_rating_number(std::nan(""), five).rating);
  const RatingScale halves{0.5f, 5.0f, 0.5f};
  CHECK(*read_rating_number(4.25, halves).rating == 4.0f);  // middle 2.75: 4 is nearer
  CHECK(*read_rating_number(1.25, halves).rating == 1.5f);
  CHECK(*read_rating_text("4/5", five).rating == 4.0f);
  CHECK(*read_rating_text("4 / 5", five).rating == 4.0f);
  CHECK(*read_rating_text(".5", halves).rating == 0.5f);
  CHECK(*read_rating_text("★★★½", halves).rating == 3.5f);
  CHECK_FALSE(read_rating_text("-1", five).rating);
  CHECK_FALSE(read_rating_text("none", five).rating);
}

TEST_CASE("profile answers: profile required, user_profile alias, change per kind",
          "[parser][profile]") {
  const auto create =
      parse_profile_answer(R"({"profile": " Loves heists.\n\nHates musicals. ", "change": ""})",
                           TaskKind::kCreateProfile);
  CHECK(create.result.complete());
  CHECK(create.result.profile == "Loves heists.\n\nHates musicals.");
  CHECK(create.result.change.empty());

  const auto alias = parse_profile_answer("```json\n{\"user_profile\": \"Loves heists.\"}\n```",
                                          TaskKind::kCreateProfile);
  CHECK(alias.result.complete());
  CHECK(alias.result.profile == "Loves heists.");
  CHECK(noted(alias, "\"user_profile\""));

  const auto update = parse_profile_answer(
      R"({"user_profile": "Now likes noir.", "update": "Newer noir ratings raised noir."})",
      TaskKind::kUpdateProfile);
  CHECK(update.result.complete());
  CHECK(update.result.change == "Newer noir ratings raised noir.");
  CHECK(noted(update, "\"update\""));

  const auto no_change =
      parse_profile_answer(R"({"profile": "Now likes noir."})", TaskKind::kUpdateProfile);
  CHECK_FALSE(no_change.result.complete());
  CHECK(no_change.result.profile == "Now likes noir.");  // usable, but incomplete
  CHECK(no_change.result.problem.find("no \"change\"") != std::string::npos);

  const auto structured = parse_profile_answer(R"({"profile": {"likes": "noir"}, "change": "x"})",
                                               TaskKind::kUpdateProfile);
  CHECK(structured.result.problem == "\"profile\" must be a string, not an object.");
  CHECK(structured.result.profile.empty());
  CHECK(parse_profile_answer(R"({"profile": "  "})", TaskKind::kCreateProfile).result.problem ==
        "\"profile\" is empty.");
  CHECK(parse_profile_answer(R"({"summary": "x"})", TaskKind::kCreateProfile).result.problem ==
        "The answer has no \"profile\".");
  CHECK(parse_profile_answer("[1, 2]", TaskKind::kCreateProfile).result.problem ==
        "The answer's JSON is not an object.");
  CHECK(parse_profile_answer("no json here", TaskKind::kCreateProfile).result.problem ==
        "The answer holds no JSON object.");
}

TEST_CASE("a repair's result folds into the result it repaired", "[parser][repair]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  LlmTask task;
  task.kind = TaskKind::kRateItems;
  task.candidates = items(d, {5, 1, 6});
  auto first = parse_task_answer(R"({"item_5": {"explanation": "a", "rating": 4}})", task, d);
  REQUIRE(first.result.missing.size() == 2);
  auto repair = parse_rating_answer(
      R"({"item_1": {"explanation": "b", "rating": 2}, "item_5": {"explanation": "again", "rating": 1}})",
      d, first.result.missing);
  CHECK(repair.result.missing.size() == 1);  // item_6 still missing
  merge_repair(TaskKind::kRateItems, first.result, repair.result);
  CHECK(first.result.ratings.size() == 2);
  CHECK(rating_of(d, first.result, 5) == 4);  // not asked again, not replaced
  CHECK(rating_of(d, first.result, 1) == 2);
  REQUIRE(first.result.missing.size() == 1);
  CHECK(d.catalog().item(first.result.missing[0]).id == 6);
  CHECK(first.result.problem == "The answer did not rate item_6.");

  LlmTaskResult profile;
  profile.profile = "Old.";
  profile.problem = "The answer has no \"change\".";
  LlmTaskResult fixed;
  fixed.profile = "New.";
  fixed.change = "Changed.";
  merge_repair(TaskKind::kUpdateProfile, profile, fixed);
  CHECK(profile.complete());
  CHECK(profile.profile == "New.");
  CHECK(profile.change == "Changed.");
}

TEST_CASE("no answer, however mangled, breaks the parser", "[parser][robustness]") {
  const Dataset d = load_fixture_dataset("ml-100k-mini");
  const auto candidates = items(d, {5, 1, 6});
  const std::string valid =
      "```json\n{\"item_5\": {\"explanation\": \"Tense \\\"heist\\\".\", \"rating\": 4},\n"
      " \"item_1\": {\"explanation\": \"Too sweet.\", \"rating\": \"2/5\"},\n"
      " \"item_6\": {\"explanation\": \"Bleak.\", \"rating\": 3.5}}\n```";
  const auto check = [&](const std::string& answer) {
    const auto parsed = parse_rating_answer(answer, d, candidates);
    // Every candidate is either rated on the scale or listed as missing.
    CHECK(parsed.result.ratings.size() + parsed.result.missing.size() == candidates.size());
    for (const auto& r : parsed.result.ratings)
      CHECK(d.scale().contains(r.rating));
    CHECK(parsed.result.complete() == parsed.result.missing.empty());
    (void)parse_profile_answer(answer, TaskKind::kUpdateProfile);
  };
  // Every truncation, as a max_tokens cut would make.
  for (std::size_t n = 0; n <= valid.size(); ++n)
    check(valid.substr(0, n));
  // Random byte damage, reproducibly.
  Rng rng(20240521);
  for (int round = 0; round < 400; ++round) {
    std::string mangled = valid;
    const auto edits = 1 + rng.uniform_index(6);
    for (std::uint64_t e = 0; e < edits; ++e) {
      const auto at = rng.uniform_index(mangled.size());
      switch (rng.uniform_index(3)) {
        case 0:
          mangled[at] = static_cast<char>(rng.uniform_index(256));
          break;
        case 1:
          mangled.erase(at, 1 + rng.uniform_index(8));
          break;
        default:
          mangled.insert(at, 1, "{}[]\",:\\"[rng.uniform_index(8)]);
          break;
      }
      if (mangled.empty())
        mangled = "{";
    }
    check(mangled);
  }
}
