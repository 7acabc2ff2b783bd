// The only translation unit of the client that includes Beast (see the
// contract in http_client.hpp).
//
// Structure: ClientCore owns the event loops (an io_context per I/O thread),
// the TLS context and one Origin (pool + queue) per scheme/host/port. A
// Connection is one socket that lives on one loop, so its handlers never run
// concurrently and need no strand (whose locks and reference counts were a
// measurable cost); it serves one Exchange (request + callback) at a time, and
// hands itself back to the pool when done. All pool state is guarded by one
// mutex, which is never held while a user callback runs.

#include "engine/http/http_client.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "engine/core/input_error.hpp"
#include "engine/http/incoming_message.hpp"
#include "engine/http/url.hpp"

namespace lusifer {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// Every I/O object names its executor type concretely: Beast's default
// any_io_executor costs a type-erased copy (and reference count) per
// operation, which showed up in profiles.
using Executor = net::io_context::executor_type;
using PlainStream = beast::basic_stream<tcp, Executor>;
using TlsStream = beast::ssl_stream<PlainStream>;
using Resolver = net::ip::basic_resolver<tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Executor>;

// Set on each I/O thread to the core it serves, so that calls which would
// deadlock there (stop, send_and_wait) can refuse instead.
thread_local const void* t_io_thread_owner = nullptr;

// Beast reads max(512, spare capacity) bytes at a time, and its parser empties
// the buffer after every read, so a buffer left to grow on demand stays at 512
// bytes and a 1.5 KB response costs several recv calls. Reserved per
// connection, a response of up to this size arrives in one.
constexpr std::size_t kReadBufferBytes = 16 * 1024;

std::string_view sv(beast::string_view s) noexcept {
  return {s.data(), s.size()};
}

bool is_http_parse_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_version).category();
}

bool is_tls_error(const beast::error_code& ec) {
  return &ec.category() == &net::error::get_ssl_category() ||
         &ec.category() == &ssl::error::get_stream_category();
}

std::chrono::microseconds micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d);
}

// Parses a response straight into the HttpResult parts, sparing Beast's
// field container and a copy of every header. IncomingMessage holds the
// fields and body and checks the body limit against Content-Length.
class ResponseParser final : public http::basic_parser<false> {
 public:
  // LLM servers send a dozen or two fields.
  explicit ResponseParser(std::size_t body_limit) : message_(body_limit, 24) {
    this->body_limit(body_limit);
  }

  int status() const noexcept { return status_; }
  HttpHeaders& headers() noexcept { return message_.headers(); }
  std::string& body() noexcept { return message_.body(); }

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code& ec) override {
    ec = http::error::bad_method;  // never called for responses
  }

  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    status_ = code;
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
  int status_ = 0;
};

class Connection;
class ClientCore;

// One request and everything needed to answer it, moved between queue and
// connections. The request survives a failed write so it can be re-sent.
// Its head is serialized once, in send(), and goes out with the body in one
// gathered write: Beast's field container and serializer cost allocations
// and showed up in profiles.
struct Exchange {
  std::string request_head;  // request line and header fields, up to the empty line
  std::string body;
  std::shared_ptr<const std::string> shared_body;  // used instead of body when set
  HttpClient::Callback on_done;
  Clock::time_point submitted;
  Clock::time_point started;
  Clock::time_point deadline;
  std::chrono::milliseconds timeout{0};
  std::chrono::microseconds connect_time{0};
  bool has_started = false;
  bool head = false;
  bool resent = false;
  bool sent = false;
  bool reused = false;
};
using ExchangePtr = std::unique_ptr<Exchange>;

// A request URL with what send() derives from it. Callers send to one
// endpoint over and over, so each thread keeps the last one it parsed:
// parsing, the origin key and the Host header were about 4% of a request's
// client instructions.
struct ParsedUrl {
  std::string text;
  Url url;
  std::string origin;  // the key of origins_
  std::string host_header;
};

// Throws std::invalid_argument as parse_url does. The reference is valid
// until the thread's next call: read it before anything that may call back
// into send() (a rejection's callback).
const ParsedUrl& parsed_url(const std::string& text) {
  thread_local ParsedUrl last;
  if (last.text != text || last.text.empty()) {
    ParsedUrl parsed;
    parsed.url = parse_url(text);
    parsed.origin = parsed.url.origin();
    parsed.host_header = parsed.url.host_header();
    parsed.text = text;
    last = std::move(parsed);
  }
  return last;
}

