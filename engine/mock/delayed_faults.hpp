#pragma once

// Faults that strike after the simulated latency, as when a server dies
// while generating: a connection reset, or a body cut short. The HTTP
// server's Responder can delay an answer but not a fault, so this keeps a
// queue of pending faults and one thread that carries each out when its
// time comes.
//
// Bounded: at most `capacity` faults wait; beyond that, and for delays of
// zero, a fault is carried out at once. stop() (also run by the destructor)
// carries out every pending fault at once and joins the thread; faults
// scheduled afterwards happen at once.
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/http/http_server.hpp"

namespace lusifer::mock {

class DelayedFaults {
 public:
  explicit DelayedFaults(std::size_t capacity = 65'536);
  ~DelayedFaults();
  DelayedFaults(const DelayedFaults&) = delete;
  DelayedFaults& operator=(const DelayedFaults&) = delete;

  // Resets the connection of `responder` after `delay`.
  void reset_after(std::chrono::nanoseconds delay, Responder responder);
  // Sends `response` cut to `body_bytes` bytes of its body after `delay`.
  void truncate_after(std::chrono::nanoseconds delay, Responder responder, HttpResponse response,
                      std::size_t body_bytes);

  void stop();
  std::size_t pending() const;

 private:
  struct Pending {
    std::chrono::steady_clock::time_point due;
    std::uint64_t sequence = 0;  // keeps equal deadlines in order
    Responder responder;
    bool truncate = false;
    HttpResponse response;
    std::size_t body_bytes = 0;
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const noexcept {
      return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
    }
  };

  void schedule(std::chrono::nanoseconds delay, Pending pending);
  static void carry_out(Pending& pending);
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Pending> heap_;  // a min-heap by (due, sequence), see Later
  std::uint64_t next_sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lusifer::mock
