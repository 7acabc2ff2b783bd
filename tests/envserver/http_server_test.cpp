// The environment server on loopback, against the test double of
// EnvService: every endpoint, every refusal with its JSON body, the bounds,
// authentication, service faults, concurrency, and that the server keeps
// serving after bad requests.

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/envserver/env_http_server.hpp"
#include "engine/http/http_client.hpp"
#include "tests/envserver/fake_env_service.hpp"

using namespace lusifer;
using namespace lusifer::envserver;
using namespace std::chrono_literals;
using lusifer::testing::FakeEnvService;
using Json = nlohmann::json;

namespace {

EnvServerSettings test_settings() {
  EnvServerSettings s;
  s.port = 0;
  s.threads = 2;
  s.max_sessions = 8;
  s.max_users_per_session = 20;
  s.max_body_bytes = 64 * 1024;
  s.response_timeout = 30s;
  s.session_idle_timeout = 0ms;
  return s;
}

// A server over a fake service, and a client for it.
struct Fixture {
  explicit Fixture(EnvServerSettings settings = test_settings(), std::size_t workers = 0)
      : service(std::make_shared<FakeEnvService>(workers)),
        server(std::move(settings), service),
        client([] {
          HttpClientOptions o;
          o.max_connections_per_origin = 128;
          o.io_threads = 2;
          return o;
        }()) {}

  HttpResult call(HttpMethod method, const std::string& path, std::string body = {},
                  std::string token = {}) {
    HttpRequest r;
    r.method = method;
    r.url = server.base_url() + path;
    r.body = std::move(body);
    if (!r.body.empty())
      r.headers.add("Content-Type", "application/json");
    if (!token.empty())
      r.headers.add("Authorization", "Bearer " + token);
    r.timeout = 30s;
    return client.send_and_wait(std::move(r));
  }
  HttpResult post(const std::string& path, std::string body = {}) {
    return call(HttpMethod::kPost, path, std::move(body));
  }

  // Creates a session and returns its id.
  std::string create(const std::string& body) {
    const auto r = post("/v1/envs", body);
    REQUIRE(r.ok());
    INFO(r.body);
    REQUIRE(r.status == 201);
    return Json::parse(r.body)["env_id"].get<std::string>();
  }

  std::shared_ptr<FakeEnvService> service;
  EnvHttpServer server;
  HttpClient client;
};

Json body_of(const HttpResult& r) {
  REQUIRE(r.ok());
  return Json::parse(r.body);
}

// The answer is `status` with {"error":{"type":type,"message":...,"field":field}}.
void expect_error(const HttpResult& r, int status, const std::string& type,
                  const std::string& field = {}) {
  REQUIRE(r.ok());
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.headers.find("content-type") == "application/json");
  const auto json = Json::parse(r.body);
  REQUIRE(json.contains("error"));
  CHECK(json["error"]["type"] == type);
  CHECK_FALSE(json["error"]["message"].get<std::string>().empty());
  if (field.empty()) {
    CHECK(json["error"]["field"].is_null());
  } else {
    CHECK(json["error"]["field"] == field);
  }
}

std::string slates(const std::vector<std::vector<int>>& actions) {
  return Json{{"actions", actions}}.dump();
}

