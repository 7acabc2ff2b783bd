#include "engine/envserver/env_http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/core/input_error.hpp"
#include "engine/core/json_writer.hpp"
#include "engine/envserver/env_protocol.hpp"
#include "engine/envserver/session_table.hpp"
#include "engine/http/http_server.hpp"

namespace lusifer::envserver {
namespace {

using Clock = std::chrono::steady_clock;

HttpResponse json_response(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// Holds a service completion: runs `handler` exactly once, with the
// service's answer, or with a 500 if every copy of the callback is dropped
// unanswered (so the session's claim is always given back).
template <class Response>
class Completion {
 public:
  using Handler = std::function<void(EnvResult<Response>)>;

  explicit Completion(Handler handler) : handler_(std::move(handler)) {}
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  ~Completion() {
    if (!done_.exchange(true)) {
      run(EnvError(EnvErrorKind::kInternal,
                   "the environment service dropped the request without answering"));
    }
  }

  void complete(EnvResult<Response> result) {
    if (done_.exchange(true)) {
      spdlog::warn(
          "env server: the service answered a request twice; the second answer is ignored");
      return;
    }
    run(std::move(result));
  }

 private:
  void run(EnvResult<Response> result) noexcept {
    try {
      handler_(std::move(result));
    } catch (const std::exception& e) {
      spdlog::error("env server: answering a request failed: {}", e.what());
    } catch (...) {
      spdlog::error("env server: answering a request failed with a non-standard exception");
    }
  }

  Handler handler_;
  std::atomic<bool> done_{false};
};

// Calls `call` with a callback wrapping `handler`; a call that throws
// answers with a 500.
template <class Response, class Call>
void call_service(Call&& call, typename Completion<Response>::Handler handler) {
  auto completion = std::make_shared<Completion<Response>>(std::move(handler));
  try {
    call(EnvCallback<Response>(
        [completion](EnvResult<Response> result) { completion->complete(std::move(result)); }));
  } catch (const std::exception& e) {
    spdlog::error("env server: the environment service threw: {}", e.what());
    completion->complete(EnvError(EnvErrorKind::kInternal, "the environment service failed"));
  } catch (...) {
    spdlog::error("env server: the environment service threw a non-standard exception");
    completion->complete(EnvError(EnvErrorKind::kInternal, "the environment service failed"));
  }
}

struct Route {
  Endpoint endpoint = Endpoint::kOther;
  std::string env_id;      // for reset, step, close
  std::string_view allow;  // the methods the path takes
  bool method_allowed = false;
};

bool is_read(HttpMethod method) {
  return method == HttpMethod::kGet || method == HttpMethod::kHead;
}

// The endpoint of `path`, or nullopt for an unknown path.
std::optional<Route> route(HttpMethod method, std::string_view path) {
  Route r;
  if (path == "/healthz" || path == "/metrics" || path == "/v1/catalog") {
    r.endpoint = path == "/healthz"   ? Endpoint::kHealth
                 : path == "/metrics" ? Endpoint::kMetrics
                                      : Endpoint::kCatalog;
    r.allow = "GET, HEAD";
    r.method_allowed = is_read(method);
    return r;
  }
  if (path == "/v1/envs") {
    r.endpoint = Endpoint::kCreate;
    r.allow = "POST";
    r.method_allowed = method == HttpMethod::kPost;
    return r;
  }
  constexpr std::string_view kPrefix = "/v1/envs/";
  if (!path.starts_with(kPrefix))
    return std::nullopt;
  const auto rest = path.substr(kPrefix.size());
  const auto slash = rest.find('/');
  r.env_id.assign(rest.substr(0, slash));
  if (r.env_id.empty())
    return std::nullopt;
  if (slash == std::string_view::npos) {
    r.endpoint = Endpoint::kClose;
    r.allow = "DELETE";
    r.method_allowed = method == HttpMethod::kDelete;
    return r;
  }
  const auto action = rest.substr(slash + 1);
  if (action == "reset") {
    r.endpoint = Endpoint::kReset;
  } else if (action == "step") {
    r.endpoint = Endpoint::kStep;
  } else {
    return std::nullopt;
  }
  r.allow = "POST";
  r.method_allowed = method == HttpMethod::kPost;
  return r;
}

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(EnvServerSettings settings, std::shared_ptr<EnvService> service)
      : settings_(std::move(settings)),
        service_(std::move(service)),
        sessions_(settings_.max_sessions, settings_.session_idle_timeout) {}

  void handle(HttpServerRequest request, const Responder& responder) {
    const auto found = route(request.method, request.path);
    if (!found) {
      metrics_.request(Endpoint::kOther);
      fail(responder, EnvError(EnvErrorKind::kNotFound,
                               fmt::format("no endpoint {} {}", method_name(request.method),
                                           quote_excerpt(request.path, 120))));
      return;
    }
    metrics_.request(found->endpoint);
    if (!found->method_allowed) {
      fail(responder,
           EnvError(EnvErrorKind::kMethodNotAllowed,
                    fmt::format("{} takes {}, not {}", quote_excerpt(request.path, 120),
                                found->allow, method_name(request.method))),
           found->allow);
      return;
    }
    if (!found->env_id.empty() && !is_valid_env_id(found->env_id)) {
      fail(responder,
           EnvError(EnvErrorKind::kUnknownSession,
                    fmt::format("no open session {}", quote_excerpt(found->env_id, 64))));
      return;
    }
    switch (found->endpoint) {
      case Endpoint::kHealth:
        health(responder);
        return;
      case Endpoint::kMetrics:
        metrics_page(responder);
        return;
      case Endpoint::kCatalog:
        catalog(request.query, responder);
        return;
      case Endpoint::kCreate:
        create(request.body, responder);
        return;
      case Endpoint::kReset:
        reset(found->env_id, request.body, responder);
        return;
      case Endpoint::kStep:
        step(found->env_id, request.body, responder);
        return;
      case Endpoint::kClose:
        close(found->env_id, request.body, responder);
        return;
      case Endpoint::kOther:
        break;
    }
    fail(responder, EnvError(EnvErrorKind::kNotFound, "no such endpoint"));
  }

  EnvMetricsSnapshot metrics() const {
    auto snapshot = metrics_.snapshot();
    snapshot.sessions_open = sessions_.open_count();
    return snapshot;
  }

 private:
  void fail(const Responder& responder, const EnvError& error, std::string_view allow = {}) {
    metrics_.error(error.kind);
    const int status = http_status_of(error.kind);
    if (status >= 500)
      spdlog::warn("env server: {} {}: {}", status, error_type_name(error.kind), error.message);
    auto response = json_response(status, render_error(error));
    if (!allow.empty())
      response.headers.add("Allow", std::string(allow));
    responder.respond(std::move(response));
  }

  void health(const Responder& responder) {
    std::string body;
    JsonWriter json(body);
    json.begin_object()
        .field("status", "ok")
        .field("sessions_open", std::uint64_t{sessions_.open_count()})
        .field("max_sessions", std::uint64_t{settings_.max_sessions})
        .end_object();
    responder.respond(json_response(200, std::move(body)));
  }

  void metrics_page(const Responder& responder) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = render_prometheus(metrics());
    responder.respond(std::move(response));
  }

