#include "engine/envserver/session_table.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/core/input_error.hpp"

namespace lusifer::envserver {

SessionTable::SessionTable(std::size_t max_sessions, std::chrono::milliseconds idle_timeout)
    : max_sessions_(max_sessions), idle_timeout_(idle_timeout) {}

SessionTable::Reservation SessionTable::reserve(Clock::time_point now) {
  Reservation result;
  std::lock_guard lock(mutex_);
  if (sessions_.size() + reserved_ >= max_sessions_ && idle_timeout_.count() > 0) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (!it->second.busy && now - it->second.last_used > idle_timeout_) {
        result.evicted.push_back(it->first);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (sessions_.size() + reserved_ < max_sessions_) {
    ++reserved_;
    result.granted = true;
  }
  return result;
}

void SessionTable::cancel_reservation() {
  std::lock_guard lock(mutex_);
  if (reserved_ > 0)
    --reserved_;
}

bool SessionTable::open(std::string env_id, std::size_t num_envs, std::uint32_t slate_size,
                        Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (reserved_ > 0)
    --reserved_;
  Entry entry;
  entry.num_envs = num_envs;
  entry.slate_size = slate_size;
  entry.done.assign(num_envs, false);
  entry.last_used = now;
  return sessions_.emplace(std::move(env_id), std::move(entry)).second;
}

SessionTable::Entry* SessionTable::find(std::string_view env_id) {
  // Heterogeneous lookup of unordered_map needs C++20 transparent hashing;
  // a temporary string is cheap next to a request.
  const auto it = sessions_.find(std::string(env_id));
  return it == sessions_.end() ? nullptr : &it->second;
}

EnvResult<SessionTable::Claim> SessionTable::claim(std::string_view env_id, bool for_step,
                                                   Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Entry* entry = find(env_id);
  if (!entry) {
    return EnvError(EnvErrorKind::kUnknownSession,
                    fmt::format("no open session {}", quote_excerpt(env_id, 64)));
  }
  if (entry->busy) {
    return EnvError(EnvErrorKind::kSessionBusy,
                    fmt::format("session {} is still answering an earlier request; send the next "
                                "one when that answer has arrived",
                                env_id));
  }
  if (for_step) {
    if (!entry->was_reset) {
      return EnvError(EnvErrorKind::kResetRequired,
                      fmt::format("session {} has not been reset; call reset before step", env_id));
    }
    if (std::all_of(entry->done.begin(), entry->done.end(), [](bool d) { return d; })) {
      return EnvError(EnvErrorKind::kResetRequired,
                      fmt::format("every user of session {} is done (terminated or truncated); "
                                  "call reset to start a new episode",
                                  env_id));
    }
  }
  entry->busy = true;
  entry->last_used = now;
  Claim claim;
  claim.num_envs = entry->num_envs;
  claim.slate_size = entry->slate_size;
  claim.done = entry->done;
  return claim;
}

EnvResult<SessionTable::Claim> SessionTable::begin_reset(std::string_view env_id,
                                                         Clock::time_point now) {
  return claim(env_id, false, now);
}

EnvResult<SessionTable::Claim> SessionTable::begin_close(std::string_view env_id,
                                                         Clock::time_point now) {
  return claim(env_id, false, now);
}

EnvResult<SessionTable::Claim> SessionTable::begin_step(std::string_view env_id,
                                                        Clock::time_point now) {
  return claim(env_id, true, now);
}

void SessionTable::finish_reset(std::string_view env_id, bool succeeded, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (Entry* entry = find(env_id)) {
    entry->busy = false;
    entry->last_used = now;
    if (succeeded) {
      entry->was_reset = true;
      std::fill(entry->done.begin(), entry->done.end(), false);
    }
  }
}

void SessionTable::finish_step(std::string_view env_id, const std::vector<bool>* done,
                               Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (Entry* entry = find(env_id)) {
    entry->busy = false;
    entry->last_used = now;
    if (done && done->size() == entry->done.size())
      entry->done = *done;
  }
}

void SessionTable::release(std::string_view env_id, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (Entry* entry = find(env_id)) {
    entry->busy = false;
    entry->last_used = now;
  }
}

bool SessionTable::remove(std::string_view env_id) {
  std::lock_guard lock(mutex_);
  return sessions_.erase(std::string(env_id)) > 0;
}

std::size_t SessionTable::open_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t SessionTable::reserved_count() const {
  std::lock_guard lock(mutex_);
  return reserved_;
}

}  // namespace lusifer::envserver
