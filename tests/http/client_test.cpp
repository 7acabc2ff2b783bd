// The client against the server on loopback: round trips, pooling, failure
// classification, the re-send rule, queue bounds and shutdown.

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/http/http_client.hpp"
#include "engine/http/http_server.hpp"
#include "tests/http/http_test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Answers with what it received, so tests can check every part arrived.
HttpHandler echo_handler() {
  return [](HttpServerRequest request, Responder responder) {
    HttpResponse r;
    r.content_type = "text/plain";
    r.headers.add("X-Echo-Method", std::string(method_name(request.method)));
    r.headers.add("X-Echo-Path", request.path);
    r.headers.add("X-Echo-Query", request.query);
    r.headers.add("X-Echo-Custom", std::string(request.headers.find("x-custom").value_or("")));
    r.headers.add("X-Connection-Id", std::to_string(request.connection_id));
    r.body = std::move(request.body);
    responder.respond(std::move(r));
  };
}

HttpRequest get(const HttpServer& server, std::string path = "/") {
  HttpRequest r;
  r.url = server.base_url() + path;
  return r;
}

}  // namespace

TEST_CASE("GET and POST round trips carry method, target, headers and body", "[client]") {
  HttpServer server({}, echo_handler());
  HttpClient client;

  auto request = get(server, "/v1/items?user=7&k=10");
  request.headers.add("X-Custom", "hello");
  const auto got = client.send_and_wait(request);
  REQUIRE(got.ok());
  CHECK(got.status == 200);
  CHECK(got.headers.find("x-echo-method") == "GET");
  CHECK(got.headers.find("X-ECHO-PATH") == "/v1/items");
  CHECK(got.headers.find("x-echo-query") == "user=7&k=10");
  CHECK(got.headers.find("x-echo-custom") == "hello");
  CHECK(got.headers.find("content-type") == "text/plain");
  CHECK(got.body.empty());
  CHECK(got.request_sent);
  CHECK(got.timings.total >= got.timings.connect);

  HttpRequest post = get(server, "/v1/chat/completions");
  post.method = HttpMethod::kPost;
  post.headers.add("Content-Type", "application/json");
  post.body.assign(100'000, 'x');
  post.body += R"({"model":"m"})";
  const auto posted = client.send_and_wait(post);
  REQUIRE(posted.ok());
  CHECK(posted.status == 200);
  CHECK(posted.headers.find("x-echo-method") == "POST");
  CHECK(posted.body == post.body);
}

TEST_CASE("HEAD answers carry the length but no body", "[client]") {
  HttpServer server({}, [](HttpServerRequest, Responder responder) {
    responder.respond(text_response("twelve bytes"));
  });
  HttpClient client;
  auto request = get(server);
  request.method = HttpMethod::kHead;
  const auto got = client.send_and_wait(request);
  REQUIRE(got.ok());
  CHECK(got.status == 200);
  CHECK(got.headers.find("content-length") == "12");
  CHECK(got.body.empty());
  // The connection is still in step: the next request on it works.
  const auto next = client.send_and_wait(get(server));
  REQUIRE(next.ok());
  CHECK(next.body == "twelve bytes");
  CHECK(next.reused_connection);
}

TEST_CASE("sequential requests reuse one keep-alive connection", "[client]") {
  HttpServer server({}, echo_handler());
  HttpClient client;
  for (int i = 0; i < 10; ++i) {
    const auto got = client.send_and_wait(get(server));
    REQUIRE(got.ok());
    CHECK(got.reused_connection == (i > 0));
    if (i > 0)
      CHECK(got.timings.connect.count() == 0);
  }
  CHECK(server.stats().connections_accepted == 1);
  CHECK(server.stats().requests == 10);
  CHECK(client.stats().connections_opened == 1);
  CHECK(client.stats().connections_reused == 9);
}

TEST_CASE("2000 concurrent requests share at most 64 connections", "[client]") {
  HttpServerOptions server_options;
  server_options.io_threads = 2;
  HttpServer server(server_options, echo_handler());
  HttpClientOptions options;
  options.io_threads = 2;
  options.max_connections_per_origin = 64;
  HttpClient client(options);

  constexpr int kRequests = 2000;
  ResultCollector results;
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest r = get(server, "/n");
    r.method = HttpMethod::kPost;
    r.body = std::to_string(i);
    client.send(std::move(r), results.callback());
  }
  const auto all = results.wait_for(kRequests);
  REQUIRE(all.size() == kRequests);
  std::set<std::string> bodies;
  std::set<std::string> connections;
  for (const auto& r : all) {
    REQUIRE(r.ok());
    CHECK(r.status == 200);
    bodies.insert(r.body);
    connections.insert(std::string(r.headers.find("x-connection-id").value_or("")));
  }
  CHECK(bodies.size() == kRequests);  // every request got its own answer
  CHECK(connections.size() <= 64);
  CHECK(server.stats().connections_accepted <= 64);
  CHECK(server.stats().requests == kRequests);
  CHECK(client.stats().open_connections <= 64);
}