// The pool and queue of one scheme://host:port. Guarded by ClientCore::mutex_.
struct Origin {
  Url url;  // target unused
  std::string port_text;
  std::optional<net::ip::address> literal;        // set when the host is an IP address
  std::vector<std::shared_ptr<Connection>> idle;  // most recently used last
  std::size_t open = 0;                           // connecting, busy or idle
  std::deque<ExchangePtr> queue;
  std::unique_ptr<net::steady_timer> queue_timer;
  bool queue_timer_armed = false;
  Clock::time_point queue_timer_at;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ClientCore& core, Origin& origin, Executor executor)
      : core_(core), origin_(origin), executor_(std::move(executor)) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The loop of the I/O thread the connection lives on.
  const Executor& executor() const noexcept { return executor_; }
  Origin& origin() noexcept { return origin_; }

  // On the connection's thread: serve `ex`.
  virtual void start(ExchangePtr ex) = 0;
  // On the connection's thread: abort whatever is in progress; the exchange
  // gets kCancelled.
  virtual void cancel() = 0;
  // On the connection's thread: close the socket of a connection that serves
  // nothing.
  virtual void close_now() = 0;
  // On any thread, only while the connection sits idle in the pool: true if
  // the peer has neither closed the connection nor sent unexpected bytes.
  virtual bool looks_alive() = 0;

  Clock::time_point idle_since;

 protected:
  ClientCore& core_;
  Origin& origin_;
  Executor executor_;
};

struct AtomicStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> connections_reused{0};
  std::atomic<std::uint64_t> stale_discarded{0};
  std::atomic<std::uint64_t> resends{0};
  std::atomic<std::uint64_t> overloaded{0};
};

class ClientCore {
 public:
  explicit ClientCore(HttpClientOptions options);
  ~ClientCore();

  void send(HttpRequest request, HttpClient::Callback on_done);
  HttpResult send_and_wait(HttpRequest request);
  void stop();
  HttpClientStats stats() const;

  // --- used by connections ------------------------------------------------
  const HttpClientOptions& options() const noexcept { return options_; }
  ssl::context& tls_context() noexcept { return *tls_; }
  AtomicStats& counters() noexcept { return stats_; }

  // On the connection's thread, after its exchange finished. Hands the
  // connection the next queued exchange or puts it in the idle pool; returns
  // false when the connection must close instead (not reusable, or stopping).
  bool release(const std::shared_ptr<Connection>& conn, bool reusable);
  // On the connection's thread: `conn` is closed and `ex` goes out again on a
  // fresh connection (see "Retries" in the header).
  void resend(const std::shared_ptr<Connection>& conn, ExchangePtr ex);
  // Invokes the callback of a finished exchange. On an I/O thread.
  void deliver(ExchangePtr ex, HttpResult result);

 private:
  void submit(ExchangePtr ex, const ParsedUrl& target);
  Origin& origin_for(const ParsedUrl& target);                  // mutex held
  std::shared_ptr<Connection> make_connection(Origin& origin);  // mutex held
  // Pops the first queued exchange whose deadline has not passed; expired ones
  // go to `expired`. Mutex held.
  ExchangePtr pop_queued(Origin& origin, std::vector<ExchangePtr>& expired);
  void arm_queue_timer(Origin& origin, Clock::time_point at);  // mutex held
  void on_queue_timer(Origin& origin, beast::error_code ec);
  void schedule_reaper();
  void on_reaper(beast::error_code ec);
  // Completes `ex` with an error from a thread that may not be an I/O thread.
  void reject(ExchangePtr ex, HttpError error, std::string message);
  void fail_expired(std::vector<ExchangePtr> expired);
  void finish_outstanding();

  HttpClientOptions options_;
  std::optional<ssl::context> tls_;
  AtomicStats stats_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Origin>> origins_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
  bool stopping_flag_ = false;  // guarded by mutex_; mirrors stopping_

  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> outstanding_{0};
  std::mutex drain_mutex_;
  std::condition_variable drained_;
  std::mutex stop_mutex_;
  bool stopped_ = false;

  // Declared last among the loops' users: destroyed first (see ~ClientCore).
  // One loop per I/O thread. Connections are dealt to them in turn; the
  // shared timers and rejected exchanges use the first.
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<Executor>> work_;
  std::size_t next_context_ = 0;  // guarded by mutex_
  std::unique_ptr<net::steady_timer> reaper_;
  std::vector<std::thread> threads_;
};