// Sends raw bytes over a fresh TCP connection and returns what comes back
// before the server closes it (or 5 s pass).
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  CHECK(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  std::string answer;
  char buffer[4096];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("a whole episode: create, reset, step to the horizon, close", "[envserver][http]") {
  Fixture f;
  const auto created =
      f.post("/v1/envs", R"({"users":[3,4],"horizon":2,"slate_size":2,"seed":11})");
  REQUIRE(created.ok());
  REQUIRE(created.status == 201);
  const auto info = Json::parse(created.body);
  const std::string id = info["env_id"];
  CHECK(created.headers.find("location") == "/v1/envs/" + id);
  CHECK(info["num_envs"] == 2);
  CHECK(info["user_ids"] == Json::parse("[3,4]"));
  CHECK(info["horizon"] == 2);
  CHECK(info["slate_size"] == 2);
  CHECK(info["seed"] == 11);
  CHECK(info["num_items"] == 20);
  CHECK(info["rating_scale"] == Json::parse(R"({"min":1,"max":5,"step":1})"));
  CHECK(info["reward"] == "rating");
  CHECK(info["leaving"] == false);
  CHECK(info["backend"] == "fake (test double)");

  expect_error(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})), 409,
               "reset_required");

  const auto reset = body_of(f.post("/v1/envs/" + id + "/reset", R"({"seed":3})"));
  REQUIRE(reset["observations"].size() == 2);
  CHECK(reset["observations"][1]["user_id"] == 4);
  CHECK(reset["observations"][1]["profile"] == "user 4 likes drama");
  CHECK(reset["observations"][1]["features"] == Json::parse("[4,0.5]"));
  CHECK(reset["infos"] == Json::parse("[{},{}]"));

  const auto first = f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}}));
  REQUIRE(first.status == 200);
  const auto step = Json::parse(first.body);
  const double r0 = FakeEnvService::rating_of(3, 10) + FakeEnvService::rating_of(3, 20);
  const double r1 = FakeEnvService::rating_of(4, 30) + FakeEnvService::rating_of(4, 40);
  CHECK(step["rewards"] == Json::array({r0, r1}));
  CHECK(step["terminated"] == Json::parse("[false,false]"));
  CHECK(step["truncated"] == Json::parse("[false,false]"));
  CHECK(step["infos"][0]["ratings"][1]["item_id"] == 20);
  CHECK(step["infos"][0]["ratings"][1]["rating"] == FakeEnvService::rating_of(3, 20));
  CHECK(step["infos"][0]["ratings"][1]["explanation"] == "3 on 20");
  CHECK(step["infos"][0]["active"] == true);

  const auto last = body_of(f.post("/v1/envs/" + id + "/step", slates({{50, 60}, {70, 80}})));
  CHECK(last["truncated"] == Json::parse("[true,true]"));
  expect_error(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})), 409,
               "reset_required");

  // A new episode.
  CHECK(f.post("/v1/envs/" + id + "/reset").status == 200);
  CHECK(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})).status == 200);

  const auto closed = f.call(HttpMethod::kDelete, "/v1/envs/" + id);
  REQUIRE(closed.status == 200);
  CHECK(Json::parse(closed.body) == Json::parse(R"({"closed":true})"));
  CHECK(f.service->open_sessions() == 0);
  expect_error(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})), 404,
               "unknown_session");
  expect_error(f.call(HttpMethod::kDelete, "/v1/envs/" + id), 404, "unknown_session");
}

TEST_CASE("users who left take null (or an ignored slate) until the reset", "[envserver][http]") {
  Fixture f;
  const auto id = f.create(R"({"users":[1,2],"leaving":true,"horizon":3})");
  REQUIRE(f.post("/v1/envs/" + id + "/reset").status == 200);
  const auto first = body_of(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})));
  CHECK(first["terminated"] == Json::parse("[false,true]"));
  CHECK(first["infos"][1]["leave_reason"] == "dissatisfied");

  const auto with_null = f.post("/v1/envs/" + id + "/step", R"({"actions":[[10,20],null]})");
  REQUIRE(with_null.status == 200);
  const auto second = Json::parse(with_null.body);
  CHECK(second["infos"][1]["active"] == false);
  CHECK(second["rewards"][1] == 0.0);
  CHECK(second["terminated"][1] == true);

  // A slate for the user who left is checked, then ignored.
  const auto ignored = body_of(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})));
  CHECK(ignored["infos"][1]["active"] == false);
  CHECK(ignored["infos"][1]["ratings"].empty());
  CHECK(ignored["truncated"][0] == true);

  // Everyone is done now.
  expect_error(f.post("/v1/envs/" + id + "/step", R"({"actions":[[10,20],null]})"), 409,
               "reset_required");
  REQUIRE(f.post("/v1/envs/" + id + "/reset").status == 200);
  expect_error(f.post("/v1/envs/" + id + "/step", R"({"actions":[[10,20],null]})"), 400,
               "invalid_action", "actions[1]");
}

