// The only translation unit of the server that includes Beast (see the
// contract in http_server.hpp).
//
// Structure: ServerCore owns the event loop, the acceptor, the TLS context and
// a registry of sessions. Each I/O thread runs an io_context of its own, and
// a Session (one connection) lives on one of them, so its handlers never run
// concurrently and need no strand (whose locks and reference counts were a
// measurable cost). A session reads a request, hands it to the handler and
// waits for an Action, which a Responder posts to the session's io_context
// from any thread. Actions carry the request's generation number so that a
// late answer can never land on a later request.

#include "engine/http/http_server.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "engine/core/input_error.hpp"
#include "engine/http/bearer_token.hpp"
#include "engine/http/incoming_message.hpp"
#include "engine/http/json_error.hpp"
#include "engine/http/network_address.hpp"
#include "engine/http/url.hpp"

namespace lusifer {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
// Every I/O object names its executor type concretely: Beast's default
// any_io_executor costs a type-erased copy (and reference count) per
// operation, which showed up in profiles.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using PlainStream = beast::basic_stream<tcp, Executor>;
using TlsStream = beast::ssl_stream<PlainStream>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Executor>;

// After an error answer sent before the request body was read, the server
// keeps reading (and discarding) for a while before closing: closing a socket
// with unread input makes the kernel send a reset, which can destroy the
// answer before the client reads it.
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;
constexpr std::chrono::seconds kLingerTime{2};
// Beast reads max(512, spare capacity) bytes at a time, and its parser empties
// the buffer after every read, so a buffer left to grow on demand stays at 512
// bytes and a 1.5 KB request costs three recv calls. Reserved once per
// connection, a request of up to this size arrives in one.
constexpr std::size_t kReadBufferBytes = 16 * 1024;

thread_local const void* t_io_thread_owner = nullptr;

std::string_view sv(beast::string_view s) noexcept {
  return {s.data(), s.size()};
}

bool is_http_parse_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_version).category();
}

// Parses a request straight into an HttpServerRequest, sparing Beast's
// field container (an allocation per field) and a second copy of every field
// into the request handed to the handler. IncomingMessage holds the fields and
// body and checks the body limit against Content-Length.
class RequestParser final : public http::basic_parser<true> {
 public:
  // Clients send about a dozen fields.
  RequestParser(std::size_t body_limit, std::uint32_t header_limit) : message_(body_limit, 16) {
    this->body_limit(body_limit);
    this->header_limit(header_limit);
  }

  // The method as sent, e.g. to name an unsupported one.
  std::string_view method_text() const noexcept { return method_text_; }
  bool is_head() const noexcept { return verb_ == http::verb::head; }
  std::string_view target() const noexcept { return target_; }
  HttpHeaders& headers() noexcept { return message_.headers(); }

  // Moves the target, fields and body out, into `request`.
  void take(HttpServerRequest& request) {
    request.target = std::move(target_);
    request.headers = std::move(message_.headers());
    request.body = std::move(message_.body());
  }

 private:
  void on_request_impl(http::verb verb, beast::string_view method, beast::string_view target, int,
                       beast::error_code&) override {
    verb_ = verb;
    method_text_.assign(method.data(), method.size());
    target_.assign(target.data(), target.size());
  }

  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = http::error::bad_version;  // never called for requests
  }

  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    message_.add_field(sv(name), sv(value));
  }

  void on_header_impl(beast::error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         beast::error_code& ec) override {
    if (!message_.start_body(content_length ? std::optional(*content_length) : std::nullopt))
      ec = http::error::body_limit;
  }

  std::size_t on_body_impl(beast::string_view data, beast::error_code&) override {
    message_.append_body(sv(data));
    return data.size();
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view data,
                                 beast::error_code&) override {
    message_.append_body(sv(data));
    return data.size();
  }

  void on_finish_impl(beast::error_code&) override {}

  IncomingMessage message_;
  http::verb verb_ = http::verb::unknown;
  std::string method_text_;
  std::string target_;
};