template <class Stream>
class ConnectionImpl final : public Connection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  ConnectionImpl(ClientCore& core, Origin& origin, const Executor& executor)
      : Connection(core, origin, executor), stream_(make_stream(core, executor)) {
    buffer_.reserve(kReadBufferBytes);
  }

  void start(ExchangePtr ex) override {
    ex_ = std::move(ex);
    attempt_started_ = Clock::now();
    if (!ex_->has_started) {
      ex_->has_started = true;
      ex_->started = attempt_started_;
    }
    ex_->reused = connected_;
    if (cancelled_) {
      fail(HttpError::kCancelled, "the client is stopping");
      return;
    }
    if (attempt_started_ >= ex_->deadline) {
      fail(HttpError::kTimeout, fmt::format("timed out after {} ms while queued for a connection",
                                            ex_->timeout.count()));
      return;
    }
    if (connected_) {
      core_.counters().connections_reused.fetch_add(1, std::memory_order_relaxed);
      write();
    } else {
      connect();
    }
  }

  void cancel() override {
    cancelled_ = true;
    if (!ex_) {
      close_now();
      return;
    }
    if (phase_ == Phase::kResolving) {
      if (resolver_)
        resolver_->cancel();
      fail(HttpError::kCancelled, "the client is stopping");
      return;
    }
    beast::get_lowest_layer(stream_).cancel();
  }

  void close_now() override {
    phase_ = Phase::kClosed;
    connected_ = false;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  bool looks_alive() override {
    auto& socket = beast::get_lowest_layer(stream_).socket();
    if (!connected_ || !socket.is_open())
      return false;
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

 private:
  enum class Phase { kIdle, kResolving, kConnecting, kHandshaking, kWriting, kReading, kClosed };

  static Stream make_stream(ClientCore& core, const Executor& executor) {
    if constexpr (kTls) {
      return Stream(executor, core.tls_context());
    } else {
      (void)core;
      return Stream(executor);
    }
  }

  std::shared_ptr<ConnectionImpl> self() {
    return std::static_pointer_cast<ConnectionImpl>(shared_from_this());
  }

  // --- connecting ---------------------------------------------------------

  void connect() {
    core_.counters().connections_opened.fetch_add(1, std::memory_order_relaxed);
    const auto limit = attempt_started_ + core_.options().connect_timeout;
    connect_deadline_ = std::min(ex_->deadline, limit);
    connect_limited_by_request_ = ex_->deadline <= limit;
    if (origin_.literal) {
      phase_ = Phase::kConnecting;
      auto& lowest = beast::get_lowest_layer(stream_);
      lowest.expires_at(connect_deadline_);
      lowest.async_connect(tcp::endpoint(*origin_.literal, origin_.url.port),
                           [self = self()](beast::error_code ec) { self->on_connected(ec); });
      return;
    }
    phase_ = Phase::kResolving;
    resolver_.emplace(executor_);
    resolve_timer_.emplace(executor_);
    resolve_timer_->expires_at(connect_deadline_);
    resolve_timer_->async_wait([self = self()](beast::error_code ec) {
      if (ec || self->phase_ != Phase::kResolving)
        return;
      // getaddrinfo cannot be interrupted; give up on it now and let its late
      // completion find the connection in another phase.
      self->resolver_->cancel();
      self->fail_connect_timeout();
    });
    resolver_->async_resolve(origin_.url.host, origin_.port_text,
                             [self = self()](beast::error_code ec, Resolver::results_type results) {
                               self->on_resolved(ec, std::move(results));
                             });
  }

  void on_resolved(beast::error_code ec, Resolver::results_type results) {
    if (phase_ != Phase::kResolving)
      return;
    resolve_timer_->cancel();
    if (cancelled_) {
      fail(HttpError::kCancelled, "the client is stopping");
      return;
    }
    if (ec) {
      fail(HttpError::kResolveFailed,
           fmt::format("cannot resolve {}: {}", origin_.url.host, ec.message()));
      return;
    }
    phase_ = Phase::kConnecting;
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_at(connect_deadline_);
    lowest.async_connect(results, [self = self()](beast::error_code e, const tcp::endpoint&) {
      self->on_connected(e);
    });
  }

  void fail_connect_timeout() {
    if (connect_limited_by_request_) {
      fail(HttpError::kTimeout, fmt::format("timed out after {} ms while connecting to {}",
                                            ex_->timeout.count(), origin_.url.host_header()));
    } else {
      fail(HttpError::kConnectFailed,
           fmt::format("connecting to {} timed out after {} ms", origin_.url.host_header(),
                       core_.options().connect_timeout.count()));
    }
  }

  // True when the peer's close came so soon after the request went out that
  // the close must have been under way before the request could be read:
  // within two round trips (the kernel's smoothed RTT of this connection)
  // plus resend_window_slack.
  bool closed_promptly() {
    auto rtt = std::chrono::microseconds(1000);
    tcp_info info{};
    socklen_t size = sizeof info;
    if (::getsockopt(beast::get_lowest_layer(stream_).socket().native_handle(), IPPROTO_TCP,
                     TCP_INFO, &info, &size) == 0 &&
        info.tcpi_rtt > 0) {
      rtt = std::chrono::microseconds(info.tcpi_rtt);
    }
    return Clock::now() - write_started_ <= 2 * rtt + core_.options().resend_window_slack;
  }

  // Operations that completed just before a cancel() report success; this
  // stops the chain before it starts the next operation.
  bool stopped_by_cancel() {
    if (!cancelled_)
      return false;
    fail(HttpError::kCancelled, "the client is stopping");
    return true;
  }

  void on_connected(beast::error_code ec) {
    if (!ec && stopped_by_cancel())
      return;
    if (ec) {
      if (cancelled_) {
        fail(HttpError::kCancelled, "the client is stopping");
      } else if (ec == beast::error::timeout) {
        fail_connect_timeout();
      } else {
        fail(HttpError::kConnectFailed,
             fmt::format("cannot connect to {}: {}", origin_.url.host_header(), ec.message()));
      }
      return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kTls) {
      // SNI carries host names only (RFC 6066 §3).
      if (!origin_.literal &&
          SSL_set_tlsext_host_name(stream_.native_handle(), origin_.url.host.c_str()) != 1) {
        fail(HttpError::kTlsError, "cannot set the TLS server name");
        return;
      }
      if (!core_.options().dangerously_disable_tls_verification) {
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(origin_.url.host));
      }
      phase_ = Phase::kHandshaking;
      beast::get_lowest_layer(stream_).expires_at(connect_deadline_);
      stream_.async_handshake(ssl::stream_base::client,
                              [self = self()](beast::error_code e) { self->on_handshake(e); });
    } else {
      connected();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (!ec && stopped_by_cancel())
      return;
    if (ec) {
      if (cancelled_) {
        fail(HttpError::kCancelled, "the client is stopping");
      } else if (ec == beast::error::timeout) {
        fail_connect_timeout();
      } else {
        std::string detail = ec.message();
        if constexpr (kTls) {
          const long verify = SSL_get_verify_result(stream_.native_handle());
          if (verify != X509_V_OK) {
            detail = fmt::format("certificate verification failed: {}",
                                 X509_verify_cert_error_string(verify));
          }
        }
        fail(HttpError::kTlsError,
             fmt::format("TLS handshake with {} failed: {}", origin_.url.host_header(), detail));
      }
      return;
    }
    connected();
  }

  void connected() {
    connected_ = true;
    ex_->connect_time = micros(Clock::now() - attempt_started_);
    write();
  }

  // --- exchanging ---------------------------------------------------------

  void write() {
    phase_ = Phase::kWriting;
    ex_->sent = true;
    write_started_ = Clock::now();
    beast::get_lowest_layer(stream_).expires_at(ex_->deadline);
    const std::string_view body = ex_->shared_body ? *ex_->shared_body : ex_->body;
    const std::array<net::const_buffer, 2> buffers{net::buffer(ex_->request_head),
                                                   net::buffer(body.data(), body.size())};
    net::async_write(stream_, buffers, [self = self()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->on_transfer_error(ec, /*during_write=*/true);
      } else if (!self->stopped_by_cancel()) {
        self->read();
      }
    });
  }

  void read() {
    phase_ = Phase::kReading;
    parser_.emplace(core_.options().max_response_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(core_.options().max_response_header_bytes, UINT32_MAX)));
    if (ex_->head)
      parser_->skip(true);
    beast::get_lowest_layer(stream_).expires_at(ex_->deadline);
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      on_transfer_error(ec, /*during_write=*/false);
      return;
    }
    const int status = parser_->status();
    if (status >= 100 && status < 200 && status != 101) {
      if (!stopped_by_cancel())
        read();  // an interim response; the real one follows
      return;
    }
    HttpResult result;
    result.status = status;
    result.headers = std::move(parser_->headers());
    result.body = std::move(parser_->body());
    // Left-over bytes would be parsed as the next response: never reuse then.
    const bool reusable = parser_->keep_alive() && buffer_.size() == 0 && status != 101;
    parser_.reset();
    finish(std::move(result), reusable);
  }

  void on_transfer_error(beast::error_code ec, bool during_write) {
    const bool nothing_received = buffer_.size() == 0 && (!parser_ || !parser_->got_some());
    parser_.reset();
    if (cancelled_) {
      fail(HttpError::kCancelled, "the client is stopping");
      return;
    }
    if (ec == beast::error::timeout) {
      fail(HttpError::kTimeout, fmt::format("no complete response from {} within {} ms",
                                            origin_.url.host_header(), ex_->timeout.count()));
      return;
    }
    if (ec == http::error::body_limit) {
      fail(HttpError::kResponseTooLarge, fmt::format("the response body exceeds {} bytes",
                                                     core_.options().max_response_body_bytes));
      return;
    }
    if (ec == http::error::header_limit) {
      fail(HttpError::kResponseTooLarge, fmt::format("the response headers exceed {} bytes",
                                                     core_.options().max_response_header_bytes));
      return;
    }
    const bool peer_closed = ec == http::error::end_of_stream || ec == net::error::eof ||
                             ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                             ec == net::error::connection_aborted ||
                             ec == ssl::error::stream_truncated;
    if (ex_->reused && !ex_->resent && nothing_received &&
        (during_write || (peer_closed && closed_promptly()))) {
      ex_->resent = true;
      core_.counters().resends.fetch_add(1, std::memory_order_relaxed);
      close_now();
      core_.resend(shared_from_this(), std::move(ex_));
      return;
    }
    if (ec == http::error::end_of_stream) {
      fail(HttpError::kConnectionReset,
           fmt::format("{} closed the connection without answering", origin_.url.host_header()));
    } else if (ec == http::error::partial_message) {
      fail(HttpError::kConnectionReset,
           fmt::format("{} closed the connection before the response was complete",
                       origin_.url.host_header()));
    } else if (is_http_parse_error(ec)) {
      fail(HttpError::kMalformedResponse,
           fmt::format("malformed response from {}: {}", origin_.url.host_header(), ec.message()));
    } else if (is_tls_error(ec)) {
      if (ec == ssl::error::stream_truncated) {
        fail(HttpError::kConnectionReset,
             fmt::format("{} closed the TLS connection {}", origin_.url.host_header(),
                         nothing_received ? "without answering" : "mid-response"));
      } else {
        fail(HttpError::kTlsError,
             fmt::format("TLS error with {}: {}", origin_.url.host_header(), ec.message()));
      }
    } else {
      fail(
          HttpError::kConnectionReset,
          fmt::format("connection to {} failed while {}: {}", origin_.url.host_header(),
                      during_write ? "sending the request" : "reading the response", ec.message()));
    }
  }

  void fail(HttpError error, std::string message) {
    HttpResult result;
    result.error = error;
    result.error_message = std::move(message);
    // A connection that failed while connecting or transferring is unusable;
    // one that only refused to start (expired in the queue) is fine.
    const bool reusable = connected_ && (phase_ == Phase::kIdle) && !cancelled_;
    finish(std::move(result), reusable);
  }

  void finish(HttpResult result, bool reusable) {
    auto ex = std::move(ex_);
    result.request_sent = ex->sent;
    result.reused_connection = ex->reused;
    result.resent = ex->resent;
    result.timings.connect = ex->connect_time;
    if (!reusable) {
      close_now();
    } else {
      phase_ = Phase::kIdle;
      if (buffer_.capacity() > 64 * 1024) {
        buffer_.shrink_to_fit();
        buffer_.reserve(kReadBufferBytes);
      }
    }
    if (!core_.release(shared_from_this(), reusable) && reusable)
      close_now();
    core_.deliver(std::move(ex), std::move(result));
  }

  Stream stream_;
  std::optional<Resolver> resolver_;
  std::optional<Timer> resolve_timer_;
  beast::flat_buffer buffer_;
  std::optional<ResponseParser> parser_;
  ExchangePtr ex_;
  Clock::time_point attempt_started_;
  Clock::time_point write_started_;
  Phase phase_ = Phase::kIdle;
  Clock::time_point connect_deadline_;
  bool connect_limited_by_request_ = false;
  bool connected_ = false;
  bool cancelled_ = false;
};