TEST_CASE("every bad request gets its 4xx with a JSON error", "[envserver][http]") {
  Fixture f;
  const auto id = f.create(R"({"users":2,"slate_size":2})");
  REQUIRE(f.post("/v1/envs/" + id + "/reset").status == 200);
  const std::string step = "/v1/envs/" + id + "/step";

  SECTION("create") {
    expect_error(f.post("/v1/envs", "{"), 400, "invalid_json");
    expect_error(f.post("/v1/envs", ""), 400, "invalid_json");
    expect_error(f.post("/v1/envs", R"({"users":2,"x":1})"), 400, "unknown_field", "x");
    expect_error(f.post("/v1/envs", R"({"users":2,"users":3})"), 400, "duplicate_field", "users");
    expect_error(f.post("/v1/envs", R"({"horizon":2})"), 400, "missing_field", "users");
    expect_error(f.post("/v1/envs", R"({"users":"2"})"), 400, "wrong_type", "users");
    expect_error(f.post("/v1/envs", R"({"users":2,"reward":"stars"})"), 400, "invalid_value",
                 "reward");
    expect_error(f.post("/v1/envs", R"({"users":21})"), 400, "too_many_users", "users");
    expect_error(f.post("/v1/envs", R"({"users":[1,99]})"), 400, "unknown_user", "users[1]");
    expect_error(f.post("/v1/envs", R"({"users":2,"slate_size":21})"), 400, "invalid_value",
                 "slate_size");
  }
  SECTION("step") {
    expect_error(f.post(step, "not json"), 400, "invalid_json");
    expect_error(f.post(step, R"({"action":[]})"), 400, "unknown_field", "action");
    expect_error(f.post(step, slates({{10, 20}})), 400, "invalid_action", "actions");
    expect_error(f.post(step, slates({{10, 20}, {30}})), 400, "invalid_action", "actions[1]");
    expect_error(f.post(step, slates({{10, 20}, {30, 30}})), 400, "invalid_action",
                 "actions[1][1]");
    expect_error(f.post(step, slates({{10, 20}, {30, 35}})), 400, "unknown_item", "actions[1][1]");
    expect_error(f.post(step, R"({"actions":[[10,20],null]})"), 400, "invalid_action",
                 "actions[1]");
    expect_error(f.post(step, R"({"actions":[[10,20],[30,"40"]]})"), 400, "wrong_type",
                 "actions[1][1]");
    // None of these reached the service or took the session.
    CHECK(f.post(step, slates({{10, 20}, {30, 40}})).status == 200);
  }
  SECTION("reset and close") {
    expect_error(f.post("/v1/envs/" + id + "/reset", R"({"seed":"1"})"), 400, "wrong_type", "seed");
    expect_error(f.call(HttpMethod::kDelete, "/v1/envs/" + id, R"({"now":true})"), 400,
                 "unknown_field", "now");
    CHECK(f.service->open_sessions() == 1);
  }
  SECTION("urls and methods") {
    expect_error(f.call(HttpMethod::kGet, "/v1/nothing"), 404, "not_found");
    expect_error(f.call(HttpMethod::kGet, "/"), 404, "not_found");
    expect_error(f.post("/v1/envs/" + id + "/jump"), 404, "not_found");
    expect_error(f.post("/v1/envs/env-999/reset"), 404, "unknown_session");
    expect_error(f.post("/v1/envs/bad%20id/reset"), 404, "unknown_session");
    const auto get_envs = f.call(HttpMethod::kGet, "/v1/envs");
    expect_error(get_envs, 405, "method_not_allowed");
    CHECK(get_envs.headers.find("allow") == "POST");
    const auto delete_step = f.call(HttpMethod::kDelete, step);
    expect_error(delete_step, 405, "method_not_allowed");
    CHECK(delete_step.headers.find("allow") == "POST");
    const auto post_catalog = f.post("/v1/catalog");
    expect_error(post_catalog, 405, "method_not_allowed");
    CHECK(post_catalog.headers.find("allow") == "GET, HEAD");
    expect_error(f.call(HttpMethod::kGet, "/v1/catalog?limit=0"), 400, "invalid_value", "limit");
    expect_error(f.call(HttpMethod::kGet, "/v1/catalog?page=2"), 400, "unknown_field", "page");
  }
  const auto metrics = f.server.metrics();
  CHECK(metrics.errors_of(EnvErrorKind::kInternal) == 0);
}

TEST_CASE("the catalog pages through the items", "[envserver][http]") {
  Fixture f;
  const auto first = body_of(f.call(HttpMethod::kGet, "/v1/catalog"));
  CHECK(first["total"] == 20);
  REQUIRE(first["items"].size() == 20);
  CHECK(first["items"][0] == Json::parse(R"j({"item_id":10,"title":"Item 10 (1991)","year":1991,
      "genres":["Comedy"],"text":"The story of item 10.","tags":["first"]})j"));
  const auto page = body_of(f.call(HttpMethod::kGet, "/v1/catalog?offset=18&limit=5"));
  REQUIRE(page["items"].size() == 2);
  CHECK(page["items"][1]["item_id"] == 200);
  const auto head = f.call(HttpMethod::kHead, "/v1/catalog");
  REQUIRE(head.ok());
  CHECK(head.status == 200);
  CHECK(head.body.empty());
}