// What a Responder asks a session to do.
struct Action {
  enum class Kind { kRespond, kRespondLater, kTruncate, kRaw, kReset, kHang, kClose };
  Kind kind = Kind::kRespond;
  HttpResponse response;
  std::chrono::milliseconds delay{0};
  std::size_t truncate_at = 0;
  std::string raw;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  virtual ~Session() = default;
  // Thread-safe: queue `action` for the request of `generation`.
  virtual void deliver(std::uint64_t generation, Action action) = 0;
  // Thread-safe: close when idle (or after the current answer); `force`
  // closes at once.
  virtual void shut_down(bool force) = 0;
};

// Lets Responders reach the loop only while it exists.
struct Gate {
  std::mutex mutex;
  bool open = true;
};

}  // namespace

namespace detail {

struct ResponderState {
  ResponderState(std::shared_ptr<Gate> g, std::weak_ptr<Session> s, std::uint64_t gen)
      : gate(std::move(g)), session(std::move(s)), generation(gen) {}
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;

  ~ResponderState() {
    if (used.load())
      return;
    Action action;
    action.response =
        HttpResponse::json_error(500, "the request handler dropped the request", "internal_error");
    complete(std::move(action));
  }

  bool complete(Action action) {
    if (used.exchange(true))
      return false;
    std::lock_guard lock(gate->mutex);
    if (!gate->open)
      return false;
    auto s = session.lock();
    if (!s)
      return false;
    s->deliver(generation, std::move(action));
    return true;
  }

  std::shared_ptr<Gate> gate;
  std::weak_ptr<Session> session;
  std::uint64_t generation;
  std::atomic<bool> used{false};
};

}  // namespace detail

namespace {

struct AtomicStats {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> requests{0};
};

class ServerCore {
 public:
  ServerCore(HttpServerOptions options, HttpHandler handler);
  ~ServerCore();

  std::uint16_t port() const noexcept { return port_; }
  std::string base_url() const;
  void stop(std::chrono::milliseconds grace);
  HttpServerStats stats() const;

  // --- used by sessions ---------------------------------------------------
  const HttpServerOptions& options() const noexcept { return options_; }
  const HttpHandler& handler() const noexcept { return handler_; }
  const std::shared_ptr<Gate>& gate() const noexcept { return gate_; }
  AtomicStats& counters() noexcept { return stats_; }
  // True when the request at `path` may proceed with `authorization`.
  bool authorized(std::string_view path, std::string_view authorization) const noexcept;
  // A session closed for good.
  void unregister(Session* session);

 private:
  void accept();
  void on_accept(beast::error_code ec, Socket socket);
  void refuse(Socket& socket);

  HttpServerOptions options_;
  HttpHandler handler_;
  std::optional<BearerTokenCheck> auth_;
  std::optional<ssl::context> tls_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  AtomicStats stats_;
  std::uint16_t port_ = 0;
  std::string refusal_;  // the complete 503 answer for connections beyond the limit

  mutable std::mutex mutex_;
  std::condition_variable sessions_changed_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::uint64_t next_connection_id_ = 1;
  bool stopping_ = false;

  std::mutex stop_mutex_;
  bool stopped_ = false;

