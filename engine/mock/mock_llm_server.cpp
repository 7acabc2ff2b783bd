#include "engine/mock/mock_llm_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/core/json_writer.hpp"
#include "engine/core/random.hpp"
#include "engine/http/bearer_token.hpp"
#include "engine/http/http_server.hpp"
#include "engine/http/network_address.hpp"
#include "engine/mock/answer_content.hpp"
#include "engine/mock/chat_request_reader.hpp"
#include "engine/mock/completion_writer.hpp"
#include "engine/mock/delayed_faults.hpp"
#include "engine/mock/prompt_accounting.hpp"
#include "engine/mock/token_count.hpp"

namespace lusifer::mock {
namespace {

using std::chrono::nanoseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::string_view kOrganization = "org-mock";
constexpr std::string_view kRateLimitDocs =
    "Visit https://platform.openai.com/account/rate-limits to learn more.";
// Streams of label values for derive_seed, so that ids and draws never share
// a stream.
constexpr std::uint64_t kRequestIdStream = 0x7265712d6964ULL;
constexpr std::uint64_t kCompletionIdStream = 0x636d706c2d6964ULL;

// What one I/O thread keeps between requests, so the hot path does not
// allocate once the buffers have grown.
struct ThreadScratch {
  ChatRequestReader reader;
  std::vector<std::string> contents;
  std::vector<ChoiceText> choices;
  std::vector<std::uint64_t> prefixes;
};

ThreadScratch& scratch() {
  thread_local ThreadScratch s;
  return s;
}

bool has_query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name && eq != std::string_view::npos && eq + 1 < pair.size())
      return true;
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

// The deployment of an Azure chat path, or nullopt for other paths.
std::optional<std::string_view> azure_deployment(std::string_view path) {
  constexpr std::string_view kPrefix = "/openai/deployments/";
  constexpr std::string_view kSuffix = "/chat/completions";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) ||
      path.size() <= kPrefix.size() + kSuffix.size())
    return std::nullopt;
  const auto deployment =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (deployment.find('/') != std::string_view::npos)
    return std::nullopt;
  return deployment;
}

// Cuts `content` before the first of the stop sequences found in it.
void apply_stop(std::string& content, const std::vector<std::string_view>& stop) {
  std::size_t cut = std::string::npos;
  for (const auto s : stop)
    cut = std::min(cut, content.find(s));
  if (cut != std::string::npos)
    content.resize(cut);
}

}  // namespace

class MockLlmServer::Impl {
 public:
  explicit Impl(MockLlmOptions options)
      : options_(validated(std::move(options))),
        faults_(fault_rates(options_)),
        limiter_(options_.limits, now()),
        cache_(options_.prefix_cache),
        content_(options_.answerer, options_.seed),
        fingerprint_(system_fingerprint(derive_seed(options_.seed, 0x66696e676572ULL))) {
    if (!options_.bearer_token.empty())
      token_.emplace(options_.bearer_token);
  }

  ~Impl() { stop(); }

  std::uint16_t start() {
    std::lock_guard lock(lifecycle_);
    if (server_)
      throw std::logic_error("the mock LLM server is already started");
    HttpServerOptions http;
    http.bind_address = options_.bind_address;
    http.port = options_.port;
    http.io_threads = options_.io_threads;
    http.max_request_body_bytes = options_.max_request_body_bytes;
    http.max_connections = options_.max_connections;
    http.max_hang = options_.max_hang;
    // Answers wait for at most the latency cap; the HTTP server's own
    // timeout must not cut them first.
    http.response_timeout =
        std::max(http.response_timeout,
                 std::chrono::duration_cast<std::chrono::milliseconds>(options_.latency.cap) +
                     std::chrono::seconds(30));
    if (!is_loopback_address(options_.bind_address)) {
      // Off loopback the HTTP server insists on checking the token itself.
      http.bearer_token = options_.bearer_token;
      http.auth_exempt_paths = {"/healthz", "/health"};
    }
    server_ = std::make_unique<HttpServer>(std::move(http),
                                           [this](HttpServerRequest request, Responder responder) {
                                             handle(std::move(request), std::move(responder));
                                           });
    live_server_.store(server_.get());
    return server_->port();
  }

