// The environment protocol: every bad input becomes the right typed error
// with the right field, good inputs parse to the right values, and responses
// render to the JSON the documentation promises.

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/core/random.hpp"
#include "engine/envserver/env_protocol.hpp"

using namespace lusifer;
using namespace lusifer::envserver;
using Json = nlohmann::json;

namespace {

struct BadInput {
  std::string body;
  EnvErrorKind kind;
  std::string field;
};

template <class Result>
void check_error(const Result& result, const BadInput& bad) {
  INFO("body: " << bad.body);
  REQUIRE_FALSE(result.ok());
  CHECK(error_type_name(result.error().kind) == error_type_name(bad.kind));
  CHECK(result.error().field == bad.field);
  CHECK_FALSE(result.error().message.empty());
}

// Items 1..5 (Drama, Comedy alternating), item 2 without a year.
Dataset small_catalog() {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "protocol",
                         RatingScale{0.5f, 5.0f, 0.5f});
  const int drama = builder.catalog().add_genre("Drama");
  const int comedy = builder.catalog().add_genre("Comedy");
  for (ExternalId id = 1; id <= 5; ++id) {
    Item item;
    item.id = id;
    item.title = fmt::format("Film \"{}\"", id);
    if (id != 2)
      item.year = static_cast<int>(2000 + id);
    item.genres = GenreMask{1} << (id % 2 == 0 ? drama : comedy);
    if (id == 3)
      item.genres |= GenreMask{1} << drama;
    item.text = fmt::format("text {}", id);
    builder.add_item(std::move(item));
  }
  builder.add_tag_application(2, "heist");
  builder.add_tag_application(2, "heist");
  builder.add_tag_application(2, "desert");
  return builder.finish();
}

}  // namespace

TEST_CASE("error kinds have distinct wire names and the documented statuses", "[envserver]") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kEnvErrorKindCount; ++i) {
    const auto kind = static_cast<EnvErrorKind>(i);
    names.insert(error_type_name(kind));
    const int status = http_status_of(kind);
    CHECK(((status >= 400 && status < 430) || status == 500 || status == 503));
  }
  CHECK(names.size() == kEnvErrorKindCount);
  CHECK(http_status_of(EnvErrorKind::kInvalidJson) == 400);
  CHECK(http_status_of(EnvErrorKind::kUnknownItem) == 400);
  CHECK(http_status_of(EnvErrorKind::kUnknownSession) == 404);
  CHECK(http_status_of(EnvErrorKind::kMethodNotAllowed) == 405);
  CHECK(http_status_of(EnvErrorKind::kSessionBusy) == 409);
  CHECK(http_status_of(EnvErrorKind::kResetRequired) == 409);
  CHECK(http_status_of(EnvErrorKind::kUserInUse) == 409);
  CHECK(error_type_name(EnvErrorKind::kUserInUse) == "user_in_use");
  CHECK(http_status_of(EnvErrorKind::kTooManySessions) == 429);
  CHECK(http_status_of(EnvErrorKind::kServiceUnavailable) == 503);
  CHECK(http_status_of(EnvErrorKind::kInternal) == 500);
}

TEST_CASE("errors render as {error:{type,message,field}}", "[envserver]") {
  const auto with_field =
      Json::parse(render_error(EnvError(EnvErrorKind::kUnknownItem, "no \"x\"", "actions[0][1]")));
  CHECK(with_field == Json::parse(R"({"error":{"type":"unknown_item","message":"no \"x\"",
                                               "field":"actions[0][1]"}})"));
  const auto without = Json::parse(render_error(EnvError(EnvErrorKind::kNotFound, "nothing")));
  CHECK(without["error"]["field"].is_null());
  CHECK(without["error"]["type"] == "not_found");
}

