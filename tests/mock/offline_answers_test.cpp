// The mock server answering lusifer's own prompts with the offline model:
// the answer that comes over HTTP is the one the offline backend gives for
// the same task.

#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/llm/chat_response.hpp"
#include "engine/mock/offline_task_answerer.hpp"
#include "engine/sim/answer_parser.hpp"
#include "engine/sim/offline_backend.hpp"
#include "engine/sim/offline_profile.hpp"
#include "engine/sim/prompt_builder.hpp"
#include "tests/mock/mock_test_support.hpp"
#include "tests/support/test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;

namespace {

struct OfflineWorld {
  Dataset dataset;
  std::vector<RatingIndex> all;
  std::unique_ptr<OfflineUserModel> model;
  PromptTemplates templates;

  OfflineWorld() : templates(PromptTemplates::load(LUSIFER_PROMPTS_DIR)) {
    InputDiagnostics strict;
    dataset = load_dataset(fixture("ml-100k-mini"), strict);
    all.resize(dataset.ratings().size());
    std::iota(all.begin(), all.end(), RatingIndex{0});
    model = std::make_unique<OfflineUserModel>(dataset, all);
  }
};

const OfflineWorld& world() {
  static const OfflineWorld w;
  return w;
}

std::vector<Interaction> history_of(UserIndex user) {
  const Dataset& d = world().dataset;
  std::vector<Interaction> out;
  for (const RatingIndex r : d.histories().of(user))
    out.push_back({d.ratings().item(r), d.ratings().value(r), d.ratings().timestamp(r)});
  return out;
}

std::string content_over_http(MockHarness& h, const llm::ChatRequest& request,
                              const llm::BackendProfile& profile = openai_profile()) {
  auto r = request;
  r.model = "gpt-4o-mini";
  const auto result = h.post(body_of(r, profile));
  INFO(result.body);
  REQUIRE(result.status == 200);
  llm::ChatResponseParser parser;
  llm::ChatResponse response;
  REQUIRE(parser.parse(result.body, response).ok());
  CHECK(response.finish_reason == llm::FinishReason::kStop);
  return response.content;
}

}  // namespace

TEST_CASE("lusifer's tasks are answered with the offline model over HTTP", "[mock][offline]") {
  const OfflineWorld& w = world();
  const PromptBuilder builder(w.dataset, w.templates);
  mock::MockLlmOptions options;
  options.answerer = std::make_shared<mock::OfflineTaskAnswerer>(*w.model, w.templates);
  MockHarness h(options);

  const UserIndex user = 0;
  const auto history = history_of(user);
  REQUIRE(history.size() >= 4);

  LlmTask create;
  create.kind = TaskKind::kCreateProfile;
  create.user = user;
  create.interactions.assign(history.begin(), history.begin() + 3);
  const std::string created = content_over_http(h, builder.build(create));
  CHECK(created == answer_offline_task_json(*w.model, create));
  const auto profile = parse_profile_answer(created, TaskKind::kCreateProfile);
  REQUIRE(profile.result.complete());
  CHECK(profile.result.profile.starts_with(kOfflineProfileMarker));

  LlmTask update;
  update.kind = TaskKind::kUpdateProfile;
  update.user = user;
  update.profile = profile.result.profile;
  update.interactions.assign(history.begin() + 3, history.end());
  const std::string updated = content_over_http(h, builder.build(update));
  CHECK(updated == answer_offline_task_json(*w.model, update));
  const auto new_profile = parse_profile_answer(updated, TaskKind::kUpdateProfile);
  REQUIRE(new_profile.result.complete());
  CHECK_FALSE(new_profile.result.change.empty());

  LlmTask rate;
  rate.kind = TaskKind::kRateItems;
  rate.user = user;
  rate.profile = new_profile.result.profile;
  rate.interactions.assign(history.end() - 2, history.end());
  rate.candidates = {1, 3, 4};
  const std::string rated = content_over_http(h, builder.build(rate));
  CHECK(rated == answer_offline_task_json(*w.model, rate));
  const auto ratings = parse_task_answer(rated, rate, w.dataset);
  CHECK(ratings.result.complete());
  CHECK(ratings.result.ratings.size() == 3);

  // JSON mode (no schema) reads the candidates from the answer shape instead.
  PromptOptions json_mode;
  json_mode.rating_format = RatingAnswerFormat::kJsonObject;
  const PromptBuilder object_builder(w.dataset, w.templates, json_mode);
  CHECK(content_over_http(h, object_builder.build(rate)) == rated);

  // A repair asks again for the items still missing.
  LlmTask repair = rate;
  repair.repair_attempt = 1;
  repair.candidates = {4};
  repair.problem = "item_5 was not rated.";
  const std::string repaired = content_over_http(h, builder.build(repair));
  CHECK(repaired == answer_offline_task_json(*w.model, repair));
  CHECK(nlohmann::json::parse(repaired).size() == 1);

  const auto counters = h.server().counters();
  CHECK(counters.outcome(mock::ChatOutcome::kSuccess) == 5);
}

TEST_CASE("without ChatRequest::user the offline model answers for an unknown user",
          "[mock][offline]") {
  const OfflineWorld& w = world();
  const PromptBuilder builder(w.dataset, w.templates);
  mock::MockLlmOptions options;
  options.answerer = std::make_shared<mock::OfflineTaskAnswerer>(*w.model, w.templates);
  options.personality = mock::Personality::kVllm;
  MockHarness h(options);
  LlmTask rate;
  rate.kind = TaskKind::kRateItems;
  rate.user = 1;
  rate.candidates = {0, 2, 5};
  // vLLM's dialect carries no `user`.
  const auto vllm = llm::default_backend_profile(llm::BackendKind::kVllm);
  const std::string content = content_over_http(h, builder.build(rate), vllm);
  const auto parsed = parse_task_answer(content, rate, w.dataset);
  CHECK(parsed.result.complete());
  LlmTask anonymous = rate;
  anonymous.user = static_cast<UserIndex>(w.dataset.user_count());
  CHECK(content == answer_offline_task_json(*w.model, anonymous));
}

TEST_CASE("requests that are not lusifer's go to the fillers", "[mock][offline]") {
  const OfflineWorld& w = world();
  const mock::OfflineTaskAnswerer answerer(*w.model, w.templates);
  CHECK_FALSE(answerer.answer(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"));
  CHECK_FALSE(answerer.answer("not json at all"));
  CHECK_FALSE(answerer.answer(""));

  mock::MockLlmOptions options;
  options.answerer = std::make_shared<mock::OfflineTaskAnswerer>(*w.model, w.templates);
  MockHarness h(options);
  const std::string text = content_over_http(h, simple_request("Write a haiku."));
  CHECK_FALSE(text.empty());
  CHECK(text.find('{') == std::string::npos);
}

TEST_CASE("the offline profile is found in a task message", "[mock][offline]") {
  const std::string profile =
      std::string(kOfflineProfileMarker) + " of a person, from 3 rated films.";
  const std::string message =
      "Task: rate.\n\nTaste profile:\n" + profile + "\n\nMovies to rate:\n- item_1";
  CHECK(mock::quoted_offline_profile(message) == profile);
  CHECK(mock::quoted_offline_profile("Taste profile:\nLoves westerns.\n\n").empty());
  CHECK(mock::quoted_offline_profile(profile + "\n") == profile);
}