TEST_CASE("sessions are bounded; closing or idling makes room", "[envserver][http]") {
  auto settings = test_settings();
  settings.max_sessions = 2;
  Fixture f(settings);
  const auto a = f.create(R"({"users":1})");
  f.create(R"({"users":1})");
  expect_error(f.post("/v1/envs", R"({"users":1})"), 429, "too_many_sessions");
  REQUIRE(f.call(HttpMethod::kDelete, "/v1/envs/" + a).status == 200);
  f.create(R"({"users":1})");
  CHECK(f.service->open_sessions() == 2);

  SECTION("idle sessions are closed to make room") {
    auto idle = test_settings();
    idle.max_sessions = 1;
    idle.session_idle_timeout = 50ms;
    Fixture g(idle);
    const auto old = g.create(R"({"users":1})");
    expect_error(g.post("/v1/envs", R"({"users":1})"), 429, "too_many_sessions");
    std::this_thread::sleep_for(120ms);
    g.create(R"({"users":1})");
    CHECK(g.service->closes() == 1);
    CHECK(g.server.metrics().sessions_expired == 1);
    expect_error(g.post("/v1/envs/" + old + "/reset"), 404, "unknown_session");
  }
}

TEST_CASE("a session serves one request at a time", "[envserver][http]") {
  Fixture f(test_settings(), 2);
  const auto id = f.create(R"({"users":2})");
  REQUIRE(f.post("/v1/envs/" + id + "/reset").status == 200);
  f.service->park_steps(true);
  auto pending = std::async(std::launch::async, [&] {
    return f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}}));
  });
  for (int i = 0; i < 500 && f.service->parked() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(f.service->parked() == 1);
  expect_error(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})), 409,
               "session_busy");
  expect_error(f.post("/v1/envs/" + id + "/reset"), 409, "session_busy");
  expect_error(f.call(HttpMethod::kDelete, "/v1/envs/" + id), 409, "session_busy");
  // Other sessions are not held up.
  const auto other = f.create(R"({"users":1})");
  CHECK(f.post("/v1/envs/" + other + "/reset").status == 200);

  f.service->park_steps(false);
  f.service->release_parked();
  const auto answered = pending.get();
  REQUIRE(answered.ok());
  CHECK(answered.status == 200);
  CHECK(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}})).status == 200);
}

TEST_CASE("a token guards everything but /healthz", "[envserver][http][auth]") {
  auto settings = test_settings();
  settings.bearer_token = "env-test-token-0123456789";
  Fixture f(settings);
  const auto health = f.call(HttpMethod::kGet, "/healthz");
  REQUIRE(health.status == 200);
  CHECK(Json::parse(health.body)["status"] == "ok");

  for (const auto& [method, path] :
       {std::pair{HttpMethod::kGet, "/v1/catalog"}, std::pair{HttpMethod::kPost, "/v1/envs"},
        std::pair{HttpMethod::kGet, "/metrics"}}) {
    const auto none = f.call(method, path, R"({"users":1})");
    REQUIRE(none.ok());
    CHECK(none.status == 401);
    CHECK(Json::parse(none.body)["error"]["type"] == "authentication_error");
    const auto wrong = f.call(method, path, R"({"users":1})", "not-the-token");
    CHECK(wrong.status == 401);
  }
  const auto created =
      f.call(HttpMethod::kPost, "/v1/envs", R"({"users":1})", "env-test-token-0123456789");
  CHECK(created.status == 201);
  CHECK(f.service->open_sessions() == 1);
}

TEST_CASE("bodies over max_body_bytes get 413 and the server goes on", "[envserver][http]") {
  auto settings = test_settings();
  settings.max_body_bytes = 1024;
  Fixture f(settings);
  std::string huge = R"({"users":[)";
  for (int i = 1; i < 2000; ++i)
    huge += std::to_string(i) + ",";
  huge += "1]}";
  const auto r = f.post("/v1/envs", huge);
  REQUIRE(r.ok());
  CHECK(r.status == 413);
  CHECK(Json::parse(r.body)["error"]["type"] == "request_too_large");
  CHECK(f.service->open_sessions() == 0);
  CHECK(f.post("/v1/envs", R"({"users":1})").status == 201);
}

