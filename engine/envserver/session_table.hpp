#pragma once

// The sessions as the HTTP layer sees them: just enough to check a request
// before it reaches the service (how many users, the slate size, who is
// done, whether the session was reset), to keep requests on one session
// from overlapping, and to bound how many sessions are open.
//
// A request on a session first claims it (begin_*), and gives the claim back
// when the service has answered (finish_*), so a second request meanwhile
// gets kSessionBusy. Creating a session first reserves a slot, so sessions
// being created count against max_sessions too.
//
// Idle sessions: a client that dies (or never learns the id of the session
// it created, having left before the answer) would hold its slot forever.
// When every slot is taken, sessions idle for longer than `idle_timeout`
// (and not busy) are evicted to make room; reserve() hands their ids back so
// the caller can close them in the service. A zero idle_timeout never
// evicts.
//
// Thread-safety: all member functions are thread-safe (one mutex; every
// operation is O(1) except eviction, which scans the table).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/envserver/env_error.hpp"

namespace lusifer::envserver {

class SessionTable {
 public:
  using Clock = std::chrono::steady_clock;

  SessionTable(std::size_t max_sessions, std::chrono::milliseconds idle_timeout);

  struct Reservation {
    bool granted = false;
    std::vector<std::string> evicted;  // sessions to close in the service
  };
  // Takes a slot for a session being created, evicting idle sessions if
  // every slot is taken.
  Reservation reserve(Clock::time_point now = Clock::now());
  // Gives back a reservation whose create failed.
  void cancel_reservation();
  // Turns a reservation into an open session. False (and the reservation is
  // given back) when `env_id` is already open.
  bool open(std::string env_id, std::size_t num_envs, std::uint32_t slate_size,
            Clock::time_point now = Clock::now());

  // What a claim tells about the session.
  struct Claim {
    std::size_t num_envs = 0;
    std::uint32_t slate_size = 0;
    std::vector<bool> done;  // per user
  };
  // Claims the session for a reset (or a close). Errors: kUnknownSession,
  // kSessionBusy.
  EnvResult<Claim> begin_reset(std::string_view env_id, Clock::time_point now = Clock::now());
  EnvResult<Claim> begin_close(std::string_view env_id, Clock::time_point now = Clock::now());
  // Claims the session for a step. Errors: kUnknownSession, kSessionBusy,
  // kResetRequired (never reset, or every user done).
  EnvResult<Claim> begin_step(std::string_view env_id, Clock::time_point now = Clock::now());

  // Ends a claim. A successful reset makes every user active; a successful
  // step marks users done (`done` has one flag per user, already combined
  // with the earlier flags); a failure leaves the state as it was.
  void finish_reset(std::string_view env_id, bool succeeded, Clock::time_point now = Clock::now());
  void finish_step(std::string_view env_id, const std::vector<bool>* done,
                   Clock::time_point now = Clock::now());
  // Ends a claim without changing the state (a failed close, a request
  // refused after its claim).
  void release(std::string_view env_id, Clock::time_point now = Clock::now());
  // Forgets the session (closed, or the service no longer has it). True when
  // it was open.
  bool remove(std::string_view env_id);

  std::size_t open_count() const;
  std::size_t reserved_count() const;

 private:
  struct Entry {
    std::size_t num_envs = 0;
    std::uint32_t slate_size = 0;
    std::vector<bool> done;
    bool was_reset = false;
    bool busy = false;
    Clock::time_point last_used;
  };

  EnvResult<Claim> claim(std::string_view env_id, bool for_step, Clock::time_point now);
  Entry* find(std::string_view env_id);

  const std::size_t max_sessions_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> sessions_;
  std::size_t reserved_ = 0;
};

}  // namespace lusifer::envserver