  void stop() {
    std::lock_guard lock(lifecycle_);
    if (server_) {
      // Pending faults strike now, so their connections do not hold up the stop.
      delayed_.stop();
      server_->stop(std::chrono::milliseconds(500));
      live_server_.store(nullptr);
      stopped_stats_ = server_->stats();
      server_.reset();
    }
  }

  bool running() const {
    std::lock_guard lock(lifecycle_);
    return server_ != nullptr;
  }

  std::uint16_t port() const {
    std::lock_guard lock(lifecycle_);
    return server_ ? server_->port() : 0;
  }

  std::string base_url() const {
    std::lock_guard lock(lifecycle_);
    return server_ ? server_->base_url() : std::string();
  }

  MockCounters counters() const {
    MockCounters c = counters_.snapshot();
    std::lock_guard lock(lifecycle_);
    const HttpServerStats stats = server_ ? server_->stats() : stopped_stats_;
    c.connections_accepted = stats.connections_accepted;
    c.active_connections = stats.active_connections;
    return c;
  }

  const MockLlmOptions& options() const noexcept { return options_; }

 private:
  // counters() for handlers (see live_server_).
  MockCounters live_counters() const {
    MockCounters c = counters_.snapshot();
    if (const HttpServer* server = live_server_.load()) {
      const HttpServerStats stats = server->stats();
      c.connections_accepted = stats.connections_accepted;
      c.active_connections = stats.active_connections;
    }
    return c;
  }

  static MockLlmOptions validated(MockLlmOptions options) {
    if (auto problem = check_mock_options(options))
      throw std::invalid_argument("mock LLM server: " + *problem);
    return options;
  }

  static FaultRates fault_rates(const MockLlmOptions& options) {
    FaultRates rates = options.faults;
    rates.all_includes_model_loading |= options.personality == Personality::kLlamaCpp;
    return rates;
  }

  SteadyTime now() const {
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
  }

  // --- answering ------------------------------------------------------------

  void send(const Responder& responder, HttpResponse response,
            std::optional<nanoseconds> delay = std::nullopt) {
    counters_.response(response.body.size());
    if (delay) {
      counters_.latency(*delay);
      if (delay->count() > 0) {
        responder.respond_after(std::chrono::ceil<std::chrono::milliseconds>(*delay),
                                std::move(response));
        return;
      }
    }
    responder.respond(std::move(response));
  }

  HttpResponse error_response(const ApiError& error, std::string_view request_id) const {
    HttpResponse response;
    response.status = error.status;
    response.body = error_body(error, options_.personality);
    response.headers.add("x-request-id", std::string(request_id));
    return response;
  }

  void add_limit_headers(HttpHeaders& headers, const RateDecision& decision) const {
    if (decision.requests)
      add_rate_limit_headers(headers, "requests", *decision.requests);
    if (decision.tokens)
      add_rate_limit_headers(headers, "tokens", *decision.tokens);
  }

  void refuse_by_limit(const Responder& responder, const RateDecision& decision,
                       std::string_view model, std::string_view request_id) {
    ApiError error;
    error.status = 429;
    error.code = "rate_limit_exceeded";
    LimitHit hit = LimitHit::kRequests;
    switch (decision.verdict) {
      case RateVerdict::kRequestsExceeded:
        error.type = "requests";
        error.message = fmt::format(
            "Rate limit reached for {} in organization {} on requests per min (RPM): Limit {}, "
            "Used {}, Requested {}. Please try again in {}. {}",
            model, kOrganization, decision.requests->limit, decision.used, decision.requested,
            format_go_duration(decision.retry_after), kRateLimitDocs);
        break;
      case RateVerdict::kTokensExceeded:
        hit = LimitHit::kTokens;
        error.type = "tokens";
        error.message = fmt::format(
            "Rate limit reached for {} in organization {} on tokens per min (TPM): Limit {}, "
            "Used {}, Requested {}. Please try again in {}. {}",
            model, kOrganization, decision.tokens->limit, decision.used, decision.requested,
            format_go_duration(decision.retry_after), kRateLimitDocs);
        break;
      case RateVerdict::kTooLarge:
        hit = LimitHit::kTooLarge;
        error.type = "tokens";
        error.message = fmt::format(
            "Request too large for {} in organization {} on tokens per min (TPM): Limit {}, "
            "Requested {}. The input or output tokens must be reduced in order to run "
            "successfully. {}",
            model, kOrganization, decision.tokens->limit, decision.requested, kRateLimitDocs);
        break;
      case RateVerdict::kAdmitted:
        return;
    }
    HttpResponse response = error_response(error, request_id);
    add_limit_headers(response.headers, decision);
    if (decision.verdict != RateVerdict::kTooLarge)
      add_retry_after_headers(response.headers, decision.retry_after);
    counters_.limited(hit);
    counters_.outcome(ChatOutcome::kRateLimited);
    send(responder, std::move(response));
  }