TEST_CASE("a create request parses with defaults left to the service", "[envserver][create]") {
  const auto count = parse_create_request(R"({"users": 3})");
  REQUIRE(count.ok());
  CHECK(count.value().user_count == 3);
  CHECK(count.value().user_ids.empty());
  CHECK_FALSE(count.value().seed);
  CHECK_FALSE(count.value().horizon);
  CHECK_FALSE(count.value().slate_size);
  CHECK_FALSE(count.value().reward);
  CHECK_FALSE(count.value().leaving);

  const auto full = parse_create_request(
      R"({"users":[5,1,9],"seed":18446744073709551615,"horizon":20,"slate_size":10,
          "reward":"normalized-rating","leaving":true})");
  REQUIRE(full.ok());
  const auto& r = full.value();
  CHECK(r.user_ids == std::vector<ExternalId>{5, 1, 9});
  CHECK(r.user_count == 3);
  CHECK(r.seed == std::numeric_limits<std::uint64_t>::max());
  CHECK(r.horizon == 20u);
  CHECK(r.slate_size == 10u);
  CHECK(r.reward == RewardKind::kNormalizedRating);
  CHECK(r.leaving == true);

  for (const auto& [name, kind] :
       {std::pair{"rating", RewardKind::kRating}, std::pair{"click", RewardKind::kClick}}) {
    const auto parsed = parse_create_request(fmt::format(R"({{"users":1,"reward":"{}"}})", name));
    REQUIRE(parsed.ok());
    CHECK(parsed.value().reward == kind);
  }
  const auto negative_id = parse_create_request(R"({"users":[-4]})");
  REQUIRE(negative_id.ok());
  CHECK(negative_id.value().user_ids == std::vector<ExternalId>{-4});
}

TEST_CASE("every bad create request gets its typed error and field", "[envserver][create]") {
  const std::vector<BadInput> cases = {
      {"", EnvErrorKind::kInvalidJson, ""},
      {"  \n", EnvErrorKind::kInvalidJson, ""},
      {"{", EnvErrorKind::kInvalidJson, ""},
      {R"({"users":1} x)", EnvErrorKind::kInvalidJson, ""},
      {R"({"users":1}{})", EnvErrorKind::kInvalidJson, ""},
      {R"({"users":1,})", EnvErrorKind::kInvalidJson, ""},
      {"{\"users\":1,\"reward\":\"\xff\"}", EnvErrorKind::kInvalidJson, ""},
      {std::string(5000, '['), EnvErrorKind::kInvalidJson, ""},
      {"[]", EnvErrorKind::kWrongType, ""},
      {R"("users")", EnvErrorKind::kWrongType, ""},
      {"null", EnvErrorKind::kWrongType, ""},
      {R"({"users":3,"extra":1})", EnvErrorKind::kUnknownField, "extra"},
      {R"({"Users":3})", EnvErrorKind::kUnknownField, "Users"},
      {R"({"users":3,"users":4})", EnvErrorKind::kDuplicateField, "users"},
      {R"({})", EnvErrorKind::kMissingField, "users"},
      {R"({"seed":1})", EnvErrorKind::kMissingField, "users"},
      {R"({"users":0})", EnvErrorKind::kInvalidValue, "users"},
      {R"({"users":-1})", EnvErrorKind::kInvalidValue, "users"},
      {R"({"users":99999999999})", EnvErrorKind::kInvalidValue, "users"},
      {R"({"users":2.0})", EnvErrorKind::kWrongType, "users"},
      {R"({"users":"3"})", EnvErrorKind::kWrongType, "users"},
      {R"({"users":null})", EnvErrorKind::kWrongType, "users"},
      {R"({"users":{"n":1}})", EnvErrorKind::kWrongType, "users"},
      {R"({"users":[]})", EnvErrorKind::kInvalidValue, "users"},
      {R"({"users":[1,"2"]})", EnvErrorKind::kWrongType, "users[1]"},
      {R"({"users":[1.5]})", EnvErrorKind::kWrongType, "users[0]"},
      {R"({"users":[null]})", EnvErrorKind::kWrongType, "users[0]"},
      {R"({"users":[1,2,1]})", EnvErrorKind::kInvalidValue, "users[2]"},
      {R"({"users":[18446744073709551615]})", EnvErrorKind::kInvalidValue, "users[0]"},
      {R"({"users":1,"seed":-1})", EnvErrorKind::kInvalidValue, "seed"},
      {R"({"users":1,"seed":1.0})", EnvErrorKind::kWrongType, "seed"},
      {R"({"users":1,"seed":"1"})", EnvErrorKind::kWrongType, "seed"},
      {R"({"users":1,"horizon":0})", EnvErrorKind::kInvalidValue, "horizon"},
      {R"({"users":1,"horizon":1000001})", EnvErrorKind::kInvalidValue, "horizon"},
      {R"({"users":1,"horizon":true})", EnvErrorKind::kWrongType, "horizon"},
      {R"({"users":1,"slate_size":0})", EnvErrorKind::kInvalidValue, "slate_size"},
      {R"({"users":1,"slate_size":1001})", EnvErrorKind::kInvalidValue, "slate_size"},
      {R"({"users":1,"reward":"ratings"})", EnvErrorKind::kInvalidValue, "reward"},
      {R"({"users":1,"reward":1})", EnvErrorKind::kWrongType, "reward"},
      {R"({"users":1,"leaving":"yes"})", EnvErrorKind::kWrongType, "leaving"},
      {R"({"users":1,"leaving":1})", EnvErrorKind::kWrongType, "leaving"},
  };
  for (const auto& bad : cases)
    check_error(parse_create_request(bad.body), bad);
}