  // One per I/O thread; sessions are dealt to them in turn.
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<Executor>> work_;
  std::size_t next_context_ = 0;  // used by the accepting thread only
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<net::steady_timer> accept_retry_;
  std::vector<std::thread> threads_;
};

template <class Stream>
class SessionImpl final : public Session {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  SessionImpl(ServerCore& core, std::uint64_t id, std::string remote, StreamArgs&&... args)
      : core_(core),
        stream_(std::forward<StreamArgs>(args)...),
        response_timer_(stream_.get_executor()),
        id_(id),
        remote_(std::move(remote)) {
    buffer_.reserve(kReadBufferBytes);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = self()] {
      if constexpr (kTls) {
        self->state_ = State::kHandshake;
        beast::get_lowest_layer(self->stream_).expires_after(self->core_.options().read_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            self->close();
          } else {
            self->read_request();
          }
        });
      } else {
        self->read_request();
      }
    });
  }

  void deliver(std::uint64_t generation, Action action) override {
    // in_handler_ belongs to the session's thread: read it only from there.
    if (stream_.get_executor().running_in_this_thread() && in_handler_) {
      // Answered from inside the handler: dispatch() acts on it when the
      // handler returns, which spares a trip through the io_context's queue and
      // the response timer (the mock answers most requests this way).
      inline_action_.emplace(std::move(action));
      return;
    }
    net::post(stream_.get_executor(),
              [self = self(), generation, action = std::move(action)]() mutable {
                self->on_action(generation, std::move(action));
              });
  }

  void shut_down(bool force) override {
    net::post(stream_.get_executor(), [self = self(), force] {
      self->stop_requested_ = true;
      if (force) {
        self->close();
        return;
      }
      switch (self->state_) {
        case State::kAwaiting:
        case State::kWriting:
          break;  // closes after the answer
        default:
          self->close();
          break;
      }
    });
  }

 private:
  enum class State { kHandshake, kReading, kAwaiting, kWriting, kHanging, kDraining, kClosed };

  std::shared_ptr<SessionImpl> self() {
    return std::static_pointer_cast<SessionImpl>(shared_from_this());
  }
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  // --- reading ------------------------------------------------------------

  void read_request() {
    if (stop_requested_) {
      close();
      return;
    }
    state_ = State::kReading;
    parser_.emplace(core_.options().max_request_body_bytes,
                    static_cast<std::uint32_t>(std::min<std::size_t>(
                        core_.options().max_request_header_bytes, UINT32_MAX)));
    lowest().expires_after(core_.options().read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    const HttpHeaders& headers = parser_->headers();
    const bool body_pending = !parser_->is_done();
    const bool keep_alive = parser_->keep_alive();
    const auto parts = split_target(parser_->target());
    if (!core_.authorized(parts.path, headers.find("authorization").value_or(""))) {
      auto response =
          HttpResponse::json_error(401, "missing or invalid bearer token", "authentication_error");
      response.headers.add("WWW-Authenticate", "Bearer");
      write_response(std::move(response), /*keep_alive=*/!body_pending && keep_alive,
                     /*linger=*/body_pending);
      return;
    }
    if (!parse_method(parser_->method_text())) {
      write_response(
          HttpResponse::json_error(
              501,
              fmt::format("method {} is not supported", quote_excerpt(parser_->method_text(), 32)),
              "not_implemented"),
          !body_pending && keep_alive, body_pending);
      return;
    }
    if (!body_pending) {
      dispatch();
      return;
    }
    if (iequals(headers.find("expect").value_or(""), "100-continue")) {
      raw_out_ = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(raw_out_),
                       [self = self()](beast::error_code e, std::size_t) {
                         if (e) {
                           self->close();
                         } else {
                           self->read_body();
                         }
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    // The read_timeout set for the header still runs: it bounds the request.
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](beast::error_code ec, std::size_t) {
                       if (ec) {
                         self->on_read_error(ec);
                       } else {
                         self->dispatch();
                       }
                     });
  }

  void on_read_error(beast::error_code ec) {
    const auto& options = core_.options();
    if (ec == http::error::body_limit) {
      write_response(
          HttpResponse::json_error(413,
                                   fmt::format("the request body exceeds the limit of {} bytes",
                                               options.max_request_body_bytes),
                                   "request_too_large"),
          false, true);
    } else if (ec == http::error::header_limit) {
      write_response(
          HttpResponse::json_error(431,
                                   fmt::format("the request headers exceed the limit of {} bytes",
                                               options.max_request_header_bytes),
                                   "request_header_fields_too_large"),
          false, true);
    } else if (ec != http::error::end_of_stream && ec != http::error::partial_message &&
               is_http_parse_error(ec)) {
      write_response(
          HttpResponse::json_error(400, fmt::format("malformed HTTP request: {}", ec.message()),
                                   "invalid_request"),
          false, true);
    } else {
      close();  // the peer left, timed out or broke the connection
    }
  }

  void dispatch() {
    keep_alive_ = parser_->keep_alive();
    head_ = parser_->is_head();
    HttpServerRequest request;
    parser_->take(request);
    request.method = parse_method(parser_->method_text()).value_or(HttpMethod::kGet);
    parser_.reset();
    const auto parts = split_target(request.target);
    request.path.assign(parts.path);
    request.query.assign(parts.query);
    request.remote_address = remote_;
    request.connection_id = id_;
    request.sequence_on_connection = ++sequence_;

    ++generation_;
    state_ = State::kAwaiting;
    core_.counters().requests.fetch_add(1, std::memory_order_relaxed);
    lowest().expires_never();

    auto responder_state =
        std::make_shared<detail::ResponderState>(core_.gate(), weak_from_this(), generation_);
    responder_ = responder_state;
    Responder responder(std::move(responder_state));
    in_handler_ = true;
    try {
      core_.handler()(std::move(request), responder);
    } catch (const std::exception& e) {
      spdlog::error("http server: the request handler threw: {}", e.what());
      responder.respond(HttpResponse::json_error(500, "internal error", "internal_error"));
    } catch (...) {
      spdlog::error("http server: the request handler threw a non-standard exception");
      responder.respond(HttpResponse::json_error(500, "internal error", "internal_error"));
    }
    in_handler_ = false;
    if (inline_action_) {
      Action action = std::move(*inline_action_);
      inline_action_.reset();
      on_action(generation_, std::move(action));
      return;
    }
    // Not answered yet: the answer comes later from another thread (through
    // the io_context's queue, after this), or the timer answers for it.
    response_timer_.expires_after(core_.options().response_timeout);
    response_timer_.async_wait([self = self(), generation = generation_](beast::error_code ec) {
      if (ec || generation != self->generation_ || self->state_ != State::kAwaiting)
        return;
      // Whoever marks the responder first decides: if it was the handler, its
      // answer is already on the way to this session.
      const auto state = self->responder_.lock();
      if (!state || state->used.exchange(true))
        return;
      self->write_response(
          HttpResponse::json_error(503, "the request handler did not answer in time",
                                   "response_timeout"),
          false, false);
    });
  }

  // --- answering ----------------------------------------------------------

  void on_action(std::uint64_t generation, Action action) {
    if (generation != generation_ || state_ != State::kAwaiting)
      return;
    response_timer_.cancel();
    switch (action.kind) {
      case Action::Kind::kRespondLater:
        // The response timer, no longer needed as such, times the delay.
        response_timer_.expires_after(action.delay);
        response_timer_.async_wait([self = self(), generation,
                                    r = std::move(action.response)](beast::error_code ec) mutable {
          if (ec || generation != self->generation_ || self->state_ != State::kAwaiting)
            return;
          self->write_response(std::move(r), self->keep_alive_, false);
        });
        break;
      case Action::Kind::kRespond:
        write_response(std::move(action.response), keep_alive_, false);
        break;
      case Action::Kind::kTruncate: {
        auto& r = action.response;
        const std::string body = std::move(r.body);
        r.body.clear();
        std::string bytes;
        serialize_head(r, /*keep_alive=*/false, body.size(), bytes);
        bytes.append(body, 0, std::min(action.truncate_at, body.size()));
        write_raw_then_close(std::move(bytes));
        break;
      }
      case Action::Kind::kRaw:
        write_raw_then_close(std::move(action.raw));
        break;
      case Action::Kind::kReset:
        reset();
        break;
      case Action::Kind::kHang:
        hang();
        break;
      case Action::Kind::kClose:
        close_gracefully();
        break;
    }
  }

  // Why the response cannot be sent as given, or empty.
  static std::string invalid_reason(const HttpResponse& r) {
    if (r.status < 100 || r.status > 599)
      return fmt::format("status {}", r.status);
    if (!is_valid_field_value(r.content_type))
      return "an invalid content type";
    for (const auto& f : r.headers) {
      if (!is_valid_field_name(f.name) || !is_valid_field_value(f.value)) {
        return fmt::format("the invalid header field {}", quote_excerpt(f.name));
      }
      if (iequals(f.name, "content-length") || iequals(f.name, "transfer-encoding") ||
          iequals(f.name, "connection")) {
        return fmt::format("the server-managed header {}", f.name);
      }
    }
    return {};
  }

  // The status line and header fields of `r`, up to the empty line, as
  // Beast's serializer writes them (same fields, same order): Content-Type,
  // the handler's fields, "Connection: close" when not keeping the connection
  // alive, and Content-Length unless the status forbids a body. Serialized by
  // hand because Beast's field container and serializer cost allocations per
  // response. An invalid response is replaced by a 500 first.
  static void serialize_head(HttpResponse& r, bool keep_alive, std::size_t content_length,
                             std::string& out) {
    if (const auto reason = invalid_reason(r); !reason.empty()) {
      spdlog::error("http server: the handler's response has {}; sending 500 instead", reason);
      r = HttpResponse::json_error(500, "the request handler produced an invalid response",
                                   "internal_error");
      content_length = r.body.size();
    }
    const auto status = static_cast<unsigned>(r.status);
    out.clear();
    fmt::format_to(std::back_inserter(out), "HTTP/1.1 {} ", status);
    out += sv(http::obsolete_reason(http::int_to_status(status)));
    out += "\r\n";
    if (!r.content_type.empty() && !r.headers.contains("content-type")) {
      out += "Content-Type: ";
      out += r.content_type;
      out += "\r\n";
    }
    for (const auto& f : r.headers) {
      out += f.name;
      out += ": ";
      out += f.value;
      out += "\r\n";
    }
    if (!keep_alive)
      out += "Connection: close\r\n";
    if (status / 100 != 1 && status != 204 && status != 304)
      fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", content_length);
    out += "\r\n";
  }

  void write_response(HttpResponse r, bool keep_alive, bool linger) {
    keep_alive = keep_alive && !stop_requested_;
    // A HEAD answer announces the length of the body it does not send.
    const bool send_body = !(head_ && state_ == State::kAwaiting);
    serialize_head(r, keep_alive, r.body.size(), out_head_);
    // 1xx, 204 and 304 answers have no body (and announce no length).
    const bool bodyless = r.status / 100 == 1 || r.status == 204 || r.status == 304;
    if (send_body && !bodyless)
      out_body_ = std::move(r.body);
    state_ = State::kWriting;
    lowest().expires_after(core_.options().write_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(out_head_), net::buffer(out_body_)};
    net::async_write(stream_, buffers,
                     [self = self(), keep_alive, linger](beast::error_code ec, std::size_t) {
                       // The head's capacity is kept for the next response.
                       self->out_head_.clear();
                       self->out_body_ = {};
                       if (ec) {
                         self->close();
                       } else if (keep_alive) {
                         self->read_request();
                       } else if (linger) {
                         self->linger_then_close();
                       } else {
                         self->close_gracefully();
                       }
                     });
  }

  void write_raw_then_close(std::string bytes) {
    raw_out_ = std::move(bytes);
    state_ = State::kWriting;
    lowest().expires_after(core_.options().write_timeout);
    net::async_write(stream_, net::buffer(raw_out_),
                     [self = self()](beast::error_code ec, std::size_t) {
                       if (ec) {
                         self->close();
                       } else {
                         self->close_gracefully();
                       }
                     });
  }

  // --- faults and closing -------------------------------------------------

  void reset() {
    beast::error_code ignored;
    lowest().socket().set_option(net::socket_base::linger(true, 0), ignored);
    close();
  }

  void hang() {
    state_ = State::kHanging;
    buffer_.consume(buffer_.size());
    lowest().expires_after(core_.options().max_hang);
    // Any event (the client closing, sending more, or max_hang) ends the hang.
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = self()](beast::error_code, std::size_t) { self->close(); });
  }

  void linger_then_close() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    state_ = State::kDraining;
    drained_ = 0;
    buffer_.consume(buffer_.size());
    lowest().expires_after(kLingerTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = self()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) {
                                self->close();
                                return;
                              }
                              self->drain();
                            });
  }

  void close_gracefully() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    close();
  }

  void close() {
    if (state_ == State::kClosed)
      return;
    if (state_ == State::kAwaiting) {
      // Nothing can answer this request any more; let its Responder say so.
      if (const auto state = responder_.lock())
        state->used.store(true);
    }
    state_ = State::kClosed;
    response_timer_.cancel();
    lowest().close();
    core_.unregister(this);
  }

  ServerCore& core_;
  Stream stream_;
  Timer response_timer_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::weak_ptr<detail::ResponderState> responder_;  // of the request being handled
  std::string out_head_;                             // the response being written: head and body
  std::string out_body_;
  std::string raw_out_;
  // An action a Responder delivered while the handler ran (see deliver).
  std::optional<Action> inline_action_;
  bool in_handler_ = false;
  std::uint64_t id_;
  std::string remote_;
  std::uint64_t sequence_ = 0;
  std::uint64_t generation_ = 0;
  std::size_t drained_ = 0;
  State state_ = State::kReading;
  bool keep_alive_ = true;
  bool head_ = false;
  bool stop_requested_ = false;
};

