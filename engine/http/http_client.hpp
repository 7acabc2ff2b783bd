#pragma once

// An asynchronous HTTP/1.1 client with keep-alive connection pools, for the
// LLM gateway (and, through send_and_wait, for command-line tools and tests).
//
// Threads. The client runs its own I/O threads (HttpClientOptions::io_threads)
// on one event loop. `send` never blocks: it queues the request and returns.
// The callback is invoked exactly once, on one of the client's I/O threads,
// with an HttpResult; it must not block (it holds up other requests on that
// thread) and must not throw (exceptions are caught and logged). It may call
// `send` again. The one exception to "on an I/O thread": after stop() has
// begun, `send` invokes the callback at once, on the calling thread, with
// kCancelled. Every public member function is thread-safe.
//
// Pools. Connections are pooled per origin (scheme, host, port). An idle
// connection is reused (most recently used first) after a non-blocking check
// that the server has not closed it; otherwise a new one is opened, up to
// max_connections_per_origin. Beyond that, requests wait in a FIFO queue of
// at most max_queued_per_origin entries; when it is full, `send` fails the
// request with kOverloaded. Idle connections are closed after idle_timeout.
//
// Retries. The client re-sends a request by itself in exactly one situation,
// and at most once, on a freshly opened connection (HttpResult::resent
// tells): the request went out on a *reused* keep-alive connection, no byte
// of response arrived, and either writing the request failed, or the peer
// closed or reset the connection (EOF, ECONNRESET, EPIPE, TLS close) within
// two round trips of the request being sent (the kernel's RTT estimate for
// the connection, plus resend_window_slack). That is how a server closing an
// idle keep-alive connection just as the request arrives looks; a server
// that read the request would have needed longer to fail. (Pooled
// connections the server closed earlier are detected before use and never
// carry a request.) Caveat: a server that reads a request and dies within
// that window cannot be told apart, so such a request may reach a server
// twice. Timeouts, errors on fresh connections and HTTP error statuses are
// never retried here: retry policy (backoff, idempotency, budgets) belongs to
// the caller; a failure with request_sent == false is always safe to retry.
//
// Timeouts. A request's timeout (HttpRequest::timeout, else
// HttpClientOptions::request_timeout) is a deadline from the call to `send`:
// time spent queued, resolving, connecting, writing and reading all count.
// Connecting is also bounded by connect_timeout. A connection that times out
// is closed, never reused.
//
// TLS. https:// URLs are verified against the system CA store (plus ca_file),
// with SNI and host name verification (IP literals are checked against IP
// SANs). `dangerously_disable_tls_verification` turns all of it off and logs a
// warning; it exists for throw-away local setups only.
//
// Limits. Response bodies beyond max_response_body_bytes and headers beyond
// max_response_header_bytes fail with kResponseTooLarge (the connection is
// closed). Memory is bounded by the connection and queue limits.
//
// Shutdown. stop() fails queued requests and cancels in-flight ones (their
// callbacks get kCancelled), waits for every callback to return, then joins
// the I/O threads. The destructor calls stop(). Calling stop() from one of the
// client's own callbacks throws std::logic_error (it would wait for itself);
// destroying the client there terminates the program.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/http/http_headers.hpp"
#include "engine/http/http_method.hpp"

namespace lusifer {

enum class HttpError {
  kNone,               // a complete response arrived (whatever its status)
  kInvalidRequest,     // bad URL, header or method; nothing was sent
  kResolveFailed,      // DNS resolution failed
  kConnectFailed,      // TCP connect refused, unreachable, or connect_timeout elapsed
  kTlsError,           // TLS handshake failed, including certificate verification
  kTimeout,            // the request deadline passed
  kConnectionReset,    // the connection broke or closed before a complete response
  kMalformedResponse,  // the server's bytes were not valid HTTP/1.1
  kResponseTooLarge,   // the response exceeded a configured size limit
  kOverloaded,         // the origin's queue was full; nothing was sent
  kCancelled,          // stop() was called before the request completed
};

// "none", "invalid_request", "connect_failed", ...
std::string_view http_error_name(HttpError error) noexcept;

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;  // absolute http:// or https:// URL
  // Host, Content-Length and Transfer-Encoding are set by the client. A
  // User-Agent is added unless given.
  HttpHeaders headers;
  std::string body;
  // When set, sent instead of `body` (which must then be empty): one rendered
  // body shared, uncopied, by every attempt of a call.
  std::shared_ptr<const std::string> shared_body;
  // Overrides HttpClientOptions::request_timeout for this request.
  std::optional<std::chrono::milliseconds> timeout;

  // The bytes that go out as the body: *shared_body when set, else body.
  std::string_view body_view() const noexcept { return shared_body ? *shared_body : body; }
};

struct HttpTimings {
  std::chrono::microseconds queue_wait{0};  // from send() until a connection took the request
  std::chrono::microseconds connect{0};     // resolve + connect + TLS; 0 on a reused connection
  std::chrono::microseconds total{0};       // from send() until the result was ready
};

struct HttpResult {
  HttpError error = HttpError::kNone;
  std::string error_message;  // empty on success

  int status = 0;  // the HTTP status when error == kNone
  HttpHeaders headers;
  std::string body;

  HttpTimings timings;
  bool reused_connection = false;  // the (last) attempt used a pooled connection
  bool resent = false;             // the request was re-sent once (see "Retries")
  // False only when the request provably never left the client (invalid,
  // overloaded, resolve/connect/TLS failures, cancelled or timed out before
  // writing). Callers deciding whether a retry could duplicate work use this.
  bool request_sent = false;

  bool ok() const noexcept { return error == HttpError::kNone; }
};

struct HttpClientOptions {
  std::size_t io_threads = 1;
  std::size_t max_connections_per_origin = 64;
  std::size_t max_queued_per_origin = 4096;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{60'000};
  std::chrono::milliseconds idle_timeout{20'000};
  std::size_t max_response_body_bytes = 8 * 1024 * 1024;
  std::size_t max_response_header_bytes = 64 * 1024;
  std::string user_agent = "lusifer-http/1";
  // Added to the two-round-trip window in which a closed reused connection
  // counts as "closed before reading the request" (see "Retries"). It absorbs
  // scheduling delays; larger values risk duplicating requests to servers
  // that crash right after reading one.
  std::chrono::milliseconds resend_window_slack{50};
  // A PEM file of extra trusted CA certificates, added to the system store.
  std::string ca_file;
  // Accepts any certificate for any host name. Never use against real services.
  bool dangerously_disable_tls_verification = false;
};

struct HttpClientStats {
  std::uint64_t requests = 0;                     // send() calls
  std::uint64_t connections_opened = 0;           // connect attempts started
  std::uint64_t connections_reused = 0;           // requests sent on a pooled connection
  std::uint64_t stale_connections_discarded = 0;  // pooled connections found closed
  std::uint64_t resends = 0;                      // requests re-sent (see "Retries")
  std::uint64_t overloaded = 0;                   // requests refused with kOverloaded
  std::size_t open_connections = 0;               // now, all origins
  std::size_t queued_requests = 0;                // now, all origins
};

class HttpClient {
 public:
  using Callback = std::function<void(HttpResult)>;

  // Starts the I/O threads. Throws std::invalid_argument for an unusable
  // option (zero threads or connections, a ca_file that cannot be loaded).
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void send(HttpRequest request, Callback on_done);

  // Sends and blocks the calling thread until the result is ready. For
  // command-line tools and tests only: never call it from an actor or from a
  // client callback (the latter throws std::logic_error).
  HttpResult send_and_wait(HttpRequest request);

  void stop();

  HttpClientStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer
