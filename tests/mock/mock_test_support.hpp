#pragma once

// What the mock server's loopback tests share: a started server with a
// client, bodies built by the client's own request builder, and a clock the
// test moves by hand.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/http/http_client.hpp"
#include "engine/llm/backend_profile.hpp"
#include "engine/llm/chat_request.hpp"
#include "engine/mock/mock_llm_server.hpp"

namespace lusifer::testing {

// A steady clock that only moves when told to.
class FakeClock {
 public:
  std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns_->load()));
  }
  void advance(std::chrono::nanoseconds d) { ns_->fetch_add(d.count()); }
  std::function<std::chrono::steady_clock::time_point()> function() const {
    return [ns = ns_] {
      return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns->load()));
    };
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> ns_ =
      std::make_shared<std::atomic<std::int64_t>>(1'000'000'000);
};

// A started mock server and a client for it.
class MockHarness {
 public:
  explicit MockHarness(mock::MockLlmOptions options, HttpClientOptions client_options = {})
      : server_(std::move(options)), client_(client_options) {
    server_.start();
  }

  mock::MockLlmServer& server() { return server_; }
  HttpClient& client() { return client_; }

  HttpRequest request(std::string path, std::string body = {},
                      HttpMethod method = HttpMethod::kPost) const {
    HttpRequest r;
    r.method = method;
    r.url = server_.base_url() + path;
    r.body = std::move(body);
    if (!r.body.empty())
      r.headers.add("Content-Type", "application/json");
    r.timeout = std::chrono::seconds(30);
    return r;
  }

  HttpResult post(std::string body, std::string path = "/v1/chat/completions") {
    return client_.send_and_wait(request(std::move(path), std::move(body)));
  }

  HttpResult get(std::string path) {
    return client_.send_and_wait(request(std::move(path), {}, HttpMethod::kGet));
  }

 private:
  mock::MockLlmServer server_;
  HttpClient client_;
};

// Collects asynchronous results.
class Results {
 public:
  HttpClient::Callback callback() {
    return [this](HttpResult r) {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(r));
      arrived_.notify_all();
    };
  }
  std::vector<HttpResult> wait_for(std::size_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return results_.size() >= n; });
    return results_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<HttpResult> results_;
};

inline llm::BackendProfile openai_profile() {
  return llm::default_backend_profile(llm::BackendKind::kOpenAI);
}

// A simple chat request: a system and a user message.
inline llm::ChatRequest simple_request(std::string user_text = "Say something kind.") {
  llm::ChatRequest r;
  r.model = "gpt-4o-mini";
  r.messages = {{llm::MessageRole::kSystem, "You are a helpful assistant."},
                {llm::MessageRole::kUser, std::move(user_text)}};
  return r;
}

inline std::string body_of(const llm::ChatRequest& request,
                           const llm::BackendProfile& profile = openai_profile()) {
  return llm::chat_request_body(request, profile);
}

}  // namespace lusifer::testing