ServerCore::ServerCore(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  if (!handler_)
    throw std::invalid_argument("http server: no request handler");
  if (options_.io_threads == 0)
    throw std::invalid_argument("http server: io_threads must be > 0");
  if (options_.max_connections == 0) {
    throw std::invalid_argument("http server: max_connections must be > 0");
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(options_.bind_address, ec);
  if (ec) {
    throw std::invalid_argument(fmt::format("http server: bind address {} is not an IP address",
                                            quote_excerpt(options_.bind_address)));
  }
  if (!options_.bearer_token.empty()) {
    auth_.emplace(options_.bearer_token);
  } else if (!is_loopback_address(options_.bind_address)) {
    throw std::invalid_argument(fmt::format(
        "http server: binding to {} (not loopback) requires a bearer token, so that other hosts "
        "cannot use the server unauthenticated",
        options_.bind_address));
  }
  if (options_.tls) {
    tls_.emplace(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3);
    tls_->use_certificate_chain(net::buffer(options_.tls->certificate_chain_pem), ec);
    if (ec) {
      throw std::invalid_argument(
          fmt::format("http server: unusable TLS certificate chain: {}", ec.message()));
    }
    tls_->use_private_key(net::buffer(options_.tls->private_key_pem), ssl::context::pem, ec);
    if (ec) {
      throw std::invalid_argument(
          fmt::format("http server: unusable TLS private key: {}", ec.message()));
    }
  }

  contexts_.reserve(options_.io_threads);
  work_.reserve(options_.io_threads);
  for (std::size_t i = 0; i < options_.io_threads; ++i) {
    contexts_.push_back(std::make_unique<net::io_context>(1));
    work_.push_back(net::make_work_guard(*contexts_.back()));
  }
  acceptor_ = std::make_unique<tcp::acceptor>(contexts_.front()->get_executor());
  accept_retry_ = std::make_unique<net::steady_timer>(acceptor_->get_executor());
  const tcp::endpoint endpoint(address, options_.port);
  auto check = [&](std::string_view what) {
    if (ec) {
      throw std::runtime_error(fmt::format("http server: cannot {} {}:{}: {}", what,
                                           options_.bind_address, options_.port, ec.message()));
    }
  };
  acceptor_->open(endpoint.protocol(), ec);
  check("open a socket for");
  acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  check("set SO_REUSEADDR for");
  acceptor_->bind(endpoint, ec);
  check("bind");
  acceptor_->listen(net::socket_base::max_listen_connections, ec);
  check("listen on");
  port_ = acceptor_->local_endpoint().port();
  const auto refusal_body =
      json_error_body("the server has too many open connections", "server_overloaded");
  refusal_ = fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: "
      "close\r\nContent-Length: {}\r\n\r\n{}",
      refusal_body.size(), refusal_body);

  accept();
  threads_.reserve(options_.io_threads);
  for (std::size_t i = 0; i < options_.io_threads; ++i) {
    threads_.emplace_back([this, context = contexts_[i].get()] {
      t_io_thread_owner = this;
      for (;;) {
        try {
          context->run();
          break;
        } catch (const std::exception& e) {
          spdlog::error("http server: unexpected exception on an I/O thread: {}", e.what());
        }
      }
    });
  }
}