  // A fault that answers with an error status.
  void answer_fault_status(const Responder& responder, FaultKind fault, std::string_view model,
                           std::string_view request_id, nanoseconds latency) {
    HttpResponse response;
    std::optional<nanoseconds> delay;
    switch (fault) {
      case FaultKind::kRateLimit: {
        ApiError error{429, "", "requests", std::nullopt, std::string("rate_limit_exceeded")};
        LimitHeaderValues requests;
        requests.limit =
            options_.limits.requests_per_minute > 0 ? options_.limits.requests_per_minute : 500;
        requests.remaining = 0;
        requests.reset = options_.fault_retry_after;
        error.message = fmt::format(
            "Rate limit reached for {} in organization {} on requests per min (RPM): Limit {}, "
            "Used {}, Requested 1. Please try again in {}. {}",
            model, kOrganization, requests.limit, requests.limit,
            format_go_duration(options_.fault_retry_after), kRateLimitDocs);
        response = error_response(error, request_id);
        add_rate_limit_headers(response.headers, "requests", requests);
        add_retry_after_headers(response.headers, options_.fault_retry_after);
        break;
      }
      case FaultKind::kInsufficientQuota:
        response = error_response(
            {429,
             "You exceeded your current quota, please check your plan and billing details. For "
             "more information on this error, read the docs: "
             "https://platform.openai.com/docs/guides/error-codes/api-errors.",
             "insufficient_quota", std::nullopt, std::string("insufficient_quota")},
            request_id);
        break;
      case FaultKind::kServerError:
        response = error_response({500,
                                   "The server had an error while processing your request. "
                                   "Sorry about that!",
                                   "server_error", std::nullopt, std::nullopt},
                                  request_id);
        delay = latency;
        break;
      case FaultKind::kOverloaded:
        response =
            error_response({503, "The engine is currently overloaded, please try again later.",
                            "server_error", std::nullopt, std::string("overloaded")},
                           request_id);
        break;
      case FaultKind::kModelLoading:
        response.status = 503;
        response.body = std::string(llama_cpp_loading_body());
        break;
      default:
        return;
    }
    counters_.outcome(ChatOutcome::kFault);
    counters_.fault(fault);
    send(responder, std::move(response), delay);
  }

  // --- routing --------------------------------------------------------------

  void handle(HttpServerRequest request, Responder responder) {
    counters_.http_request(request.body.size());
    try {
      route(request, responder);
    } catch (const std::exception& e) {
      // Should not happen; the client still gets an answer in OpenAI's shape.
      spdlog::error("mock LLM server: {}", e.what());
      HttpResponse response = error_response(
          {500, "The server had an error while processing your request. Sorry about that!",
           "server_error", std::nullopt, std::nullopt},
          "req_internal");
      send(responder, std::move(response));
    }
  }