TEST_CASE("faults of the service become 5xx and free the session", "[envserver][http]") {
  auto settings = test_settings();
  settings.max_sessions = 1;
  Fixture f(settings);

  f.service->inject(FakeEnvService::Fault::kThrow);
  expect_error(f.post("/v1/envs", R"({"users":1})"), 500, "internal_error");
  f.service->inject(FakeEnvService::Fault::kWrongCount);
  expect_error(f.post("/v1/envs", R"({"users":2})"), 500, "internal_error");
  // Neither kept the only slot; the inconsistent session was closed again.
  CHECK(f.service->open_sessions() == 0);
  const auto id = f.create(R"({"users":2})");
  const std::string reset = "/v1/envs/" + id + "/reset";
  const std::string step = "/v1/envs/" + id + "/step";

  f.service->inject(FakeEnvService::Fault::kWrongCount);
  expect_error(f.post(reset), 500, "internal_error");
  f.service->inject(FakeEnvService::Fault::kTwice);
  CHECK(f.post(reset).status == 200);
  f.service->inject(FakeEnvService::Fault::kDrop);
  expect_error(f.post(step, slates({{10, 20}, {30, 40}})), 500, "internal_error");
  f.service->inject(FakeEnvService::Fault::kThrow);
  expect_error(f.post(step, slates({{10, 20}, {30, 40}})), 500, "internal_error");
  f.service->inject(FakeEnvService::Fault::kWrongCount);
  expect_error(f.post(step, slates({{10, 20}, {30, 40}})), 500, "internal_error");
  f.service->inject(FakeEnvService::Fault::kUnavailable);
  expect_error(f.post(step, slates({{10, 20}, {30, 40}})), 503, "service_unavailable");
  // After every fault the session is free again.
  CHECK(f.post(step, slates({{10, 20}, {30, 40}})).status == 200);

  f.service->inject(FakeEnvService::Fault::kForgetSession);
  expect_error(f.post(step, slates({{10, 20}, {30, 40}})), 404, "unknown_session");
  // The server forgot it too, which freed the slot.
  expect_error(f.post(reset), 404, "unknown_session");
  CHECK(f.post("/v1/envs", R"({"users":1})").status == 201);
  CHECK(f.server.metrics().errors_of(EnvErrorKind::kInternal) == 6);
}

TEST_CASE("64 concurrent clients each run their own session", "[envserver][http][concurrency]") {
  auto settings = test_settings();
  settings.max_sessions = 64;
  settings.threads = 2;
  Fixture f(settings, 4);
  constexpr int kClients = 64;
  constexpr int kSteps = 3;
  std::atomic<int> failures{0};
  std::atomic<int> wrong_rewards{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const int user = 1 + c % 50;
      auto fail = [&] { failures.fetch_add(1); };
      const auto created =
          f.post("/v1/envs", fmt::format(R"({{"users":[{}],"horizon":{}}})", user, kSteps));
      if (!created.ok() || created.status != 201)
        return fail();
      const std::string id = Json::parse(created.body)["env_id"];
      if (f.post("/v1/envs/" + id + "/reset").status != 200)
        return fail();
      for (int s = 0; s < kSteps; ++s) {
        const int a = 10 * (1 + (c + s) % 20);
        const int b = 10 * (1 + (c + s + 1) % 20);
        const auto r = f.post("/v1/envs/" + id + "/step", slates({{a, b}}));
        if (!r.ok() || r.status != 200)
          return fail();
        const double expected =
            FakeEnvService::rating_of(user, a) + FakeEnvService::rating_of(user, b);
        if (Json::parse(r.body)["rewards"][0] != expected)
          wrong_rewards.fetch_add(1);
      }
      if (f.call(HttpMethod::kDelete, "/v1/envs/" + id).status != 200)
        return fail();
    });
  }
  for (auto& t : clients)
    t.join();
  CHECK(failures.load() == 0);
  CHECK(wrong_rewards.load() == 0);
  const auto m = f.server.metrics();
  CHECK(m.sessions_created == kClients);
  CHECK(m.sessions_open == 0);
  CHECK(m.steps == kClients * kSteps);
  CHECK(m.user_steps == kClients * kSteps);
  CHECK(m.step_latency_count == kClients * kSteps);
  CHECK(f.service->open_sessions() == 0);
}

