#pragma once

// CAF's work-sharing scheduler with its two per-job costs taken out: the
// scheduler of offline runs, whose every user-step activates two actors.
//
// Same semantics as CAF 0.17's `work_sharing` policy: one central FIFO of
// runnable actors shared by all workers, which sleep on a condition
// variable while it is empty. What differs:
// - The queue is a std::deque of pointers, not a std::list: no node is
//   allocated and freed by two threads for every activation.
// - A worker wakes a sleeping one only when one sleeps.
// - The worker loop does not cast each job to `abstract_actor` for the
//   logger's thread-local actor id: CAF's loop does so even with logging
//   compiled to quiet (Debian's build), and the cross-cast of a user actor
//   through its class hierarchy cost ~1,400 instructions an activation,
//   about 4% of a user-step (callgrind, bench/README.md). Log lines of CAF
//   itself therefore carry no actor id; lusifer runs CAF's logger quiet.
//
// The queue holds each runnable actor at most once (CAF schedules an actor
// only when its mailbox goes from empty to non-empty), so it is bounded by
// the number of actors.
//
// Workers and throughput come from the config as for CAF's schedulers
// (scheduler.max-threads, scheduler.max-throughput); scheduler.policy is
// ignored once this scheduler is loaded.

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace lusifer {

// Makes actor systems built from `config` use the shared-queue scheduler.
void use_shared_queue_scheduler(caf::actor_system_config& config);

// Whether `system` schedules its actors with it.
bool uses_shared_queue_scheduler(caf::actor_system& system) noexcept;

}  // namespace lusifer