  void route(HttpServerRequest& request, const Responder& responder) {
    const std::string_view path = request.path;
    const bool is_get = request.method == HttpMethod::kGet || request.method == HttpMethod::kHead;
    if (path == "/healthz" || path == "/health") {
      HttpResponse response;
      response.body = R"({"status":"ok"})";
      send(responder, std::move(response));
      return;
    }
    const auto azure = azure_deployment(path);
    const bool chat = path == "/v1/chat/completions" || path == "/chat/completions" || azure;
    if (chat)
      counters_.chat_request();
    const std::uint64_t index = chat ? arrivals_.fetch_add(1, std::memory_order_relaxed)
                                     : other_requests_.fetch_add(1, std::memory_order_relaxed);
    const std::string id = request_id(derive_seed(derive_seed(options_.seed, kRequestIdStream),
                                                  chat ? index : index | (1ULL << 63)));
    if (token_ && !authorized(request)) {
      const bool missing =
          !request.headers.contains("authorization") && !request.headers.contains("api-key");
      ApiError error;
      error.status = 401;
      if (missing) {
        error.message =
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as "
            "the password field (with blank username) if you're accessing the API from your "
            "browser and are prompted for a username and password. You can obtain an API key "
            "from https://platform.openai.com/account/api-keys.";
      } else {
        error.message =
            "Incorrect API key provided. You can find your API key at "
            "https://platform.openai.com/account/api-keys.";
        error.code = "invalid_api_key";
      }
      if (chat)
        counters_.outcome(ChatOutcome::kUnauthorized);
      HttpResponse response = error_response(error, id);
      response.headers.add("www-authenticate", "Bearer");
      send(responder, std::move(response));
      return;
    }
    if (chat) {
      if (request.method != HttpMethod::kPost) {
        counters_.outcome(ChatOutcome::kInvalidRequest);
        send(responder, method_not_allowed(request, id));
        return;
      }
      handle_chat(request, responder, index, id, azure);
      return;
    }
    const bool models = path == "/v1/models" || path == "/models";
    const bool one_model = path.starts_with("/v1/models/") || path.starts_with("/models/");
    const bool metrics = path == "/metrics";
    const bool counters = path == "/counters";
    if ((models || one_model || metrics || counters) && !is_get) {
      send(responder, method_not_allowed(request, id));
      return;
    }
    if (models) {
      send(responder, models_response());
    } else if (one_model) {
      send(responder, model_response(path.substr(path.find("/models/") + 8), id));
    } else if (metrics) {
      HttpResponse response;
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = render_prometheus(live_counters());
      send(responder, std::move(response));
    } else if (counters) {
      HttpResponse response;
      response.body = render_counters_json(live_counters());
      send(responder, std::move(response));
    } else {
      send(responder,
           error_response(
               {404, fmt::format("Invalid URL ({} {})", method_name(request.method), path),
                "invalid_request_error", std::nullopt, std::nullopt},
               id));
    }
  }

  bool authorized(const HttpServerRequest& request) const {
    if (request.path == "/healthz" || request.path == "/health")
      return true;
    if (const auto authorization = request.headers.find("authorization"))
      return token_->accepts(*authorization);
    if (const auto key = request.headers.find("api-key")) {
      // Azure's header carries the key alone.
      return token_->accepts(std::string("Bearer ") + std::string(*key));
    }
    return false;
  }

  HttpResponse method_not_allowed(const HttpServerRequest& request, std::string_view id) const {
    HttpResponse response = error_response(
        {405,
         fmt::format("Invalid method for URL ({} {})", method_name(request.method), request.path),
         "invalid_request_error", std::nullopt, std::nullopt},
        id);
    return response;
  }

  HttpResponse models_response() const {
    HttpResponse response;
    JsonWriter json(response.body);
    json.begin_object().field("object", "list").key("data").begin_array();
    for (const auto& model : options_.models) {
      json.begin_object()
          .field("id", model)
          .field("object", "model")
          .field("created", std::int64_t{1686935002})
          .field("owned_by", "mock")
          .end_object();
    }
    json.end_array().end_object();
    return response;
  }

  HttpResponse model_response(std::string_view model, std::string_view id) const {
    if (std::find(options_.models.begin(), options_.models.end(), model) == options_.models.end()) {
      return error_response(
          {404, fmt::format("The model '{}' does not exist", model), "invalid_request_error",
           std::string("model"), std::string("model_not_found")},
          id);
    }
    HttpResponse response;
    JsonWriter(response.body)
        .begin_object()
        .field("id", model)
        .field("object", "model")
        .field("created", std::int64_t{1686935002})
        .field("owned_by", "mock")
        .end_object();
    return response;
  }

  // --- chat completions -------------------------------------------------------

