#pragma once

// Helpers for the loopback tests: collecting asynchronous results, and
// holding on to Responders so a test decides when (and how) requests end.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "engine/http/http_client.hpp"
#include "engine/http/http_server.hpp"

namespace lusifer::testing {

// Collects the results of asynchronous sends, in arrival order.
class ResultCollector {
 public:
  HttpClient::Callback callback();
  // Waits until `n` results have arrived (or `timeout`); returns all so far.
  std::vector<HttpResult> wait_for(std::size_t n,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::size_t count() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<HttpResult> results_;
};

// A handler that parks every Responder (with its request) for the test.
class ParkingLot {
 public:
  HttpHandler handler();
  // Waits until `n` requests are parked (or `timeout`); returns the number.
  std::size_t wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Removes and returns the oldest parked request.
  std::pair<HttpServerRequest, Responder> take();

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::pair<HttpServerRequest, Responder>> parked_;
};

// A 200 response with `body` as text/plain.
HttpResponse text_response(std::string body, int status = 200);

}  // namespace lusifer::testing
