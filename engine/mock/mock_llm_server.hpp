#pragma once

// A mock OpenAI-compatible LLM server, faithful to the wire format, for
// testing and benchmarking lusifer's LLM gateway where no real LLM is
// reachable (docs/mock-llm.md).
//
// Endpoints:
//   POST /v1/chat/completions, /chat/completions,
//        /openai/deployments/<deployment>/chat/completions?api-version=...  (Azure)
//   GET  /v1/models, /models, /v1/models/<id>    OpenAI's list and model objects
//   GET  /healthz, /health                       {"status":"ok"} (no token needed)
//   GET  /metrics                                Prometheus text (mock_counters.hpp)
//   GET  /counters                               the same figures as JSON
// Anything else is a 404 with an OpenAI error body ("Invalid URL (GET /x)");
// a known path with the wrong method is a 405.
//
// A chat request goes through, in order: the bearer-token check (401
// invalid_api_key, or "You didn't provide an API key" without one), the
// Azure api-version check (404), validation (chat_request_reader.hpp: 400
// with OpenAI's messages), the model check when unknown models are refused
// (404 model_not_found), the context window (400 context_length_exceeded),
// the RPM/TPM limits (429, rate_limits.hpp), the fault draw (fault_plan.hpp),
// and then the answer: content (answer_content.hpp) cut at the stop
// sequences and at max tokens (finish_reason "length"), usage with prompt
// tokens (token_count.hpp) and cached tokens (prefix_cache.hpp, OpenAI
// personality), the headers content-type, x-request-id,
// openai-processing-ms and x-ratelimit-*, all sent after the simulated
// latency (latency_model.hpp) by the event loop's timers, so a thousand
// waiting answers cost no thread.
//
// Determinism: the n-th chat request to arrive (counting from 0) draws its
// fault and latency from Rng(derive_seed(seed, n)); its content depends on
// the seed and the request body only. So a seed and an arrival order give
// the same faults, latencies and answers.
//
// Lifecycle: the constructor checks the options (std::invalid_argument);
// start() binds and serves (std::invalid_argument for an unsafe bind, as
// HttpServer; std::runtime_error when the address cannot be bound;
// std::logic_error while running); stop() carries out pending delayed faults,
// lets in-flight answers finish for up to half a second and closes
// everything (also run by the destructor). A server stopped and started
// again keeps its counters, limits and arrival count; its delayed faults then
// strike at once. Thread-safety: every member function may be called from
// any thread; the counters stay readable after stop().

#include <cstdint>
#include <memory>
#include <string>

#include "engine/mock/mock_counters.hpp"
#include "engine/mock/mock_options.hpp"

namespace lusifer::mock {

class MockLlmServer {
 public:
  explicit MockLlmServer(MockLlmOptions options);
  ~MockLlmServer();
  MockLlmServer(const MockLlmServer&) = delete;
  MockLlmServer& operator=(const MockLlmServer&) = delete;

  // Binds and starts serving; returns the bound port.
  std::uint16_t start();
  void stop();
  bool running() const;

  // 0 before start().
  std::uint16_t port() const;
  // "http://127.0.0.1:8000" and "http://127.0.0.1:8000/v1" (for clients'
  // base URLs); empty before start().
  std::string base_url() const;
  std::string api_base_url() const;

  MockCounters counters() const;
  std::string metrics_text() const;

  const MockLlmOptions& options() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer::mock