  void handle_chat(HttpServerRequest& request, const Responder& responder, std::uint64_t index,
                   const std::string& id, std::optional<std::string_view> azure) {
    if (azure && !has_query_value(request.query, "api-version")) {
      counters_.outcome(ChatOutcome::kNotFound);
      send(responder, error_response({404, "Resource not found", "invalid_request_error",
                                      std::nullopt, std::string("404")},
                                     id));
      return;
    }
    ThreadScratch& s = scratch();
    ValidationRules rules;
    rules.personality = options_.personality;
    rules.allow_n = options_.allow_n;
    rules.max_tokens_fields = options_.max_tokens_fields;
    rules.model_required = !azure;
    if (auto error = s.reader.read(request.body, rules)) {
      counters_.outcome(ChatOutcome::kInvalidRequest);
      send(responder, error_response(*error, id));
      return;
    }
    const ChatRequestView& view = s.reader.request();
    std::string_view model = view.model;
    if (model.empty())
      model = azure ? *azure : std::string_view(options_.models.front());
    if (options_.reject_unknown_models && !azure &&
        std::find(options_.models.begin(), options_.models.end(), model) == options_.models.end()) {
      counters_.outcome(ChatOutcome::kNotFound);
      send(responder,
           error_response({404,
                           fmt::format("The model `{}` does not exist or you do not "
                                       "have access to it.",
                                       model),
                           "invalid_request_error", std::nullopt, std::string("model_not_found")},
                          id));
      return;
    }

    const std::int64_t prompt_tokens = count_prompt_tokens(view);
    const std::int64_t max_tokens = view.max_tokens.value_or(options_.default_max_tokens);
    if (options_.context_window > 0) {
      const std::int64_t asked = prompt_tokens + view.max_tokens.value_or(0);
      if (asked > options_.context_window) {
        counters_.outcome(ChatOutcome::kInvalidRequest);
        std::string message =
            view.max_tokens ? fmt::format(
                                  "This model's maximum context length is {} tokens. However, you "
                                  "requested {} tokens ({} in the messages, {} in the completion). "
                                  "Please reduce the length of the messages or completion.",
                                  options_.context_window, asked, prompt_tokens, *view.max_tokens)
                            : fmt::format(
                                  "This model's maximum context length is {} tokens. However, your "
                                  "messages resulted in {} tokens. Please reduce the length of the "
                                  "messages.",
                                  options_.context_window, prompt_tokens);
        send(responder,
             error_response({400, std::move(message), "invalid_request_error",
                             std::string("messages"), std::string("context_length_exceeded")},
                            id));
        return;
      }
    }

    RateDecision decision;
    if (limiter_.enabled()) {
      const std::int64_t cost = estimate_prompt_tokens(view) + view.n * max_tokens;
      decision = limiter_.admit(cost, now());
      if (!decision.admitted()) {
        refuse_by_limit(responder, decision, model, id);
        return;
      }
    }

    // The request's own stream: the fault first, then the latency, always in
    // this order, so that a seed and an arrival order decide both.
    Rng rng(derive_seed(options_.seed, index));
    const FaultKind fault = faults_.draw(rng);
    Rng latency_rng(rng.next_u64());
    switch (fault) {
      case FaultKind::kConnectionReset:
        // The server dies while generating: the reset comes after the latency.
        counters_.outcome(ChatOutcome::kFault);
        counters_.fault(fault);
        delayed_.reset_after(sample_latency(options_.latency, latency_rng, 0), responder);
        return;
      case FaultKind::kHang:
        counters_.outcome(ChatOutcome::kFault);
        counters_.fault(fault);
        responder.hang();
        return;
      case FaultKind::kRateLimit:
      case FaultKind::kInsufficientQuota:
      case FaultKind::kServerError:
      case FaultKind::kOverloaded:
      case FaultKind::kModelLoading:
        answer_fault_status(responder, fault, model, id,
                            sample_latency(options_.latency, latency_rng, 0));
        return;
      case FaultKind::kNone:
      case FaultKind::kTruncatedBody:
      case FaultKind::kMalformedJson:
      case FaultKind::kWrongContent:
        break;
    }

    // The answer.
    const auto n = static_cast<std::size_t>(view.n);
    if (s.contents.size() < n)
      s.contents.resize(n);
    s.choices.clear();
    std::int64_t completion_tokens = 0;
    for (std::size_t c = 0; c < n; ++c) {
      std::string& content = s.contents[c];
      content_.write(view, request.body, static_cast<int>(c), content);
      if (fault == FaultKind::kWrongContent)
        spoil_content(content, rng);
      apply_stop(content, view.stop);
      ChoiceText choice;
      std::int64_t tokens = count_text_tokens(content);
      if (tokens > max_tokens) {
        content.resize(prefix_within_tokens(content, max_tokens));
        tokens = count_text_tokens(content);
        choice.cut = true;
      }
      choice.content = content;
      completion_tokens += tokens;
      s.choices.push_back(choice);
    }
    std::int64_t cached_tokens = 0;
    if (options_.personality == Personality::kOpenAI && options_.prefix_cache.min_tokens > 0 &&
        prompt_tokens >= options_.prefix_cache.min_tokens) {
      prompt_prefix_hashes(view, options_.prefix_cache, s.prefixes);
      cached_tokens = cache_.lookup_and_insert(s.prefixes, now());
    }
    const nanoseconds latency = sample_latency(options_.latency, latency_rng, completion_tokens);

    const std::string completion =
        completion_id(derive_seed(derive_seed(options_.seed, kCompletionIdStream), index));
    CompletionFields fields;
    fields.id = completion;
    fields.model = model;
    fields.created = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    fields.system_fingerprint = options_.personality == Personality::kLlamaCpp
                                    ? std::string_view("b5000-mock")
                                    : std::string_view(fingerprint_);
    fields.choices = s.choices;
    fields.prompt_tokens = prompt_tokens;
    fields.completion_tokens = completion_tokens;
    fields.cached_tokens = cached_tokens;
    fields.latency_ms = ceil_milliseconds(latency);
    fields.personality = options_.personality;

    HttpResponse response;
    if (view.stream) {
      response.content_type = "text/event-stream; charset=utf-8";
      append_completion_stream(response.body, fields, view.include_usage);
    } else {
      append_completion_body(response.body, fields);
    }
    response.headers.reserve(10);
    response.headers.add("x-request-id", id);
    response.headers.add("openai-processing-ms", std::to_string(ceil_milliseconds(latency)));
    add_limit_headers(response.headers, decision);

    if (fault == FaultKind::kTruncatedBody) {
      counters_.outcome(ChatOutcome::kFault);
      counters_.fault(fault);
      const std::size_t keep = response.body.size() / 2;
      counters_.response(keep);
      delayed_.truncate_after(latency, responder, std::move(response), keep);
      return;
    }
    if (fault == FaultKind::kMalformedJson) {
      counters_.outcome(ChatOutcome::kFault);
      counters_.fault(fault);
      // Valid HTTP whose JSON stops in the middle, as from a crashed worker.
      response.body.resize(response.body.size() / 2);
      send(responder, std::move(response), latency);
      return;
    }
    // A wrong answer is still an answer: it counts as a success, and as a fault.
    counters_.outcome(ChatOutcome::kSuccess);
    if (fault == FaultKind::kWrongContent)
      counters_.fault(fault);
    counters_.usage(prompt_tokens, completion_tokens, cached_tokens);
    if (view.stream)
      counters_.streamed();
    send(responder, std::move(response), latency);
  }