TEST_CASE("the server keeps serving after bad requests", "[envserver][http]") {
  Fixture f;
  const auto garbage = raw_exchange(f.server.port(), "GARBAGE\r\n\r\n");
  CHECK_THAT(garbage, Catch::StartsWith("HTTP/1.1 400"));
  const auto truncated_json = raw_exchange(f.server.port(),
                                           "POST /v1/envs HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                           "9\r\nConnection: close\r\n\r\n{\"users\":");
  CHECK_THAT(truncated_json, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(truncated_json, Catch::Contains(R"("type":"invalid_json")"));
  for (int i = 0; i < 20; ++i) {
    expect_error(f.post("/v1/envs", std::string(static_cast<std::size_t>(i), '{')), 400,
                 "invalid_json");
    expect_error(f.call(HttpMethod::kPut, "/v1/envs"), 405, "method_not_allowed");
  }
  const auto id = f.create(R"({"users":1})");
  CHECK(f.post("/v1/envs/" + id + "/reset").status == 200);
  CHECK(f.call(HttpMethod::kGet, "/healthz").status == 200);
}

TEST_CASE("/metrics and /healthz report the server's state", "[envserver][http]") {
  Fixture f;
  const auto id = f.create(R"({"users":3})");
  REQUIRE(f.post("/v1/envs/" + id + "/reset").status == 200);
  REQUIRE(f.post("/v1/envs/" + id + "/step", slates({{10, 20}, {30, 40}, {50, 60}})).status == 200);
  expect_error(f.post("/v1/envs/" + id + "/step", slates({{10, 20}})), 400, "invalid_action",
               "actions");
  const auto health = body_of(f.call(HttpMethod::kGet, "/healthz"));
  CHECK(health == Json::parse(R"({"status":"ok","sessions_open":1,"max_sessions":8})"));
  const auto metrics = f.call(HttpMethod::kGet, "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK_THAT(std::string(metrics.headers.find("content-type").value_or("")),
             Catch::StartsWith("text/plain; version=0.0.4"));
  CHECK_THAT(metrics.body, Catch::Contains("lusifer_env_sessions_open 1\n"));
  CHECK_THAT(metrics.body, Catch::Contains("lusifer_env_steps_total 1\n"));
  CHECK_THAT(metrics.body, Catch::Contains("lusifer_env_user_steps_total 3\n"));
  CHECK_THAT(metrics.body, Catch::Contains("lusifer_env_requests_total{endpoint=\"step\"} 2\n"));
  CHECK_THAT(
      metrics.body,
      Catch::Contains("lusifer_env_errors_total{status=\"400\",type=\"invalid_action\"} 1\n"));
  CHECK_THAT(metrics.body, Catch::Contains("lusifer_env_step_latency_seconds_count 1\n"));
}

TEST_CASE("answers after stop() are dropped safely", "[envserver][http]") {
  auto service = std::make_shared<FakeEnvService>(1);
  std::future<HttpResult> pending;
  {
    EnvHttpServer server(test_settings(), service);
    HttpClient client;
    auto request = [&](const std::string& path, std::string body) {
      HttpRequest r;
      r.method = HttpMethod::kPost;
      r.url = server.base_url() + path;
      r.body = std::move(body);
      return r;
    };
    const auto created = client.send_and_wait(request("/v1/envs", R"({"users":1})"));
    REQUIRE(created.status == 201);
    const std::string id = Json::parse(created.body)["env_id"];
    REQUIRE(client.send_and_wait(request("/v1/envs/" + id + "/reset", "")).status == 200);
    service->park_steps(true);
    std::promise<HttpResult> promise;
    pending = promise.get_future();
    auto shared = std::make_shared<std::promise<HttpResult>>(std::move(promise));
    client.send(request("/v1/envs/" + id + "/step", slates({{10, 20}})),
                [shared](HttpResult r) { shared->set_value(std::move(r)); });
    for (int i = 0; i < 500 && service->parked() == 0; ++i)
      std::this_thread::sleep_for(10ms);
    REQUIRE(service->parked() == 1);
    server.stop();
    service->release_parked();
    const auto r = pending.get();
    // The client saw the connection close without an answer.
    CHECK_FALSE((r.ok() && r.status == 200));
  }
}