ClientCore::ClientCore(HttpClientOptions options) : options_(std::move(options)) {
  if (options_.io_threads == 0)
    throw std::invalid_argument("http client: io_threads must be > 0");
  if (options_.max_connections_per_origin == 0) {
    throw std::invalid_argument("http client: max_connections_per_origin must be > 0");
  }
  tls_.emplace(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  tls_->set_default_verify_paths(ec);
  if (ec)
    spdlog::warn("http client: cannot load the system CA store: {}", ec.message());
  if (!options_.ca_file.empty()) {
    tls_->load_verify_file(options_.ca_file, ec);
    if (ec) {
      throw std::invalid_argument(
          fmt::format("http client: cannot load CA file {}: {}", options_.ca_file, ec.message()));
    }
  }
  if (options_.dangerously_disable_tls_verification) {
    spdlog::warn(
        "http client: TLS certificate and host name verification are DISABLED; any server can "
        "impersonate any host");
    tls_->set_verify_mode(ssl::verify_none);
  } else {
    tls_->set_verify_mode(ssl::verify_peer);
  }

  contexts_.reserve(options_.io_threads);
  work_.reserve(options_.io_threads);
  for (std::size_t i = 0; i < options_.io_threads; ++i) {
    contexts_.push_back(std::make_unique<net::io_context>(1));
    work_.push_back(net::make_work_guard(*contexts_.back()));
  }
  reaper_ = std::make_unique<net::steady_timer>(*contexts_.front());
  schedule_reaper();
  threads_.reserve(options_.io_threads);
  for (std::size_t i = 0; i < options_.io_threads; ++i) {
    threads_.emplace_back([this, context = contexts_[i].get()] {
      t_io_thread_owner = this;
      for (;;) {
        try {
          context->run();
          break;
        } catch (const std::exception& e) {
          spdlog::error("http client: unexpected exception on an I/O thread: {}", e.what());
        }
      }
    });
  }
}

ClientCore::~ClientCore() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("http client: {}", e.what());
    std::terminate();
  }
  // Pooled connections own sockets of the loop: drop them before it goes.
  // Handlers still queued in the loop (and the connections they hold) go with
  // it; the TLS context they use is destroyed after.
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, origin] : origins_) {
      origin->idle.clear();
      origin->queue_timer.reset();
    }
  }
  reaper_.reset();
  contexts_.clear();
}