ServerCore::~ServerCore() {
  try {
    stop(std::chrono::milliseconds(0));
  } catch (const std::exception& e) {
    spdlog::error("http server: {}", e.what());
    std::terminate();
  }
  // Sockets before the loop they belong to; the loop (and the sessions its
  // remaining handlers hold) before the TLS context they use.
  accept_retry_.reset();
  acceptor_.reset();
  contexts_.clear();
}

std::string ServerCore::base_url() const {
  const bool v6 = options_.bind_address.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", options_.tls ? "https" : "http", v6 ? "[" : "",
                     options_.bind_address, v6 ? "]" : "", port_);
}

bool ServerCore::authorized(std::string_view path, std::string_view authorization) const noexcept {
  if (!auth_)
    return true;
  for (const auto& exempt : options_.auth_exempt_paths) {
    if (path == exempt)
      return true;
  }
  return auth_->accepts(authorization);
}

void ServerCore::accept() {
  const Executor session_executor = contexts_[next_context_]->get_executor();
  next_context_ = (next_context_ + 1) % contexts_.size();
  acceptor_->async_accept(session_executor,
                          [this](beast::error_code ec, Socket s) { on_accept(ec, std::move(s)); });
}

void ServerCore::on_accept(beast::error_code ec, Socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_->is_open())
    return;
  if (ec) {
    // Typically out of file descriptors: pause instead of spinning.
    spdlog::warn("http server: accept failed: {}", ec.message());
    accept_retry_->expires_after(std::chrono::milliseconds(100));
    accept_retry_->async_wait([this](beast::error_code e) {
      if (!e && acceptor_->is_open())
        accept();
    });
    return;
  }
  stats_.accepted.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ignored;
  const auto peer = socket.remote_endpoint(ignored);
  auto remote = peer.address().is_v6()
                    ? fmt::format("[{}]:{}", peer.address().to_string(), peer.port())
                    : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  socket.set_option(tcp::no_delay(true), ignored);
  std::shared_ptr<SessionImpl<PlainStream>> plain;
  std::shared_ptr<SessionImpl<TlsStream>> secure;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && sessions_.size() < options_.max_connections) {
      const auto id = next_connection_id_++;
      if (options_.tls) {
        secure = std::make_shared<SessionImpl<TlsStream>>(*this, id, std::move(remote),
                                                          std::move(socket), *tls_);
        sessions_.emplace(secure.get(), secure);
      } else {
        plain = std::make_shared<SessionImpl<PlainStream>>(*this, id, std::move(remote),
                                                           std::move(socket));
        sessions_.emplace(plain.get(), plain);
      }
    }
  }
  if (secure) {
    secure->start();
  } else if (plain) {
    plain->start();
  } else {
    refuse(socket);
  }
  accept();
}

