#include "tests/http/http_test_support.hpp"

#include <stdexcept>

namespace lusifer::testing {

HttpClient::Callback ResultCollector::callback() {
  return [this](HttpResult result) {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
    arrived_.notify_all();
  };
}

std::vector<HttpResult> ResultCollector::wait_for(std::size_t n,
                                                  std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] { return results_.size() >= n; });
  return results_;
}

std::size_t ResultCollector::count() const {
  std::lock_guard lock(mutex_);
  return results_.size();
}

HttpHandler ParkingLot::handler() {
  return [this](HttpServerRequest request, Responder responder) {
    std::lock_guard lock(mutex_);
    parked_.emplace_back(std::move(request), std::move(responder));
    arrived_.notify_all();
  };
}

std::size_t ParkingLot::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] { return parked_.size() >= n; });
  return parked_.size();
}

std::pair<HttpServerRequest, Responder> ParkingLot::take() {
  std::lock_guard lock(mutex_);
  if (parked_.empty())
    throw std::logic_error("ParkingLot::take: nothing parked");
  auto front = std::move(parked_.front());
  parked_.erase(parked_.begin());
  return front;
}

HttpResponse text_response(std::string body, int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

}  // namespace lusifer::testing