  void catalog(std::string_view query, const Responder& responder) {
    auto parsed = parse_catalog_query(query);
    if (!parsed) {
      fail(responder, parsed.error());
      return;
    }
    responder.respond(json_response(200, render_catalog_page(service_->catalog(), parsed.value())));
  }

  void create(std::string_view body, const Responder& responder) {
    auto parsed = parse_create_request(body);
    if (!parsed) {
      fail(responder, parsed.error());
      return;
    }
    CreateRequest request = std::move(parsed).value();
    if (request.user_count > settings_.max_users_per_session) {
      fail(responder, EnvError(EnvErrorKind::kTooManyUsers,
                               fmt::format("a session takes at most {} users "
                                           "(server.max_users_per_session), found {}",
                                           settings_.max_users_per_session, request.user_count),
                               "users"));
      return;
    }
    const std::size_t items = service_->catalog().size();
    if (request.slate_size && *request.slate_size > items) {
      fail(
          responder,
          EnvError(EnvErrorKind::kInvalidValue,
                   fmt::format("expected a slate_size of at most {} (the catalog's size), found {}",
                               items, *request.slate_size),
                   "slate_size"));
      return;
    }
    auto reservation = sessions_.reserve();
    close_evicted(std::move(reservation.evicted));
    if (!reservation.granted) {
      fail(responder,
           EnvError(EnvErrorKind::kTooManySessions,
                    fmt::format("{} sessions are open, the most this server allows "
                                "(server.max_sessions); close one with DELETE /v1/envs/{{id}}",
                                settings_.max_sessions)));
      return;
    }
    const CreateRequest asked = request;
    call_service<CreateResponse>(
        [&](EnvCallback<CreateResponse> done) {
          service_->create(std::move(request), std::move(done));
        },
        [core = shared_from_this(), asked, responder](EnvResult<CreateResponse> result) {
          core->created(asked, std::move(result), responder);
        });
  }