void ClientCore::schedule_reaper() {
  const auto period = std::max<std::chrono::milliseconds>(options_.idle_timeout / 4,
                                                          std::chrono::milliseconds(250));
  reaper_->expires_after(period);
  reaper_->async_wait([this](beast::error_code ec) { on_reaper(ec); });
}

void ClientCore::on_reaper(beast::error_code ec) {
  if (ec)
    return;
  std::vector<std::shared_ptr<Connection>> expired;
  {
    std::lock_guard lock(mutex_);
    if (stopping_flag_)
      return;
    const auto cutoff = Clock::now() - options_.idle_timeout;
    for (auto& [key, origin] : origins_) {
      auto& idle = origin->idle;
      for (auto it = idle.begin(); it != idle.end();) {
        if ((*it)->idle_since <= cutoff) {
          live_.erase(it->get());
          --origin->open;
          expired.push_back(std::move(*it));
          it = idle.erase(it);
        } else {
          ++it;
        }
      }
    }
    schedule_reaper();
  }
  for (auto& conn : expired) {
    net::post(conn->executor(), [conn] { conn->close_now(); });
  }
}

Origin& ClientCore::origin_for(const ParsedUrl& target) {
  auto it = origins_.find(target.origin);
  if (it != origins_.end())
    return *it->second;
  const Url& url = target.url;
  auto origin = std::make_unique<Origin>();
  origin->url = url;
  origin->url.target = "/";
  origin->port_text = std::to_string(url.port);
  beast::error_code ec;
  auto address = net::ip::make_address(url.host, ec);
  if (!ec)
    origin->literal = address;
  origin->queue_timer = std::make_unique<net::steady_timer>(*contexts_.front());
  return *origins_.emplace(target.origin, std::move(origin)).first->second;
}

