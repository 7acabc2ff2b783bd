#include "engine/mock/delayed_faults.hpp"

#include <algorithm>

namespace lusifer::mock {

DelayedFaults::DelayedFaults(std::size_t capacity) : capacity_(capacity) {
  thread_ = std::thread([this] { run(); });
}

DelayedFaults::~DelayedFaults() {
  stop();
}

void DelayedFaults::carry_out(Pending& pending) {
  if (pending.truncate) {
    pending.responder.respond_truncated(std::move(pending.response), pending.body_bytes);
  } else {
    pending.responder.reset_connection();
  }
}

void DelayedFaults::schedule(std::chrono::nanoseconds delay, Pending pending) {
  {
    std::lock_guard lock(mutex_);
    if (delay.count() > 0 && !stopping_ && heap_.size() < capacity_) {
      pending.due = std::chrono::steady_clock::now() + delay;
      pending.sequence = next_sequence_++;
      const bool earliest = heap_.empty() || pending.due < heap_.front().due;
      heap_.push_back(std::move(pending));
      std::push_heap(heap_.begin(), heap_.end(), Later{});
      if (earliest)
        changed_.notify_one();
      return;
    }
  }
  carry_out(pending);
}

void DelayedFaults::reset_after(std::chrono::nanoseconds delay, Responder responder) {
  Pending p;
  p.responder = std::move(responder);
  schedule(delay, std::move(p));
}

void DelayedFaults::truncate_after(std::chrono::nanoseconds delay, Responder responder,
                                   HttpResponse response, std::size_t body_bytes) {
  Pending p;
  p.responder = std::move(responder);
  p.truncate = true;
  p.response = std::move(response);
  p.body_bytes = body_bytes;
  schedule(delay, std::move(p));
}

void DelayedFaults::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopping_)
      break;
    if (heap_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const auto due = heap_.front().due;
    if (std::chrono::steady_clock::now() < due) {
      changed_.wait_until(lock, due);
      continue;
    }
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Pending pending = std::move(heap_.back());
    heap_.pop_back();
    lock.unlock();
    carry_out(pending);
    lock.lock();
  }
  // Stopping: everything still pending happens now.
  while (!heap_.empty()) {
    Pending pending = std::move(heap_.back());
    heap_.pop_back();
    lock.unlock();
    carry_out(pending);
    lock.lock();
  }
}

void DelayedFaults::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

std::size_t DelayedFaults::pending() const {
  std::lock_guard lock(mutex_);
  return heap_.size();
}

}  // namespace lusifer::mock
