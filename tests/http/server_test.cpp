// The server's limits, authentication, asynchronous responders and faults,
// seen through the client and through raw sockets.

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "engine/http/http_client.hpp"
#include "engine/http/http_server.hpp"
#include "tests/http/http_test_support.hpp"
#include "tests/http/raw_connection.hpp"

using namespace lusifer;
using namespace lusifer::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

HttpHandler ok_handler() {
  return [](HttpServerRequest request, Responder responder) {
    responder.respond(text_response("ok " + request.path));
  };
}

HttpRequest get(const HttpServer& server, std::string path = "/") {
  HttpRequest r;
  r.url = server.base_url() + path;
  return r;
}

// Waits until the server has no open connection (or a few seconds passed).
bool drains(const HttpServer& server) {
  for (int i = 0; i < 500; ++i) {
    if (server.stats().active_connections == 0)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE("the server binds to loopback on a free port by default", "[server]") {
  HttpServer server({}, ok_handler());
  CHECK(server.port() != 0);
  CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("a body over the limit gets 413 with a JSON error", "[server]") {
  HttpServerOptions options;
  options.max_request_body_bytes = 1024 * 1024;
  HttpServer server(options, ok_handler());
  HttpClient client;
  auto r = get(server, "/v1/chat/completions");
  r.method = HttpMethod::kPost;
  r.body.assign(1536 * 1024, 'x');
  const auto got = client.send_and_wait(r);
  REQUIRE(got.ok());
  CHECK(got.status == 413);
  CHECK(got.headers.find("content-type") == "application/json");
  CHECK_THAT(got.body, Catch::StartsWith(R"({"error":{"message":"the request body exceeds)"));
  CHECK_THAT(got.body, Catch::EndsWith(R"(,"type":"request_too_large"}})"));
  CHECK(server.stats().requests == 0);

  // A body at the limit is fine.
  r.body.assign(1024 * 1024, 'x');
  const auto fits = client.send_and_wait(r);
  REQUIRE(fits.ok());
  CHECK(fits.status == 200);
}

TEST_CASE("a chunked body over the limit gets 413 too", "[server]") {
  HttpServerOptions options;
  options.max_request_body_bytes = 100;
  HttpServer server(options, ok_handler());
  RawConnection raw(server.port());
  REQUIRE(
      raw.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "c8\r\n" +
               std::string(200, 'y') + "\r\n0\r\n\r\n"));
  bool closed = false;
  const auto reply = raw.read_until_close(5s, &closed);
  CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 413"));
  CHECK_THAT(reply, Catch::Contains("request_too_large"));
  CHECK(closed);
}

TEST_CASE("with a token, requests need the bearer header except on exempt paths", "[server]") {
  HttpServerOptions options;
  options.bearer_token = "tok-0123456789abcdef";
  options.auth_exempt_paths = {"/healthz"};
  HttpServer server(options, ok_handler());
  HttpClient client;

  auto missing = client.send_and_wait(get(server, "/v1/step"));
  REQUIRE(missing.ok());
  CHECK(missing.status == 401);
  CHECK(missing.headers.find("www-authenticate") == "Bearer");
  CHECK_THAT(missing.body, Catch::Contains(R"("type":"authentication_error")"));

  auto wrong = get(server, "/v1/step");
  wrong.headers.add("Authorization", "Bearer tok-0123456789abcdeF");
  CHECK(client.send_and_wait(wrong).status == 401);

  auto right = get(server, "/v1/step");
  right.headers.add("Authorization", "Bearer tok-0123456789abcdef");
  const auto ok = client.send_and_wait(right);
  CHECK(ok.status == 200);
  CHECK(ok.body == "ok /v1/step");

  CHECK(client.send_and_wait(get(server, "/healthz")).status == 200);
  CHECK(client.send_and_wait(get(server, "/healthz?x=1")).status == 200);
  CHECK(client.send_and_wait(get(server, "/healthz/more")).status == 401);
  CHECK(server.stats().requests == 3);  // refused requests never reach the handler
}

TEST_CASE("a 401 before an unread body still reaches the client", "[server]") {
  HttpServerOptions options;
  options.bearer_token = "tok-0123456789abcdef";
  HttpServer server(options, ok_handler());
  HttpClient client;
  auto r = get(server, "/upload");
  r.method = HttpMethod::kPost;
  r.body.assign(512 * 1024, 'z');
  const auto got = client.send_and_wait(r);
  REQUIRE(got.ok());
  CHECK(got.status == 401);
}

TEST_CASE("binding beyond loopback requires a token", "[server]") {
  HttpServerOptions open;
  open.bind_address = "0.0.0.0";
  CHECK_THROWS_AS(HttpServer(open, ok_handler()), std::invalid_argument);
  CHECK_THROWS_WITH(HttpServer(open, ok_handler()), Catch::Contains("requires a bearer token"));

  HttpServerOptions guarded = open;
  guarded.bearer_token = "tok-0123456789abcdef";
  HttpServer server(guarded, ok_handler());
  CHECK(server.port() != 0);

  HttpServerOptions nonsense;
  nonsense.bind_address = "my-host";
  CHECK_THROWS_AS(HttpServer(nonsense, ok_handler()), std::invalid_argument);
}

TEST_CASE("a port in use is a runtime error", "[server]") {
  HttpServer first({}, ok_handler());
  HttpServerOptions same;
  same.port = first.port();
  CHECK_THROWS_AS(HttpServer(same, ok_handler()), std::runtime_error);
}

TEST_CASE("a responder can answer later from another thread", "[server]") {
  std::vector<std::thread> workers;
  std::mutex workers_mutex;
  HttpServer server({}, [&](HttpServerRequest request, Responder responder) {
    std::lock_guard lock(workers_mutex);
    workers.emplace_back([request = std::move(request), responder] {
      std::this_thread::sleep_for(50ms);
      responder.respond(text_response("late " + request.body));
    });
  });
  HttpClient client;
  auto r = get(server);
  r.method = HttpMethod::kPost;
  r.body = "answer";
  const auto got = client.send_and_wait(r);
  REQUIRE(got.ok());
  CHECK(got.body == "late answer");
  // The same connection carries the next request.
  const auto again = client.send_and_wait(r);
  CHECK(again.body == "late answer");
  CHECK(server.stats().connections_accepted == 1);
  std::lock_guard lock(workers_mutex);
  for (auto& w : workers)
    w.join();
}

TEST_CASE("connections are dealt to the I/O threads in turn, each kept on one", "[server]") {
  HttpServerOptions options;
  options.io_threads = 2;
  std::mutex mutex;
  std::map<std::uint64_t, std::set<std::thread::id>> threads_by_connection;
  HttpServer server(options, [&](HttpServerRequest request, Responder responder) {
    {
      std::lock_guard lock(mutex);
      threads_by_connection[request.connection_id].insert(std::this_thread::get_id());
    }
    responder.respond(text_response("ok"));
  });
  // A client per connection, three requests on each.
  for (int c = 0; c < 4; ++c) {
    HttpClient client;
    for (int i = 0; i < 3; ++i)
      REQUIRE(client.send_and_wait(get(server)).ok());
  }
  std::lock_guard lock(mutex);
  REQUIRE(threads_by_connection.size() == 4);
  std::set<std::thread::id> all;
  for (const auto& [connection, threads] : threads_by_connection) {
    CHECK(threads.size() == 1);  // a connection never moves
    all.insert(threads.begin(), threads.end());
  }
  CHECK(all.size() == 2);  // and both threads serve
}

TEST_CASE("respond_after delays the answer without holding a thread", "[server]") {
  HttpServerOptions options;
  options.io_threads = 1;
  HttpServer server(options, [](HttpServerRequest request, Responder responder) {
    const auto delay = std::chrono::milliseconds(std::stoi(request.query));
    responder.respond_after(delay, text_response("after " + request.query));
  });
  HttpClientOptions client_options;
  client_options.max_connections_per_origin = 8;
  HttpClient client(client_options);
  // Eight 300 ms answers on one server thread arrive together, not in turn.
  ResultCollector results;
  const auto start = Clock::now();
  for (int i = 0; i < 8; ++i)
    client.send(get(server, "/?300"), results.callback());
  const auto all = results.wait_for(8);
  const auto elapsed = Clock::now() - start;
  REQUIRE(all.size() == 8);
  for (const auto& r : all) {
    REQUIRE(r.ok());
    CHECK(r.body == "after 300");
    CHECK(r.timings.total >= 290ms);
  }
  CHECK(elapsed < 8 * 300ms);
}

TEST_CASE("a responder completes once; late or dead-connection answers are harmless", "[server]") {
  ParkingLot lot;
  HttpServer server({}, lot.handler());
  HttpClient client;
  auto r = get(server);
  r.timeout = 200ms;
  CHECK(client.send_and_wait(r).error == HttpError::kTimeout);  // the client closed
  REQUIRE(lot.wait_for(1) == 1);
  auto [request, responder] = lot.take();
  const Responder copy = responder;
  CHECK_FALSE(copy.completed());
  // The server has not noticed the client left (it does not read while a
  // handler works); the answer is accepted and its write finds the socket dead.
  CHECK(copy.respond(text_response("too late")));
  CHECK(responder.completed());
  CHECK(drains(server));
  CHECK_FALSE(responder.respond(text_response("twice")));
  CHECK_FALSE(responder.reset_connection());

  // The server still serves.
  auto next = get(server);
  next.timeout = 5s;
  ResultCollector results;
  client.send(next, results.callback());
  REQUIRE(lot.wait_for(1) == 1);
  CHECK(lot.take().second.respond(text_response("fine")));
  const auto got = results.wait_for(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "fine");
}

TEST_CASE("a responder outliving the server is harmless", "[server]") {
  ParkingLot lot;
  auto server = std::make_unique<HttpServer>(HttpServerOptions{}, lot.handler());
  HttpClient client;
  ResultCollector results;
  client.send(get(*server), results.callback());
  REQUIRE(lot.wait_for(1) == 1);
  server.reset();
  const auto got = results.wait_for(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].error == HttpError::kConnectionReset);
  CHECK_FALSE(lot.take().second.respond(text_response("nobody listens")));
}

TEST_CASE("a dropped responder answers 500, a throwing handler too", "[server]") {
  HttpServer server({}, [](HttpServerRequest request, Responder) {
    if (request.path == "/throw")
      throw std::runtime_error("boom");
    // Otherwise the responder is dropped unanswered.
  });
  HttpClient client;
  auto dropped = client.send_and_wait(get(server, "/drop"));
  REQUIRE(dropped.ok());
  CHECK(dropped.status == 500);
  CHECK_THAT(dropped.body, Catch::Contains("dropped"));
  auto thrown = client.send_and_wait(get(server, "/throw"));
  REQUIRE(thrown.ok());
  CHECK(thrown.status == 500);
}

TEST_CASE("an unanswered request gets 503 after response_timeout", "[server]") {
  ParkingLot lot;
  HttpServerOptions options;
  options.response_timeout = 200ms;
  HttpServer server(options, lot.handler());
  HttpClient client;
  const auto got = client.send_and_wait(get(server));
  REQUIRE(got.ok());
  CHECK(got.status == 503);
  CHECK_THAT(got.body, Catch::Contains("response_timeout"));
  REQUIRE(lot.wait_for(1) == 1);
  CHECK_FALSE(lot.take().second.respond(text_response("late")));
}

TEST_CASE("an invalid response from the handler becomes a 500", "[server]") {
  HttpServer server({}, [](HttpServerRequest request, Responder responder) {
    HttpResponse r;
    if (request.path == "/status")
      r.status = 42;
    if (request.path == "/header")
      r.headers.add("X-Bad", "a\r\nInjected: 1");
    if (request.path == "/length")
      r.headers.add("Content-Length", "3");
    responder.respond(std::move(r));
  });
  HttpClient client;
  for (const char* path : {"/status", "/header", "/length"}) {
    INFO(path);
    const auto got = client.send_and_wait(get(server, path));
    REQUIRE(got.ok());
    CHECK(got.status == 500);
    CHECK_FALSE(got.headers.contains("x-bad"));
  }
}

TEST_CASE("malformed HTTP gets 400 and the connection is closed", "[server]") {
  HttpServer server({}, ok_handler());
  RawConnection raw(server.port());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost x\r\n\r\n"));
  bool closed = false;
  const auto reply = raw.read_until_close(5s, &closed);
  CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(reply, Catch::Contains(R"("type":"invalid_request")"));
  CHECK(closed);
  CHECK(server.stats().requests == 0);
}

TEST_CASE("oversized headers get 431", "[server]") {
  HttpServerOptions options;
  options.max_request_header_bytes = 1024;
  HttpServer server(options, ok_handler());
  RawConnection raw(server.port());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n"));
  const auto reply = raw.read_until_close(5s);
  CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 431"));
}

TEST_CASE("unknown methods get 501", "[server]") {
  HttpServer server({}, ok_handler());
  RawConnection raw(server.port());
  REQUIRE(raw.send("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto reply = raw.read_until("}}", 5s);
  CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 501"));
  CHECK(server.stats().requests == 0);
}

TEST_CASE("Expect: 100-continue is honoured", "[server]") {
  HttpServer server({}, [](HttpServerRequest request, Responder responder) {
    responder.respond(text_response("got " + request.body));
  });
  RawConnection raw(server.port());
  REQUIRE(
      raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  CHECK_THAT(raw.read_until("\r\n\r\n", 5s), Catch::StartsWith("HTTP/1.1 100 Continue"));
  REQUIRE(raw.send("hello"));
  CHECK_THAT(raw.read_until("got hello", 5s), Catch::Contains("got hello"));
}

TEST_CASE("a slow client is cut off after read_timeout", "[server]") {
  HttpServerOptions options;
  options.read_timeout = 200ms;
  HttpServer server(options, ok_handler());
  RawConnection raw(server.port());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n"));  // and never the rest
  bool closed = false;
  const auto reply = raw.read_until_close(5s, &closed);
  CHECK(closed);
  CHECK(reply.empty());
  CHECK(drains(server));
}

TEST_CASE("connections beyond max_connections get 503 and are closed", "[server]") {
  HttpServerOptions options;
  options.max_connections = 2;
  HttpServer server(options, ok_handler());
  RawConnection a(server.port());
  RawConnection b(server.port());
  // Both are open once the server answers on them.
  REQUIRE(a.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(b.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_THAT(a.read_until("ok /a", 5s), Catch::Contains("ok /a"));
  CHECK_THAT(b.read_until("ok /b", 5s), Catch::Contains("ok /b"));
  RawConnection c(server.port());
  bool closed = false;
  const auto reply = c.read_until_close(5s, &closed);
  CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 503"));
  CHECK_THAT(reply, Catch::Contains("server_overloaded"));
  CHECK(closed);
  CHECK(server.stats().connections_refused == 1);
  CHECK(server.stats().active_connections == 2);
}

TEST_CASE("a hang is bounded by max_hang and by the client leaving", "[server]") {
  HttpServerOptions options;
  options.max_hang = 300ms;
  HttpServer server(options, [](HttpServerRequest, Responder responder) { responder.hang(); });
  {
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    bool closed = false;
    const auto reply = raw.read_until_close(5s, &closed);
    CHECK(closed);  // by the server, after max_hang
    CHECK(reply.empty());
  }
  CHECK(drains(server));

  HttpServerOptions long_hang;
  long_hang.max_hang = 60s;
  HttpServer patient(long_hang, [](HttpServerRequest, Responder responder) { responder.hang(); });
  HttpClient client;
  auto r = get(patient);
  r.timeout = 200ms;
  CHECK(client.send_and_wait(r).error == HttpError::kTimeout);
  CHECK(drains(patient));  // the client's close ended the hang long before max_hang
}

TEST_CASE("a reset fault reaches a raw client as a reset", "[server]") {
  HttpServer server({},
                    [](HttpServerRequest, Responder responder) { responder.reset_connection(); });
  RawConnection raw(server.port());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  CHECK(raw.read_until_close(5s, &closed).empty());
  CHECK(closed);
}

TEST_CASE("a truncated answer announces more than it sends", "[server]") {
  HttpServer server({}, [](HttpServerRequest, Responder responder) {
    responder.respond_truncated(text_response("0123456789"), 4);
  });
  RawConnection raw(server.port());
  REQUIRE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  const auto reply = raw.read_until_close(5s, &closed);
  CHECK(closed);
  CHECK_THAT(reply, Catch::Contains("Content-Length: 10\r\n"));
  CHECK_THAT(reply, Catch::EndsWith("\r\n\r\n0123"));
}

TEST_CASE("Connection: close from the client is respected", "[server]") {
  HttpServer server({}, ok_handler());
  RawConnection raw(server.port());
  REQUIRE(raw.send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const auto reply = raw.read_until_close(5s, &closed);
  CHECK(closed);
  CHECK_THAT(reply, Catch::Contains("Connection: close"));
  CHECK_THAT(reply, Catch::EndsWith("ok /x"));
}

TEST_CASE("stop() lets an in-flight request finish within the grace period", "[server]") {
  std::thread worker;
  HttpServer server({}, [&](HttpServerRequest, Responder responder) {
    worker = std::thread([responder] {
      std::this_thread::sleep_for(200ms);
      responder.respond(text_response("finished"));
    });
  });
  HttpClient client;
  ResultCollector results;
  client.send(get(server), results.callback());
  while (server.stats().requests == 0)
    std::this_thread::sleep_for(5ms);
  server.stop(5s);
  const auto got = results.wait_for(1);
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].ok());
  CHECK(got[0].body == "finished");
  CHECK(got[0].headers.find("connection") == "close");
  worker.join();
  CHECK(client.send_and_wait(get(server)).error == HttpError::kConnectFailed);
}