TEST_CASE("a refused connection is kConnectFailed and nothing was sent", "[client]") {
  std::string url;
  {
    HttpServer server({}, echo_handler());
    url = server.base_url() + "/";
  }  // the port is free again
  HttpClient client;
  HttpRequest r;
  r.url = url;
  const auto got = client.send_and_wait(r);
  CHECK(got.error == HttpError::kConnectFailed);
  CHECK_FALSE(got.request_sent);
  CHECK_THAT(got.error_message, Catch::Contains("cannot connect"));
}

TEST_CASE("host names are resolved asynchronously", "[client]") {
  HttpServer server({}, echo_handler());
  HttpClient client;
  HttpRequest r;
  r.url = "http://localhost:" + std::to_string(server.port()) + "/resolved";
  const auto got = client.send_and_wait(r);
  REQUIRE(got.ok());
  CHECK(got.headers.find("x-echo-path") == "/resolved");
}

TEST_CASE("a hanging server times out at the request deadline", "[client]") {
  HttpServer server({}, [](HttpServerRequest, Responder responder) { responder.hang(); });
  HttpClient client;
  auto r = get(server);
  r.timeout = 300ms;
  const auto start = Clock::now();
  const auto got = client.send_and_wait(r);
  const auto elapsed = Clock::now() - start;
  CHECK(got.error == HttpError::kTimeout);
  CHECK(got.request_sent);
  CHECK(elapsed >= 290ms);
  CHECK(elapsed < 5s);  // generous: only checks the deadline was enforced at all
}

TEST_CASE("a reset connection is kConnectionReset", "[client]") {
  HttpServer server({},
                    [](HttpServerRequest, Responder responder) { responder.reset_connection(); });
  HttpClient client;
  const auto got = client.send_and_wait(get(server));
  CHECK(got.error == HttpError::kConnectionReset);
  CHECK_FALSE(got.resent);  // a fresh connection is never re-sent
  CHECK(server.stats().requests == 1);
}

TEST_CASE("a truncated body is a connection failure, not a short success", "[client]") {
  HttpServer server({}, [](HttpServerRequest, Responder responder) {
    responder.respond_truncated(text_response(std::string(1000, 'a')), 100);
  });
  HttpClient client;
  const auto got = client.send_and_wait(get(server));
  CHECK(got.error == HttpError::kConnectionReset);
  CHECK_THAT(got.error_message, Catch::Contains("before the response was complete"));
  CHECK(got.body.empty());
}

TEST_CASE("bytes that are not HTTP are kMalformedResponse", "[client]") {
  HttpServer server({}, [](HttpServerRequest, Responder responder) {
    responder.send_raw_and_close("SMTP ready\r\n\r\n");
  });
  HttpClient client;
  const auto got = client.send_and_wait(get(server));
  CHECK(got.error == HttpError::kMalformedResponse);
}

TEST_CASE("a malformed JSON body is just a body", "[client]") {
  HttpServer server({}, [](HttpServerRequest, Responder responder) {
    HttpResponse r;
    r.body = R"({"choices":[{"message":)";
    responder.respond(std::move(r));
  });
  HttpClient client;
  const auto got = client.send_and_wait(get(server));
  REQUIRE(got.ok());
  CHECK(got.body == R"({"choices":[{"message":)");
  CHECK(got.headers.find("content-type") == "application/json");
}

