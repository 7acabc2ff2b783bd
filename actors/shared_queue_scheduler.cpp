#include "actors/shared_queue_scheduler.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/scheduler/worker.hpp>

namespace lusifer::scheduling {

// The policy: CAF's scheduler_policy interface (caf/policy/work_sharing.hpp
// is the model), over one locked deque.
class SharedQueuePolicy : public caf::policy::unprofiled {
 public:
  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}

    std::mutex lock;
    std::condition_variable wakeup;
    std::deque<caf::resumable*> queue;
    std::size_t sleeping = 0;  // workers waiting on `wakeup`
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
  };

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    auto& data = d(self);
    bool wake = false;
    {
      std::lock_guard<std::mutex> guard(data.lock);
      data.queue.push_back(job);
      wake = data.sleeping > 0;
    }
    if (wake)
      data.wakeup.notify_one();
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    central_enqueue(self->parent(), job);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    central_enqueue(self->parent(), job);
  }

  // A job that yielded (its throughput was used up) goes to the back.
  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    central_enqueue(self->parent(), job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self->parent());
    std::unique_lock<std::mutex> guard(data.lock);
    while (data.queue.empty()) {
      ++data.sleeping;
      data.wakeup.wait(guard);
      --data.sleeping;
    }
    caf::resumable* job = data.queue.front();
    data.queue.pop_front();
    return job;
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker*, UnaryFunction) {}

  // At shutdown: hands every job still queued to `f` (CAF's cleanup).
  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& data = d(self);
    std::deque<caf::resumable*> left;
    {
      std::lock_guard<std::mutex> guard(data.lock);
      left.swap(data.queue);
    }
    for (caf::resumable* job : left)
      f(job);
  }
};

}  // namespace lusifer::scheduling

// CAF's worker loop (caf/scheduler/worker.hpp) without the cross-cast of
// each job for the logger (see the header). Declared before anything
// instantiates the coordinator below, as an explicit specialization must be.
template <>
void caf::scheduler::worker<lusifer::scheduling::SharedQueuePolicy>::run() {
  CAF_SET_LOGGER_SYS(&system());
  for (;;) {
    resumable* job = policy_.dequeue(this);
    policy_.before_resume(this, job);
    const auto result = job->resume(this, max_throughput_);
    policy_.after_resume(this, job);
    switch (result) {
      case resumable::resume_later:
        // The job stays referenced: it goes back into the queue.
        policy_.resume_job_later(this, job);
        break;
      case resumable::done:
        policy_.after_completion(this, job);
        intrusive_ptr_release(job);
        break;
      case resumable::awaiting_message:
        // Enqueued again, with a new reference, when a message arrives.
        intrusive_ptr_release(job);
        break;
      case resumable::shutdown_execution_unit:
        policy_.after_completion(this, job);
        policy_.before_shutdown(this);
        return;
    }
  }
}

namespace lusifer {

using SharedQueueCoordinator = caf::scheduler::coordinator<scheduling::SharedQueuePolicy>;

void use_shared_queue_scheduler(caf::actor_system_config& config) {
  config.load<SharedQueueCoordinator>();
}

bool uses_shared_queue_scheduler(caf::actor_system& system) noexcept {
  return dynamic_cast<SharedQueueCoordinator*>(&system.scheduler()) != nullptr;
}

}  // namespace lusifer