  void created(const CreateRequest& asked, EnvResult<CreateResponse> result,
               const Responder& responder) {
    if (!result) {
      sessions_.cancel_reservation();
      fail(responder, result.error());
      return;
    }
    const CreateResponse& r = result.value();
    if (auto problem = inconsistency(asked, r)) {
      sessions_.cancel_reservation();
      if (is_valid_env_id(r.env_id))
        close_quietly(r.env_id);
      fail(responder, EnvError(EnvErrorKind::kInternal,
                               "the simulation created an inconsistent session: " + *problem));
      return;
    }
    if (!sessions_.open(r.env_id, r.user_ids.size(), r.slate_size)) {
      fail(responder,
           EnvError(EnvErrorKind::kInternal,
                    "the simulation created a session whose id is already open: " + r.env_id));
      return;
    }
    metrics_.session_created();
    auto response = json_response(201, render_create_response(r));
    response.headers.add("Location", "/v1/envs/" + r.env_id);
    responder.respond(std::move(response));
  }

  // What is wrong with a service's create response, if anything.
  std::optional<std::string> inconsistency(const CreateRequest& asked,
                                           const CreateResponse& r) const {
    if (!is_valid_env_id(r.env_id))
      return fmt::format("env id {} is not 1..64 of [A-Za-z0-9_-]", quote_excerpt(r.env_id, 80));
    if (r.user_ids.size() != asked.user_count)
      return fmt::format("{} users where {} were asked for", r.user_ids.size(), asked.user_count);
    if (!asked.user_ids.empty() && r.user_ids != asked.user_ids)
      return std::string("users other than those asked for");
    if (r.slate_size < 1 || r.slate_size > kMaxSlateSize ||
        (asked.slate_size && r.slate_size != *asked.slate_size))
      return fmt::format("slate size {}", r.slate_size);
    if (r.horizon < 1 || (asked.horizon && r.horizon != *asked.horizon))
      return fmt::format("horizon {}", r.horizon);
    return std::nullopt;
  }

  void reset(const std::string& env_id, std::string_view body, const Responder& responder) {
    auto parsed = parse_reset_request(body);
    if (!parsed) {
      fail(responder, parsed.error());
      return;
    }
    auto claim = sessions_.begin_reset(env_id);
    if (!claim) {
      fail(responder, claim.error());
      return;
    }
    const std::size_t users = claim.value().num_envs;
    call_service<ResetResponse>(
        [&](EnvCallback<ResetResponse> done) {
          service_->reset(env_id, std::move(parsed).value(), std::move(done));
        },
        [core = shared_from_this(), env_id, users, responder](EnvResult<ResetResponse> result) {
          core->was_reset(env_id, users, std::move(result), responder);
        });
  }

  void was_reset(const std::string& env_id, std::size_t users, EnvResult<ResetResponse> result,
                 const Responder& responder) {
    if (!result) {
      settle_failure(env_id, result.error());
      fail(responder, result.error());
      return;
    }
    if (result.value().observations.size() != users) {
      sessions_.release(env_id);
      fail(responder, EnvError(EnvErrorKind::kInternal,
                               fmt::format("the simulation reset {} users of a session of {}",
                                           result.value().observations.size(), users)));
      return;
    }
    sessions_.finish_reset(env_id, true);
    metrics_.reset();
    responder.respond(json_response(200, render_reset_response(result.value())));
  }

  void step(const std::string& env_id, std::string_view body, const Responder& responder) {
    auto parsed = parse_step_request(body);
    if (!parsed) {
      fail(responder, parsed.error());
      return;
    }
    auto claim = sessions_.begin_step(env_id);
    if (!claim) {
      fail(responder, claim.error());
      return;
    }
    StepRequest request = std::move(parsed).value();
    if (auto error = check_step_actions(request, claim.value().slate_size, claim.value().done,
                                        service_->catalog())) {
      sessions_.release(env_id);
      fail(responder, *error);
      return;
    }
    const auto active = static_cast<std::uint64_t>(
        std::count_if(request.actions.begin(), request.actions.end(),
                      [](const auto& action) { return action.has_value(); }));
    call_service<StepResponse>(
        [&](EnvCallback<StepResponse> done) {
          service_->step(env_id, std::move(request), std::move(done));
        },
        [core = shared_from_this(), env_id, done = std::move(claim).value().done, active,
         start = Clock::now(), responder](EnvResult<StepResponse> result) {
          core->stepped(env_id, done, active, start, std::move(result), responder);
        });
  }