TEST_CASE("responses beyond the size limits are refused", "[client]") {
  HttpServer server({}, [](HttpServerRequest request, Responder responder) {
    HttpResponse r;
    if (request.path == "/big")
      r.body.assign(5000, 'b');
    if (request.path == "/big-header")
      r.headers.add("X-Big", std::string(5000, 'h'));
    responder.respond(std::move(r));
  });
  HttpClientOptions options;
  options.max_response_body_bytes = 1000;
  options.max_response_header_bytes = 2000;
  HttpClient client(options);
  auto got = client.send_and_wait(get(server, "/big"));
  CHECK(got.error == HttpError::kResponseTooLarge);
  got = client.send_and_wait(get(server, "/big-header"));
  CHECK(got.error == HttpError::kResponseTooLarge);
  got = client.send_and_wait(get(server, "/small"));
  CHECK(got.ok());
}

TEST_CASE("oversized bodies are refused whatever their framing", "[client]") {
  HttpServer server({}, [](HttpServerRequest request, Responder responder) {
    if (request.path == "/claims-huge") {
      // Announces 10 GB: must fail at the header, without reserving memory.
      responder.send_raw_and_close("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n" +
                                   std::string(100, 'x'));
    } else if (request.path == "/chunked") {
      std::string chunk(600, 'c');
      responder.send_raw_and_close("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" +
                                   chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
    } else {
      responder.send_raw_and_close("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" +
                                   std::string(1500, 'e'));
    }
  });
  HttpClientOptions options;
  options.max_response_body_bytes = 1000;
  HttpClient client(options);
  for (const char* path : {"/claims-huge", "/chunked", "/until-eof"}) {
    INFO(path);
    const auto got = client.send_and_wait(get(server, path));
    CHECK(got.error == HttpError::kResponseTooLarge);
  }
}

TEST_CASE("chunked, close-delimited and interim responses are read correctly", "[client]") {
  HttpServer server({}, [](HttpServerRequest request, Responder responder) {
    if (request.path == "/chunked") {
      responder.send_raw_and_close(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
          "world\r\n0\r\n\r\n");
    } else if (request.path == "/eof") {
      responder.send_raw_and_close("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
    } else {
      responder.send_raw_and_close(
          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    }
  });
  HttpClient client;
  auto got = client.send_and_wait(get(server, "/chunked"));
  REQUIRE(got.ok());
  CHECK(got.body == "hello world");
  got = client.send_and_wait(get(server, "/eof"));
  REQUIRE(got.ok());
  CHECK(got.body == "until the end");
  got = client.send_and_wait(get(server, "/interim"));
  REQUIRE(got.ok());
  CHECK(got.status == 201);
  CHECK(got.body == "ok");
}

TEST_CASE("a keep-alive connection the server closed while idle is not used", "[client]") {
  HttpServerOptions server_options;
  server_options.read_timeout = 150ms;  // also the server's keep-alive idle limit
  HttpServer server(server_options, echo_handler());
  HttpClient client;
  REQUIRE(client.send_and_wait(get(server)).ok());
  std::this_thread::sleep_for(500ms);
  const auto got = client.send_and_wait(get(server));
  REQUIRE(got.ok());
  CHECK(server.stats().connections_accepted == 2);
  CHECK(server.stats().requests == 2);  // nothing lost, nothing doubled
  CHECK(client.stats().stale_connections_discarded == 1);
}

TEST_CASE("a request that meets a closing keep-alive connection is re-sent once", "[client]") {
  // The server closes any connection at once on its second request, without
  // answering: to the client exactly what a server closing an idle keep-alive
  // connection at the moment the request arrives looks like.
  HttpServer server({}, [](HttpServerRequest request, Responder responder) {
    if (request.sequence_on_connection >= 2) {
      responder.close_connection();
    } else {
      responder.respond(text_response("ok " + std::to_string(request.connection_id)));
    }
  });
  HttpClientOptions options;
  options.resend_window_slack = 2s;  // robust against a loaded test machine
  HttpClient client(options);
  const auto first = client.send_and_wait(get(server));
  REQUIRE(first.ok());
  const auto second = client.send_and_wait(get(server));
  REQUIRE(second.ok());
  CHECK(second.resent);
  CHECK(second.body != first.body);  // answered on a new connection
  CHECK(client.stats().resends == 1);
  CHECK(server.stats().connections_accepted == 2);
}

TEST_CASE("a reused connection closed long after the request is not re-sent", "[client]") {
  // Here the server plainly worked on the request before closing: re-sending
  // could duplicate a (billed) generation.
  std::vector<std::thread> workers;
  std::mutex workers_mutex;
  HttpServer server({}, [&](HttpServerRequest request, Responder responder) {
    if (request.sequence_on_connection == 1) {
      responder.respond(text_response("first"));
      return;
    }
    std::lock_guard lock(workers_mutex);
    workers.emplace_back([responder] {
      std::this_thread::sleep_for(400ms);
      responder.close_connection();
    });
  });
  HttpClientOptions options;
  options.resend_window_slack = 50ms;
  HttpClient client(options);
  REQUIRE(client.send_and_wait(get(server)).ok());
  const auto got = client.send_and_wait(get(server));
  CHECK(got.error == HttpError::kConnectionReset);
  CHECK(got.reused_connection);
  CHECK_FALSE(got.resent);
  CHECK(server.stats().requests == 2);
  std::lock_guard lock(workers_mutex);
  for (auto& w : workers)
    w.join();
}

TEST_CASE("a connection closed without an answer on a fresh connection is not re-sent",
          "[client]") {
  HttpServer server({},
                    [](HttpServerRequest, Responder responder) { responder.close_connection(); });
  HttpClient client;
  const auto got = client.send_and_wait(get(server));
  CHECK(got.error == HttpError::kConnectionReset);
  CHECK_FALSE(got.resent);
  CHECK(server.stats().requests == 1);
  CHECK(client.stats().resends == 0);
}

TEST_CASE("a full origin queue refuses with kOverloaded", "[client]") {
  ParkingLot lot;
  HttpServer server({}, lot.handler());
  HttpClientOptions options;
  options.max_connections_per_origin = 1;
  options.max_queued_per_origin = 2;
  HttpClient client(options);

  ResultCollector results;
  for (int i = 0; i < 5; ++i) {
    auto r = get(server);
    r.method = HttpMethod::kPost;
    r.body = std::to_string(i);
    client.send(std::move(r), results.callback());
  }
  // One in flight, two queued: the last two are refused at once.
  const auto refused = results.wait_for(2);
  REQUIRE(refused.size() == 2);
  for (const auto& r : refused) {
    CHECK(r.error == HttpError::kOverloaded);
    CHECK_FALSE(r.request_sent);
  }
  CHECK(client.stats().queued_requests == 2);

  for (int answered = 0; answered < 3; ++answered) {
    REQUIRE(lot.wait_for(1) == 1);
    auto [request, responder] = lot.take();
    CHECK(request.body == std::to_string(answered));  // FIFO
    responder.respond(text_response("done " + request.body));
  }
  const auto all = results.wait_for(5);
  REQUIRE(all.size() == 5);
  for (std::size_t i = 2; i < 5; ++i) {
    CHECK(all[i].ok());
    CHECK(all[i].body == "done " + std::to_string(i - 2));
  }
  CHECK(server.stats().connections_accepted == 1);
}

TEST_CASE("a request whose deadline passes in the queue times out without being sent", "[client]") {
  ParkingLot lot;
  HttpServer server({}, lot.handler());
  HttpClientOptions options;
  options.max_connections_per_origin = 1;
  HttpClient client(options);
  ResultCollector results;
  client.send(get(server, "/first"), results.callback());
  REQUIRE(lot.wait_for(1) == 1);
  auto queued = get(server, "/second");
  queued.timeout = 200ms;
  client.send(std::move(queued), results.callback());
  const auto got = results.wait_for(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].error == HttpError::kTimeout);
  CHECK_FALSE(got[0].request_sent);
  CHECK(got[0].timings.queue_wait >= 190ms);
  lot.take().second.respond(text_response("first"));
  const auto both = results.wait_for(2);
  REQUIRE(both.size() == 2);
  CHECK(both[1].ok());
  CHECK(both[1].body == "first");
}

TEST_CASE("stop() cancels queued and in-flight requests", "[client]") {
  ParkingLot lot;
  HttpServer server({}, lot.handler());
  HttpClientOptions options;
  options.max_connections_per_origin = 2;
  auto client = std::make_unique<HttpClient>(options);
  ResultCollector results;
  for (int i = 0; i < 4; ++i)
    client->send(get(server), results.callback());
  REQUIRE(lot.wait_for(2) == 2);  // two in flight, two queued
  client->stop();
  const auto all = results.wait_for(4, 1s);  // stop() returned: all callbacks have run
  REQUIRE(all.size() == 4);
  for (const auto& r : all)
    CHECK(r.error == HttpError::kCancelled);

  // After stop, send answers at once on the calling thread.
  bool called = false;
  client->send(get(server), [&](HttpResult r) {
    called = true;
    CHECK(r.error == HttpError::kCancelled);
  });
  CHECK(called);
  client.reset();
}

TEST_CASE("invalid requests are refused before anything is sent", "[client]") {
  HttpClient client;
  HttpRequest r;
  r.url = "not a url";
  auto got = client.send_and_wait(r);
  CHECK(got.error == HttpError::kInvalidRequest);
  CHECK_FALSE(got.request_sent);

  r.url = "http://127.0.0.1:1/";
  r.headers.add("X-Evil", "a\r\nInjected: 1");
  got = client.send_and_wait(r);
  CHECK(got.error == HttpError::kInvalidRequest);

  HttpRequest length;
  length.url = "http://127.0.0.1:1/";
  length.headers.add("Content-Length", "5");
  got = client.send_and_wait(length);
  CHECK(got.error == HttpError::kInvalidRequest);
}

TEST_CASE("each request goes to its own URL when URLs alternate, bad ones among them", "[client]") {
  // The client keeps the last URL it parsed; a change of URL, or a bad URL
  // between two good ones, must not send a request to the kept one.
  HttpServer first({}, echo_handler());
  HttpServer second({}, echo_handler());
  HttpClient client;
  for (int round = 0; round < 3; ++round) {
    const auto a = client.send_and_wait(get(first, "/a"));
    REQUIRE(a.ok());
    CHECK(a.headers.find("x-echo-path") == "/a");
    const auto b = client.send_and_wait(get(second, "/b"));
    REQUIRE(b.ok());
    CHECK(b.headers.find("x-echo-path") == "/b");
    HttpRequest bad;
    bad.url = "http://";
    const auto refused = client.send_and_wait(bad);
    CHECK(refused.error == HttpError::kInvalidRequest);
    const auto again = client.send_and_wait(get(second, "/c"));
    REQUIRE(again.ok());
    CHECK(again.headers.find("x-echo-path") == "/c");
  }
  const auto stats = client.stats();
  CHECK(stats.connections_opened == 2);
}

TEST_CASE("callbacks may send again, and stop() from a callback is refused", "[client]") {
  HttpServer server({}, echo_handler());
  HttpClient client;
  ResultCollector results;
  std::atomic<bool> stop_refused{false};
  std::atomic<bool> first_ok{false};
  client.send(get(server, "/a"), [&](HttpResult first) {
    first_ok = first.ok();
    try {
      client.stop();
    } catch (const std::logic_error&) {
      stop_refused = true;
    }
    client.send(get(server, "/b"), results.callback());
  });
  const auto got = results.wait_for(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].ok());
  CHECK(got[0].headers.find("x-echo-path") == "/b");
  CHECK(first_ok);
  CHECK(stop_refused);
}

TEST_CASE("error names are stable", "[client]") {
  CHECK(http_error_name(HttpError::kTimeout) == "timeout");
  CHECK(http_error_name(HttpError::kConnectionReset) == "connection_reset");
  CHECK(http_error_name(HttpError::kOverloaded) == "overloaded");
}
