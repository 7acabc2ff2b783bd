#pragma once

// A multi-threaded asynchronous HTTP/1.1 server for lusifer's own endpoints
// (the mock LLM server, the environment server). Plain HTTP or HTTPS.
//
// Lifecycle. The constructor validates the options, binds, listens and starts
// the I/O threads; port() then tells the bound port (useful with port 0).
// stop() (also run by the destructor) stops accepting, lets in-flight requests
// finish for up to `grace`, closes every connection and joins the threads.
//
// Security defaults. Binds to 127.0.0.1 unless told otherwise. Binding to a
// non-loopback address without a bearer token is a configuration error
// (std::invalid_argument). With a token, every request whose path is not in
// auth_exempt_paths must carry "Authorization: Bearer <token>" or gets 401
// with a JSON error body; the comparison takes constant time.
//
// Handlers. The handler runs on an I/O thread (each connection stays on one,
// so requests of one connection never overlap) and must not block. It receives
// the request and a Responder, which it may answer at once or later from any
// thread. Exactly one completion takes effect; later ones, and completions
// after the connection or the server went away, are ignored (and return
// false). The server does not read from a connection while its handler
// works, so it learns that a client left only when it writes the answer: an
// answer to a client that already left is accepted and then discarded. A request whose Responder
// copies are all destroyed unanswered gets a 500; one that is not answered within response_timeout
// gets a 503 and the connection is closed. A handler that throws gets a 500.
//
// Limits (so memory stays bounded by max_connections x request limits):
// a body beyond max_request_body_bytes gets 413 with
// {"error":{"message":...,"type":"request_too_large"}}, headers beyond
// max_request_header_bytes get 431, malformed HTTP gets 400; all three close
// the connection. A request must arrive completely within read_timeout (this
// is also how long an idle keep-alive connection is kept). Connections beyond
// max_connections get a 503 (plain HTTP) and are closed at once. Methods other
// than those of HttpMethod get 501. "Expect: 100-continue" is honoured.
// Pipelining is not supported: a client must wait for each response.
//
// Latency and fault injection (for the mock LLM server): a Responder can
// answer after a delay without tying up a thread; it can also reset the
// connection (RST), hang without answering (until the client closes or
// max_hang passes), send a response whose body is cut short of its
// Content-Length, send arbitrary raw bytes, or close without answering.
//
// Thread-safety: all member functions of HttpServer and Responder are
// thread-safe. stop() and the destructor must not be called from a handler
// (stop throws std::logic_error there).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/http/http_headers.hpp"
#include "engine/http/http_method.hpp"

namespace lusifer {

struct HttpServerRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string target;  // path and query as sent
  std::string path;    // the target before '?', still percent-encoded
  std::string query;   // the target after '?', still percent-encoded
  HttpHeaders headers;
  std::string body;
  std::string remote_address;                // "127.0.0.1:54321"
  std::uint64_t connection_id = 0;           // unique per server, from 1
  std::uint64_t sequence_on_connection = 0;  // 1 for a connection's first request
};

struct HttpResponse {
  int status = 200;  // 100..599; anything else is sent as 500
  // Sent as Content-Type unless empty or given in `headers`.
  std::string content_type = "application/json";
  // Content-Length, Transfer-Encoding and Connection are managed by the server;
  // setting them (or any invalid field) turns the response into a 500.
  HttpHeaders headers;
  std::string body;

  // A response with json_error_body(message, type).
  static HttpResponse json_error(int status, std::string_view message, std::string_view type);
};

namespace detail {
struct ResponderState;
}

// Completes one request. Cheap to copy; all copies share one completion.
class Responder {
 public:
  // An empty responder: every call returns false. Exists so that a Responder
  // can be a member of default-constructed types (messages, maps).
  Responder() = default;
  explicit Responder(std::shared_ptr<detail::ResponderState> state) : state_(std::move(state)) {}

  // Each returns true when this call completed the request, false when the
  // request was already completed or its connection or server is gone.

  bool respond(HttpResponse response) const;
  // Sends `response` after `delay`, timed by the server's event loop (no
  // thread waits): simulated latency for mock servers. The request counts as
  // completed at once.
  bool respond_after(std::chrono::milliseconds delay, HttpResponse response) const;
  // Faults:
  // Closes the connection abruptly: the client sees a TCP reset.
  bool reset_connection() const;
  // Never answers; the connection stays open until the client closes it or
  // max_hang passes, then it is closed.
  bool hang() const;
  // Sends headers announcing the full body but only its first
  // `body_bytes_sent` bytes, then closes the connection.
  bool respond_truncated(HttpResponse response, std::size_t body_bytes_sent) const;
  // Writes `bytes` verbatim (not necessarily HTTP), then closes.
  bool send_raw_and_close(std::string bytes) const;
  // Closes the connection without answering (an orderly TCP close).
  bool close_connection() const;

  // True once the request is settled: a copy completed it, or it can no
  // longer be completed (the server answered it after response_timeout, or
  // closed its connection when stopping).
  bool completed() const noexcept;

 private:
  std::shared_ptr<detail::ResponderState> state_;
};

using HttpHandler = std::function<void(HttpServerRequest request, Responder responder)>;

struct HttpServerTls {
  std::string certificate_chain_pem;  // leaf certificate first
  std::string private_key_pem;
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";  // an IP address literal
  std::uint16_t port = 0;                  // 0: any free port (see port())
  std::size_t io_threads = 1;
  std::string bearer_token;                    // required when not bound to loopback
  std::vector<std::string> auth_exempt_paths;  // exact paths, e.g. "/healthz"
  std::optional<HttpServerTls> tls;            // HTTPS when set
  std::size_t max_request_body_bytes = 1024 * 1024;
  std::size_t max_request_header_bytes = 16 * 1024;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds response_timeout{300'000};
  std::chrono::milliseconds max_hang{60'000};
};

struct HttpServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // beyond max_connections, or while stopping
  std::uint64_t requests = 0;             // complete requests handed to the handler
  std::size_t active_connections = 0;     // now
};

class HttpServer {
 public:
  // Throws std::invalid_argument for bad options (including a non-loopback
  // bind without a token, or unusable TLS material) and std::runtime_error
  // when the address cannot be bound.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const noexcept;
  // "http://127.0.0.1:8080" (or https://), for clients and logs.
  std::string base_url() const;

  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2'000));

  HttpServerStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lusifer