TEST_CASE("error messages say what was expected and what was found", "[envserver]") {
  const auto type = parse_create_request(R"({"users":1,"horizon":"20"})");
  REQUIRE_FALSE(type.ok());
  CHECK(type.error().message == R"(expected an integer for horizon, found a string "\"20\"")");
  const auto range = parse_create_request(R"({"users":1,"slate_size":5000})");
  REQUIRE_FALSE(range.ok());
  CHECK(range.error().message == "expected an integer from 1 to 1000 for slate_size, found 5000");
  const auto unknown = parse_create_request(R"({"users":1,"horizn":5})");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message,
             Catch::Contains("unknown field \"horizn\"") &&
                 Catch::Contains("users, seed, horizon, slate_size, reward, leaving"));
  const auto root = parse_step_request("[1]");
  REQUIRE_FALSE(root.ok());
  CHECK(root.error().message == "expected a JSON object for the body, found an array");
}

TEST_CASE("reset bodies: empty, {} or a seed", "[envserver][reset]") {
  for (const char* body : {"", "  ", "{}", R"({"seed":null})"}) {
    const auto r = parse_reset_request(body);
    REQUIRE(r.ok());
    CHECK_FALSE(r.value().seed);
  }
  const auto seeded = parse_reset_request(R"({"seed": 5})");
  REQUIRE(seeded.ok());
  CHECK(seeded.value().seed == 5u);
  const std::vector<BadInput> cases = {
      {"nope", EnvErrorKind::kInvalidJson, ""},
      {"[]", EnvErrorKind::kWrongType, ""},
      {R"({"seed":"5"})", EnvErrorKind::kWrongType, "seed"},
      {R"({"seed":-5})", EnvErrorKind::kInvalidValue, "seed"},
      {R"({"seed":1,"seed":2})", EnvErrorKind::kDuplicateField, "seed"},
      {R"({"options":{}})", EnvErrorKind::kUnknownField, "options"},
  };
  for (const auto& bad : cases)
    check_error(parse_reset_request(bad.body), bad);
}

TEST_CASE("step bodies: one slate or null per user", "[envserver][step]") {
  const auto r = parse_step_request(R"({"actions":[[10,20],null,[]]})");
  REQUIRE(r.ok());
  REQUIRE(r.value().actions.size() == 3);
  CHECK(r.value().actions[0] == std::vector<ExternalId>{10, 20});
  CHECK_FALSE(r.value().actions[1]);
  CHECK(r.value().actions[2] == std::vector<ExternalId>{});

  const std::vector<BadInput> cases = {
      {"", EnvErrorKind::kInvalidJson, ""},
      {R"({"actions":[[1,2]])", EnvErrorKind::kInvalidJson, ""},
      {R"({})", EnvErrorKind::kMissingField, "actions"},
      {R"({"actions":{}})", EnvErrorKind::kWrongType, "actions"},
      {R"({"actions":null})", EnvErrorKind::kWrongType, "actions"},
      {R"({"actions":[5]})", EnvErrorKind::kWrongType, "actions[0]"},
      {R"({"actions":[[1],"x"]})", EnvErrorKind::kWrongType, "actions[1]"},
      {R"({"actions":[[10,"20"]]})", EnvErrorKind::kWrongType, "actions[0][1]"},
      {R"({"actions":[[1.5]]})", EnvErrorKind::kWrongType, "actions[0][0]"},
      {R"({"actions":[[1,[2]]]})", EnvErrorKind::kWrongType, "actions[0][1]"},
      {R"({"actions":[[1,2],[3,4,3]]})", EnvErrorKind::kInvalidAction, "actions[1][2]"},
      {R"({"actions":[],"extra":1})", EnvErrorKind::kUnknownField, "extra"},
      {R"({"actions":[],"actions":[]})", EnvErrorKind::kDuplicateField, "actions"},
  };
  for (const auto& bad : cases)
    check_error(parse_step_request(bad.body), bad);
}

