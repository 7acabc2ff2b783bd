#pragma once

// How a process sets up CAF's scheduler beside the threads it starts for I/O
// of its own (the HTTP client's, when a run talks to an LLM).
//
// Without such threads (offline runs, workers) the actors get every core,
// under work sharing: the simulation works in bursts (a step's messages, then
// a barrier), and work-stealing workers burn CPU polling between them.
//
// With them, the I/O threads are busy exactly when the actors are: every LLM
// answer is parsed on one and then handled by an actor, in a steady stream of
// small messages. A worker per core on top of them oversubscribes the cores,
// and work sharing wakes a sleeping worker through a condition variable on
// each message. So the actors get the cores the I/O threads leave (at least
// one), under work stealing, whose workers poll for a while before they sleep
// (bench/README.md, "Threads of the gateway": on 2 cores, 2 sharing workers
// + 1 I/O thread cost the gateway ~50 us of CPU a request, 1 stealing worker
// + 1 I/O thread ~29 us).

#include <cstddef>
#include <string_view>

namespace lusifer {

struct SchedulerLayout {
  std::size_t workers = 1;
  std::string_view policy;  // CAF's scheduler.policy: "sharing" or "stealing"
};

SchedulerLayout scheduler_layout(std::size_t io_threads);

}  // namespace lusifer