std::shared_ptr<Connection> ClientCore::make_connection(Origin& origin) {
  const Executor executor = contexts_[next_context_]->get_executor();
  next_context_ = (next_context_ + 1) % contexts_.size();
  std::shared_ptr<Connection> conn;
  if (origin.url.scheme == UrlScheme::kHttps) {
    conn = std::make_shared<ConnectionImpl<TlsStream>>(*this, origin, executor);
  } else {
    conn = std::make_shared<ConnectionImpl<PlainStream>>(*this, origin, executor);
  }
  live_.emplace(conn.get(), conn);
  ++origin.open;
  return conn;
}

void ClientCore::send(HttpRequest request, HttpClient::Callback on_done) {
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  auto ex = std::make_unique<Exchange>();
  ex->submitted = Clock::now();
  ex->on_done = std::move(on_done);
  ex->timeout = request.timeout.value_or(options_.request_timeout);
  ex->deadline = ex->submitted + ex->timeout;
  ex->head = request.method == HttpMethod::kHead;

  outstanding_.fetch_add(1);
  if (stopping_.load()) {
    HttpResult result;
    result.error = HttpError::kCancelled;
    result.error_message = "the client is stopping";
    result.timings.total = micros(Clock::now() - ex->submitted);
    auto callback = std::move(ex->on_done);
    finish_outstanding();
    if (callback)
      callback(std::move(result));
    return;
  }

  const ParsedUrl* target = nullptr;
  try {
    target = &parsed_url(request.url);
  } catch (const std::invalid_argument& e) {
    reject(std::move(ex), HttpError::kInvalidRequest, e.what());
    return;
  }
  const Url& url = target->url;
  for (const auto& field : request.headers) {
    if (!is_valid_field_name(field.name) || !is_valid_field_value(field.value)) {
      reject(std::move(ex), HttpError::kInvalidRequest,
             fmt::format("invalid header field {}: {}", quote_excerpt(field.name),
                         quote_excerpt(field.value)));
      return;
    }
    if (iequals(field.name, "host") || iequals(field.name, "content-length") ||
        iequals(field.name, "transfer-encoding")) {
      reject(std::move(ex), HttpError::kInvalidRequest,
             fmt::format("the {} header is set by the client", field.name));
      return;
    }
  }

  if (request.shared_body && !request.body.empty()) {
    reject(std::move(ex), HttpError::kInvalidRequest,
           "a request has either a body or a shared body, not both");
    return;
  }
  ex->body = std::move(request.body);
  ex->shared_body = std::move(request.shared_body);
  const std::size_t body_size = ex->shared_body ? ex->shared_body->size() : ex->body.size();
  std::string& head = ex->request_head;
  head.reserve(128 + url.target.size() + options_.user_agent.size() + 64 * request.headers.size());
  head += method_name(request.method);
  head += ' ';
  head += url.target;
  head += " HTTP/1.1\r\nHost: ";
  head += target->host_header;
  head += "\r\n";
  if (!request.headers.contains("user-agent") && !options_.user_agent.empty()) {
    head += "User-Agent: ";
    head += options_.user_agent;
    head += "\r\n";
  }
  for (const auto& field : request.headers) {
    head += field.name;
    head += ": ";
    head += field.value;
    head += "\r\n";
  }
  // As Beast's prepare_payload: a length for any body, and an explicit zero
  // for the methods whose requests are expected to carry one.
  if (body_size > 0 || request.method == HttpMethod::kPost || request.method == HttpMethod::kPut ||
      request.method == HttpMethod::kOptions) {
    fmt::format_to(std::back_inserter(head), "Content-Length: {}\r\n", body_size);
  }
  head += "\r\n";
  submit(std::move(ex), *target);
}