TEST_CASE("actions are checked against the session and the catalog", "[envserver][step]") {
  const Dataset data = small_catalog();
  const Catalog& catalog = data.catalog();
  auto parse = [](const char* body) { return parse_step_request(body).value(); };
  const std::vector<bool> none_done = {false, false};

  SECTION("a valid step passes unchanged") {
    auto request = parse(R"({"actions":[[1,2],[5,3]]})");
    CHECK_FALSE(check_step_actions(request, 2, none_done, catalog));
    CHECK(request.actions[1] == std::vector<ExternalId>{5, 3});
  }
  SECTION("the wrong number of slates") {
    auto request = parse(R"({"actions":[[1,2]]})");
    const auto error = check_step_actions(request, 2, none_done, catalog);
    REQUIRE(error);
    CHECK(error->kind == EnvErrorKind::kInvalidAction);
    CHECK(error->field == "actions");
    CHECK(error->message == "expected 2 actions (one per user of the session), found 1");
  }
  SECTION("a slate of the wrong size") {
    auto request = parse(R"({"actions":[[1,2],[3]]})");
    const auto error = check_step_actions(request, 2, none_done, catalog);
    REQUIRE(error);
    CHECK(error->kind == EnvErrorKind::kInvalidAction);
    CHECK(error->field == "actions[1]");
  }
  SECTION("an item not in the catalog") {
    auto request = parse(R"({"actions":[[1,99],[3,4]]})");
    const auto error = check_step_actions(request, 2, none_done, catalog);
    REQUIRE(error);
    CHECK(error->kind == EnvErrorKind::kUnknownItem);
    CHECK(error->field == "actions[0][1]");
  }
  SECTION("null for a user who is still active") {
    auto request = parse(R"({"actions":[null,[3,4]]})");
    const auto error = check_step_actions(request, 2, none_done, catalog);
    REQUIRE(error);
    CHECK(error->kind == EnvErrorKind::kInvalidAction);
    CHECK(error->field == "actions[0]");
  }
  SECTION("done users take null, or a valid slate that is ignored") {
    const std::vector<bool> first_done = {true, false};
    auto with_null = parse(R"({"actions":[null,[3,4]]})");
    CHECK_FALSE(check_step_actions(with_null, 2, first_done, catalog));
    auto with_slate = parse(R"({"actions":[[1,2],[3,4]]})");
    CHECK_FALSE(check_step_actions(with_slate, 2, first_done, catalog));
    CHECK_FALSE(with_slate.actions[0]);
    CHECK(with_slate.actions[1] == std::vector<ExternalId>{3, 4});
    auto with_bad_slate = parse(R"({"actions":[[1,77],[3,4]]})");
    const auto error = check_step_actions(with_bad_slate, 2, first_done, catalog);
    REQUIRE(error);
    CHECK(error->kind == EnvErrorKind::kUnknownItem);
  }
}

TEST_CASE("close takes an empty body or {}", "[envserver][close]") {
  CHECK_FALSE(parse_close_request(""));
  CHECK_FALSE(parse_close_request("{}"));
  CHECK_FALSE(parse_close_request(" { } \n"));
  const auto unknown = parse_close_request(R"({"force":true})");
  REQUIRE(unknown);
  CHECK(unknown->kind == EnvErrorKind::kUnknownField);
  CHECK(unknown->field == "force");
  CHECK_THAT(unknown->message, Catch::Contains("it takes none"));
  REQUIRE(parse_close_request("["));
  CHECK(parse_close_request("[")->kind == EnvErrorKind::kInvalidJson);
  REQUIRE(parse_close_request("[]"));
  CHECK(parse_close_request("[]")->kind == EnvErrorKind::kWrongType);
}

