#pragma once

// A blocking TCP client on plain POSIX sockets, for tests that must send
// bytes no HTTP client would (malformed requests, partial requests) or watch
// exactly what the server writes and when it closes.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace lusifer::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all of `bytes`; returns false if the connection broke.
  bool send(std::string_view bytes);
  // Reads until the peer closes or `timeout` passes; `closed` tells which.
  std::string read_until_close(std::chrono::milliseconds timeout, bool* closed = nullptr);
  // Reads until `marker` has been seen (or close/timeout); returns all bytes read.
  std::string read_until(std::string_view marker, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace lusifer::testing