void ServerCore::refuse(Socket& socket) {
  stats_.refused.fetch_add(1, std::memory_order_relaxed);
  if (!options_.tls) {
    // Best effort and never blocking: the answer fits any socket buffer.
    [[maybe_unused]] const auto sent = ::send(socket.native_handle(), refusal_.data(),
                                              refusal_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  beast::error_code ignored;
  socket.close(ignored);
}

void ServerCore::unregister(Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  sessions_changed_.notify_all();
}

void ServerCore::stop(std::chrono::milliseconds grace) {
  if (t_io_thread_owner == this) {
    throw std::logic_error("HttpServer::stop (or its destructor) called from a request handler");
  }
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_)
    return;

  auto shut_down_all = [this](bool force) {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (auto& [ptr, weak] : sessions_) {
        if (auto s = weak.lock())
          sessions.push_back(std::move(s));
      }
    }
    for (auto& s : sessions)
      s->shut_down(force);
  };

  net::post(acceptor_->get_executor(), [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
    accept_retry_->cancel();
  });
  shut_down_all(false);
  {
    std::unique_lock lock(mutex_);
    sessions_changed_.wait_for(lock, grace, [this] { return sessions_.empty(); });
  }
  shut_down_all(true);
  {
    // Forced closes take one trip through each session's io_context; the bound only guards
    // against a handler that blocks its I/O thread.
    std::unique_lock lock(mutex_);
    if (!sessions_changed_.wait_for(lock, std::chrono::seconds(10),
                                    [this] { return sessions_.empty(); })) {
      spdlog::warn("http server: {} connections did not close within 10 s of stop()",
                   sessions_.size());
    }
  }
  work_.clear();
  for (auto& context : contexts_)
    context->stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  {
    std::lock_guard lock(gate_->mutex);
    gate_->open = false;
  }
  stopped_ = true;
}