TEST_CASE("catalog queries: offset and limit, strictly", "[envserver][catalog]") {
  const auto defaults = parse_catalog_query("");
  REQUIRE(defaults.ok());
  CHECK(defaults.value().offset == 0);
  CHECK(defaults.value().limit == kDefaultCatalogLimit);
  const auto given = parse_catalog_query("offset=%35&limit=1000");
  REQUIRE(given.ok());
  CHECK(given.value().offset == 5);
  CHECK(given.value().limit == 1000);
  CHECK(parse_catalog_query("&limit=3&").value().limit == 3);

  const std::vector<BadInput> cases = {
      {"limit=0", EnvErrorKind::kInvalidValue, "limit"},
      {"limit=1001", EnvErrorKind::kInvalidValue, "limit"},
      {"limit=abc", EnvErrorKind::kWrongType, "limit"},
      {"limit=-1", EnvErrorKind::kWrongType, "limit"},
      {"limit=+1", EnvErrorKind::kWrongType, "limit"},
      {"limit=1e3", EnvErrorKind::kWrongType, "limit"},
      {"limit=", EnvErrorKind::kWrongType, "limit"},
      {"limit", EnvErrorKind::kWrongType, "limit"},
      {"offset=99999999999999999999", EnvErrorKind::kWrongType, "offset"},
      {"offset=4294967296", EnvErrorKind::kInvalidValue, "offset"},
      {"page=2", EnvErrorKind::kUnknownField, "page"},
      {"limit=1&limit=2", EnvErrorKind::kDuplicateField, "limit"},
  };
  for (const auto& bad : cases)
    check_error(parse_catalog_query(bad.body), bad);
}

TEST_CASE("a create response renders every field", "[envserver][render]") {
  CreateResponse r;
  r.env_id = "env-1";
  r.user_ids = {3, 1};
  r.seed = 9;
  r.horizon = 20;
  r.slate_size = 10;
  r.num_items = 1682;
  r.rating_scale = RatingScale{0.5f, 5.0f, 0.5f};
  r.reward = RewardKind::kClick;
  r.leaving = true;
  r.backend = "offline model (not an LLM)";
  CHECK(Json::parse(render_create_response(r)) == Json::parse(R"j({
    "env_id":"env-1","num_envs":2,"user_ids":[3,1],"seed":9,"horizon":20,"slate_size":10,
    "num_items":1682,"rating_scale":{"min":0.5,"max":5,"step":0.5},"reward":"click",
    "leaving":true,"backend":"offline model (not an LLM)"})j"));
}

TEST_CASE("observations and steps render as Gymnasium's parallel arrays", "[envserver][render]") {
  UserObservation a;
  a.user_id = 7;
  a.profile = "likes \"noir\"\n";
  a.profile_version = 2;
  a.recent = {{10, 4.5f}, {11, 0.1f}};
  a.features = std::vector<float>{0.25f, -1.0f};
  UserObservation b;
  b.user_id = 8;

  ResetResponse reset;
  reset.observations = {a, b};
  const auto reset_json = Json::parse(render_reset_response(reset));
  CHECK(reset_json["infos"] == Json::parse("[{},{}]"));
  CHECK(reset_json["observations"][0] == Json::parse(R"({"user_id":7,"profile":"likes \"noir\"\n",
      "profile_version":2,"recent":[{"item_id":10,"rating":4.5},{"item_id":11,"rating":0.1}],
      "features":[0.25,-1]})"));
  CHECK_FALSE(reset_json["observations"][1].contains("features"));
  // Floats in their shortest form, not as widened doubles.
  CHECK_THAT(render_reset_response(reset), Catch::Contains(R"("rating":0.1})"));

  StepResponse step;
  UserStep first;
  first.observation = a;
  first.reward = 7.5;
  first.info.ratings = {{10, 4.0f, 3.75f, "good"}, {12, 3.5f, std::nullopt, ""}};
  first.info.missing = {13};
  first.info.profile_change = "now likes noir";
  first.info.late = true;
  UserStep second;
  second.observation = b;
  second.reward = std::nan("");
  second.terminated = true;
  second.info.active = false;
  second.info.failure = "timeout";
  second.info.leave_reason = "bored";
  step.users = {first, second};
  const auto json = Json::parse(render_step_response(step));
  CHECK(json["rewards"][0] == 7.5);
  CHECK(json["rewards"][1].is_null());
  CHECK(json["terminated"] == Json::parse("[false,true]"));
  CHECK(json["truncated"] == Json::parse("[false,false]"));
  CHECK(json["observations"].size() == 2);
  CHECK(json["infos"][0] == Json::parse(R"({"active":true,
      "ratings":[{"item_id":10,"rating":4,"calibrated":3.75,"explanation":"good"},
                 {"item_id":12,"rating":3.5,"explanation":""}],
      "missing":[13],"profile_change":"now likes noir","late":true,"failure":"",
      "leave_reason":""})"));
  CHECK(json["infos"][1]["active"] == false);
  CHECK(json["infos"][1]["failure"] == "timeout");
  CHECK(json["infos"][1]["leave_reason"] == "bored");
  CHECK(render_close_response() == R"({"closed":true})");
}