void ClientCore::submit(ExchangePtr ex, const ParsedUrl& target) {
  std::shared_ptr<Connection> conn;
  std::vector<std::shared_ptr<Connection>> stale;
  bool overloaded = false;
  bool cancelled = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_flag_) {
      cancelled = true;
    } else {
      Origin& origin = origin_for(target);
      while (!origin.idle.empty()) {
        auto candidate = std::move(origin.idle.back());
        origin.idle.pop_back();
        if (candidate->idle_since + options_.idle_timeout > ex->submitted &&
            candidate->looks_alive()) {
          conn = std::move(candidate);
          break;
        }
        live_.erase(candidate.get());
        --origin.open;
        stale.push_back(std::move(candidate));
      }
      if (!conn) {
        if (origin.open < options_.max_connections_per_origin) {
          conn = make_connection(origin);
        } else if (origin.queue.size() < options_.max_queued_per_origin) {
          arm_queue_timer(origin, ex->deadline);
          origin.queue.push_back(std::move(ex));
        } else {
          overloaded = true;
        }
      }
    }
  }
  stats_.stale_discarded.fetch_add(stale.size(), std::memory_order_relaxed);
  for (auto& s : stale)
    net::post(s->executor(), [s] { s->close_now(); });
  if (cancelled) {
    reject(std::move(ex), HttpError::kCancelled, "the client is stopping");
  } else if (overloaded) {
    stats_.overloaded.fetch_add(1, std::memory_order_relaxed);
    reject(std::move(ex), HttpError::kOverloaded,
           fmt::format("{} has {} connections busy and {} requests queued; the queue is full",
                       target.origin, options_.max_connections_per_origin,
                       options_.max_queued_per_origin));
  } else if (conn) {
    net::post(conn->executor(),
              [conn, ex = std::move(ex)]() mutable { conn->start(std::move(ex)); });
  }
}

ExchangePtr ClientCore::pop_queued(Origin& origin, std::vector<ExchangePtr>& expired) {
  const auto now = Clock::now();
  while (!origin.queue.empty()) {
    auto ex = std::move(origin.queue.front());
    origin.queue.pop_front();
    if (ex->deadline > now)
      return ex;
    expired.push_back(std::move(ex));
  }
  return nullptr;
}

void ClientCore::arm_queue_timer(Origin& origin, Clock::time_point at) {
  if (origin.queue_timer_armed && origin.queue_timer_at <= at)
    return;
  origin.queue_timer_armed = true;
  origin.queue_timer_at = at;
  origin.queue_timer->expires_at(at);
  origin.queue_timer->async_wait(
      [this, &origin](beast::error_code ec) { on_queue_timer(origin, ec); });
}

void ClientCore::on_queue_timer(Origin& origin, beast::error_code ec) {
  if (ec)
    return;  // re-armed or stopping
  std::vector<ExchangePtr> expired;
  {
    std::lock_guard lock(mutex_);
    origin.queue_timer_armed = false;
    if (stopping_flag_)
      return;
    const auto now = Clock::now();
    std::deque<ExchangePtr> keep;
    auto earliest = Clock::time_point::max();
    for (auto& ex : origin.queue) {
      if (ex->deadline <= now) {
        expired.push_back(std::move(ex));
      } else {
        earliest = std::min(earliest, ex->deadline);
        keep.push_back(std::move(ex));
      }
    }
    origin.queue.swap(keep);
    if (!origin.queue.empty())
      arm_queue_timer(origin, earliest);
  }
  fail_expired(std::move(expired));
}

void ClientCore::fail_expired(std::vector<ExchangePtr> expired) {
  for (auto& ex : expired) {
    HttpResult result;
    result.error = HttpError::kTimeout;
    result.error_message =
        fmt::format("timed out after {} ms while queued for a connection", ex->timeout.count());
    deliver(std::move(ex), std::move(result));
  }
}

bool ClientCore::release(const std::shared_ptr<Connection>& conn, bool reusable) {
  ExchangePtr next;
  std::shared_ptr<Connection> spawned;
  std::vector<ExchangePtr> expired;
  bool kept = false;
  {
    std::lock_guard lock(mutex_);
    Origin& origin = conn->origin();
    if (reusable && !stopping_flag_) {
      kept = true;
      next = pop_queued(origin, expired);
      if (!next) {
        conn->idle_since = Clock::now();
        origin.idle.push_back(conn);
      }
    } else {
      live_.erase(conn.get());
      --origin.open;
      if (!stopping_flag_) {
        next = pop_queued(origin, expired);
        if (next)
          spawned = make_connection(origin);
      }
    }
  }
  if (next) {
    // Posted rather than called: starting may complete at once, and a chain of
    // such completions must not grow the stack.
    auto target = spawned ? spawned : conn;
    net::post(target->executor(),
              [target, ex = std::move(next)]() mutable { target->start(std::move(ex)); });
  }
  fail_expired(std::move(expired));
  return kept;
}

void ClientCore::resend(const std::shared_ptr<Connection>& conn, ExchangePtr ex) {
  std::shared_ptr<Connection> fresh;
  {
    std::lock_guard lock(mutex_);
    Origin& origin = conn->origin();
    live_.erase(conn.get());
    --origin.open;
    if (!stopping_flag_)
      fresh = make_connection(origin);
  }
  if (!fresh) {
    HttpResult result;
    result.error = HttpError::kCancelled;
    result.error_message = "the client is stopping";
    result.request_sent = true;
    deliver(std::move(ex), std::move(result));
    return;
  }
  net::post(fresh->executor(),
            [fresh, ex = std::move(ex)]() mutable { fresh->start(std::move(ex)); });
}