  MockLlmOptions options_;
  FaultPlan faults_;
  MockRateLimiter limiter_;
  PrefixCache cache_;
  AnswerContent content_;
  std::string fingerprint_;
  std::optional<BearerTokenCheck> token_;
  CounterSet counters_;
  // Resets and truncated bodies that strike after the latency. Stopped with
  // the server (later ones then strike at once).
  DelayedFaults delayed_;
  std::atomic<std::uint64_t> arrivals_{0};
  std::atomic<std::uint64_t> other_requests_{0};
  // The running server for handlers, which must not take lifecycle_ (stop()
  // holds it while it waits for them).
  std::atomic<HttpServer*> live_server_{nullptr};

  mutable std::mutex lifecycle_;
  std::unique_ptr<HttpServer> server_;
  HttpServerStats stopped_stats_;
};

MockLlmServer::MockLlmServer(MockLlmOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

MockLlmServer::~MockLlmServer() = default;

std::uint16_t MockLlmServer::start() {
  return impl_->start();
}

void MockLlmServer::stop() {
  impl_->stop();
}

bool MockLlmServer::running() const {
  return impl_->running();
}

std::uint16_t MockLlmServer::port() const {
  return impl_->port();
}

std::string MockLlmServer::base_url() const {
  return impl_->base_url();
}

std::string MockLlmServer::api_base_url() const {
  const std::string base = impl_->base_url();
  return base.empty() ? base : base + "/v1";
}

MockCounters MockLlmServer::counters() const {
  return impl_->counters();
}

std::string MockLlmServer::metrics_text() const {
  return render_prometheus(impl_->counters());
}

const MockLlmOptions& MockLlmServer::options() const noexcept {
  return impl_->options();
}

}  // namespace lusifer::mock