TEST_CASE("catalog pages list items by id with genres, text and tags", "[envserver][catalog]") {
  const Dataset data = small_catalog();
  const auto page = Json::parse(render_catalog_page(data.catalog(), {1, 2}));
  CHECK(page["total"] == 5);
  CHECK(page["offset"] == 1);
  CHECK(page["limit"] == 2);
  REQUIRE(page["items"].size() == 2);
  CHECK(page["items"][0] == Json::parse(R"({"item_id":2,"title":"Film \"2\"","year":null,
      "genres":["Drama"],"text":"text 2","tags":[]})"));
  CHECK(page["items"][1]["item_id"] == 3);
  CHECK(page["items"][1]["year"] == 2003);
  CHECK(page["items"][1]["genres"] == Json::parse(R"(["Drama","Comedy"])"));
  CHECK(page["items"][1]["tags"] == Json::parse(R"(["heist","desert"])"));
  const auto tail = Json::parse(render_catalog_page(data.catalog(), {4, 100}));
  CHECK(tail["items"].size() == 1);
  const auto beyond = Json::parse(render_catalog_page(data.catalog(), {50, 100}));
  CHECK(beyond["items"].empty());
  CHECK(beyond["total"] == 5);
}

TEST_CASE("env ids and reward names", "[envserver]") {
  CHECK(is_valid_env_id("env-1"));
  CHECK(is_valid_env_id("A_b-9"));
  CHECK(is_valid_env_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_env_id(""));
  CHECK_FALSE(is_valid_env_id(std::string(65, 'x')));
  CHECK_FALSE(is_valid_env_id("a/b"));
  CHECK_FALSE(is_valid_env_id("a%20b"));
  CHECK_FALSE(is_valid_env_id("é"));
  for (const auto kind : {RewardKind::kRating, RewardKind::kNormalizedRating, RewardKind::kClick})
    CHECK(parse_reward_kind(reward_kind_name(kind)) == kind);
  CHECK_FALSE(parse_reward_kind("Rating"));
}

TEST_CASE("the parsers survive mangled bodies and answer with a client error", "[envserver]") {
  const std::vector<std::string> seeds = {
      R"({"users":[1,2,3],"seed":1,"horizon":20,"slate_size":10,"reward":"click","leaving":true})",
      R"({"actions":[[10,20],null,[30,40]]})",
      R"({"seed":5})",
  };
  Rng rng(2024);
  std::size_t parsed_ok = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string body = seeds[rng.uniform_index(seeds.size())];
    const auto edits = 1 + rng.uniform_index(4);
    for (std::uint64_t e = 0; e < edits && !body.empty(); ++e) {
      const auto at = rng.uniform_index(body.size());
      switch (rng.uniform_index(3)) {
        case 0:
          body[at] = static_cast<char>(rng.uniform_index(256));
          break;
        case 1:
          body.erase(at, 1 + rng.uniform_index(3));
          break;
        default:
          body.insert(at, 1, "[]{}\",:0-.e\\n"[rng.uniform_index(13)]);
          break;
      }
    }
    const auto create = parse_create_request(body);
    const auto reset = parse_reset_request(body);
    const auto step = parse_step_request(body);
    const auto close = parse_close_request(body);
    parsed_ok += create.ok() + reset.ok() + step.ok();
    for (const EnvError* error :
         {create.ok() ? nullptr : &create.error(), reset.ok() ? nullptr : &reset.error(),
          step.ok() ? nullptr : &step.error(), close ? &*close : nullptr}) {
      if (!error)
        continue;
      CHECK(http_status_of(error->kind) == 400);
      CHECK_FALSE(error->message.empty());
    }
  }
  // Some mutations keep the body valid (a digit changed), most do not.
  CHECK(parsed_ok > 0);
}