void ClientCore::deliver(ExchangePtr ex, HttpResult result) {
  const auto now = Clock::now();
  result.timings.total = micros(now - ex->submitted);
  result.timings.queue_wait = micros((ex->has_started ? ex->started : now) - ex->submitted);
  if (ex->on_done) {
    try {
      ex->on_done(std::move(result));
    } catch (const std::exception& e) {
      spdlog::error("http client: a callback threw: {}", e.what());
    } catch (...) {
      spdlog::error("http client: a callback threw a non-standard exception");
    }
  }
  ex.reset();
  finish_outstanding();
}

void ClientCore::finish_outstanding() {
  if (outstanding_.fetch_sub(1) == 1 && stopping_.load()) {
    std::lock_guard lock(drain_mutex_);
    drained_.notify_all();
  }
}

void ClientCore::reject(ExchangePtr ex, HttpError error, std::string message) {
  HttpResult result;
  result.error = error;
  result.error_message = std::move(message);
  // Threads run until every outstanding exchange is delivered (see stop), so
  // the posted delivery always runs.
  net::post(*contexts_.front(), [this, ex = std::move(ex), result = std::move(result)]() mutable {
    deliver(std::move(ex), std::move(result));
  });
}

void ClientCore::stop() {
  if (t_io_thread_owner == this) {
    throw std::logic_error("HttpClient::stop (or its destructor) called from a client callback");
  }
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_)
    return;
  std::vector<ExchangePtr> queued;
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mutex_);
    stopping_flag_ = true;
    stopping_.store(true);
    for (auto& [key, origin] : origins_) {
      for (auto& ex : origin->queue)
        queued.push_back(std::move(ex));
      origin->queue.clear();
      origin->queue_timer->cancel();
      origin->open -= origin->idle.size();  // busy ones leave through release()
      origin->idle.clear();
    }
    for (auto& [ptr, weak] : live_) {
      if (auto conn = weak.lock())
        connections.push_back(std::move(conn));
    }
    live_.clear();
    reaper_->cancel();
  }
  for (auto& ex : queued) {
    reject(std::move(ex), HttpError::kCancelled, "the client is stopping");
  }
  for (auto& conn : connections) {
    net::post(conn->executor(), [conn] { conn->cancel(); });
  }
  connections.clear();
  {
    std::unique_lock lock(drain_mutex_);
    drained_.wait(lock, [this] { return outstanding_.load() == 0; });
  }
  work_.clear();
  for (auto& context : contexts_)
    context->stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  stopped_ = true;
}

HttpResult ClientCore::send_and_wait(HttpRequest request) {
  if (t_io_thread_owner == this) {
    throw std::logic_error("HttpClient::send_and_wait called from a client callback");
  }
  auto promise = std::make_shared<std::promise<HttpResult>>();
  auto future = promise->get_future();
  send(std::move(request), [promise](HttpResult result) { promise->set_value(std::move(result)); });
  return future.get();
}

HttpClientStats ClientCore::stats() const {
  HttpClientStats s;
  s.requests = stats_.requests.load(std::memory_order_relaxed);
  s.connections_opened = stats_.connections_opened.load(std::memory_order_relaxed);
  s.connections_reused = stats_.connections_reused.load(std::memory_order_relaxed);
  s.stale_connections_discarded = stats_.stale_discarded.load(std::memory_order_relaxed);
  s.resends = stats_.resends.load(std::memory_order_relaxed);
  s.overloaded = stats_.overloaded.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  for (const auto& [key, origin] : origins_) {
    s.open_connections += origin->open;
    s.queued_requests += origin->queue.size();
  }
  return s;
}

}  // namespace

std::string_view http_error_name(HttpError error) noexcept {
  switch (error) {
    case HttpError::kNone:
      return "none";
    case HttpError::kInvalidRequest:
      return "invalid_request";
    case HttpError::kResolveFailed:
      return "resolve_failed";
    case HttpError::kConnectFailed:
      return "connect_failed";
    case HttpError::kTlsError:
      return "tls_error";
    case HttpError::kTimeout:
      return "timeout";
    case HttpError::kConnectionReset:
      return "connection_reset";
    case HttpError::kMalformedResponse:
      return "malformed_response";
    case HttpError::kResponseTooLarge:
      return "response_too_large";
    case HttpError::kOverloaded:
      return "overloaded";
    case HttpError::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

class HttpClient::Impl final : public ClientCore {
 public:
  using ClientCore::ClientCore;
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

void HttpClient::send(HttpRequest request, Callback on_done) {
  impl_->send(std::move(request), std::move(on_done));
}

HttpResult HttpClient::send_and_wait(HttpRequest request) {
  return impl_->send_and_wait(std::move(request));
}

void HttpClient::stop() {
  impl_->stop();
}

HttpClientStats HttpClient::stats() const {
  return impl_->stats();
}

}  // namespace lusifer