  void stepped(const std::string& env_id, std::vector<bool> done, std::uint64_t active,
               Clock::time_point start, EnvResult<StepResponse> result,
               const Responder& responder) {
    if (!result) {
      settle_failure(env_id, result.error());
      fail(responder, result.error());
      return;
    }
    const StepResponse& r = result.value();
    if (r.users.size() != done.size()) {
      sessions_.release(env_id);
      fail(responder, EnvError(EnvErrorKind::kInternal,
                               fmt::format("the simulation stepped {} users of a session of {}",
                                           r.users.size(), done.size())));
      return;
    }
    std::uint64_t late = 0;
    std::uint64_t failed = 0;
    for (std::size_t i = 0; i < done.size(); ++i) {
      const UserStep& user = r.users[i];
      if (!done[i]) {
        late += user.info.late ? 1 : 0;
        failed += user.info.failure.empty() ? 0 : 1;
      }
      done[i] = done[i] || user.terminated || user.truncated;
    }
    // Released before the answer goes out, so the client's next request finds
    // the session free.
    sessions_.finish_step(env_id, &done);
    metrics_.step(Clock::now() - start, active, late, failed);
    responder.respond(json_response(200, render_step_response(r)));
  }

  void close(const std::string& env_id, std::string_view body, const Responder& responder) {
    if (auto error = parse_close_request(body)) {
      fail(responder, *error);
      return;
    }
    auto claim = sessions_.begin_close(env_id);
    if (!claim) {
      fail(responder, claim.error());
      return;
    }
    call_service<CloseResponse>(
        [&](EnvCallback<CloseResponse> done) { service_->close(env_id, std::move(done)); },
        [core = shared_from_this(), env_id, responder](EnvResult<CloseResponse> result) {
          if (!result) {
            core->settle_failure(env_id, result.error());
            core->fail(responder, result.error());
            return;
          }
          core->sessions_.remove(env_id);
          responder.respond(json_response(200, render_close_response()));
        });
  }

  // A failed request gives its claim back, or forgets a session the service
  // no longer has.
  void settle_failure(const std::string& env_id, const EnvError& error) {
    if (error.kind == EnvErrorKind::kUnknownSession) {
      sessions_.remove(env_id);
    } else {
      sessions_.release(env_id);
    }
  }

  void close_evicted(std::vector<std::string> env_ids) {
    if (env_ids.empty())
      return;
    metrics_.sessions_expired(env_ids.size());
    for (auto& id : env_ids) {
      spdlog::info("env server: closing session {}, idle for more than {} ms, to make room", id,
                   settings_.session_idle_timeout.count());
      close_quietly(std::move(id));
    }
  }

  void close_quietly(std::string env_id) {
    call_service<CloseResponse>(
        [&](EnvCallback<CloseResponse> done) { service_->close(env_id, std::move(done)); },
        [env_id](EnvResult<CloseResponse> result) {
          if (!result) {
            spdlog::warn("env server: closing session {} failed: {}", env_id,
                         result.error().message);
          }
        });
  }

  EnvServerSettings settings_;
  std::shared_ptr<EnvService> service_;
  SessionTable sessions_;
  EnvMetrics metrics_;
};

}  // namespace

class EnvHttpServer::Impl {
 public:
  Impl(EnvServerSettings settings, std::shared_ptr<EnvService> service) {
    if (!service)
      throw std::invalid_argument("env server: no environment service");
    HttpServerOptions options;
    options.bind_address = settings.host;
    options.port = settings.port;
    options.io_threads = settings.threads;
    options.bearer_token = settings.bearer_token;
    options.auth_exempt_paths = {"/healthz"};
    options.max_request_body_bytes = settings.max_body_bytes;
    options.response_timeout = settings.response_timeout;
    core_ = std::make_shared<Core>(std::move(settings), std::move(service));
    http_ = std::make_unique<HttpServer>(
        std::move(options), [core = core_](HttpServerRequest request, Responder responder) {
          core->handle(std::move(request), responder);
        });
  }

  std::shared_ptr<Core> core_;
  std::unique_ptr<HttpServer> http_;
};

EnvHttpServer::EnvHttpServer(EnvServerSettings settings, std::shared_ptr<EnvService> service)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(service))) {}

EnvHttpServer::~EnvHttpServer() {
  stop();
}

std::uint16_t EnvHttpServer::port() const noexcept {
  return impl_->http_->port();
}

std::string EnvHttpServer::base_url() const {
  return impl_->http_->base_url();
}

void EnvHttpServer::stop() {
  impl_->http_->stop();
}

EnvMetricsSnapshot EnvHttpServer::metrics() const {
  return impl_->core_->metrics();
}

}  // namespace lusifer::envserver