HttpServerStats ServerCore::stats() const {
  HttpServerStats s;
  s.connections_accepted = stats_.accepted.load(std::memory_order_relaxed);
  s.connections_refused = stats_.refused.load(std::memory_order_relaxed);
  s.requests = stats_.requests.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.active_connections = sessions_.size();
  return s;
}

bool complete(const std::shared_ptr<detail::ResponderState>& state, Action action) {
  return state && state->complete(std::move(action));
}

}  // namespace

HttpResponse HttpResponse::json_error(int status, std::string_view message, std::string_view type) {
  HttpResponse r;
  r.status = status;
  r.body = json_error_body(message, type);
  return r;
}

bool Responder::respond(HttpResponse response) const {
  Action a;
  a.kind = Action::Kind::kRespond;
  a.response = std::move(response);
  return complete(state_, std::move(a));
}

bool Responder::respond_after(std::chrono::milliseconds delay, HttpResponse response) const {
  Action a;
  a.kind = Action::Kind::kRespondLater;
  a.delay = delay;
  a.response = std::move(response);
  return complete(state_, std::move(a));
}

bool Responder::reset_connection() const {
  Action a;
  a.kind = Action::Kind::kReset;
  return complete(state_, std::move(a));
}

bool Responder::hang() const {
  Action a;
  a.kind = Action::Kind::kHang;
  return complete(state_, std::move(a));
}

bool Responder::respond_truncated(HttpResponse response, std::size_t body_bytes_sent) const {
  Action a;
  a.kind = Action::Kind::kTruncate;
  a.response = std::move(response);
  a.truncate_at = body_bytes_sent;
  return complete(state_, std::move(a));
}

bool Responder::send_raw_and_close(std::string bytes) const {
  Action a;
  a.kind = Action::Kind::kRaw;
  a.raw = std::move(bytes);
  return complete(state_, std::move(a));
}

bool Responder::close_connection() const {
  Action a;
  a.kind = Action::Kind::kClose;
  return complete(state_, std::move(a));
}

bool Responder::completed() const noexcept {
  return !state_ || state_->used.load();
}

class HttpServer::Impl final : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const noexcept {
  return impl_->port();
}

std::string HttpServer::base_url() const {
  return impl_->base_url();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  impl_->stop(grace);
}

HttpServerStats HttpServer::stats() const {
  return impl_->stats();
}

}  // namespace lusifer
