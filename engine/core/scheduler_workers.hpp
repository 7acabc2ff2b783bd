#pragma once

// How many CAF scheduler workers a process runs beside the threads it starts
// for I/O of its own (the HTTP client's, when a run talks to an LLM).
//
// Those I/O threads are busy exactly when the actors are: every LLM answer
// is parsed on one and then handled by an actor. A worker per core on top of
// them oversubscribes the cores, and the scheduler then pays in wake-ups and
// lock hand-offs what it gains in parallelism (bench/README.md, "Threads of
// the gateway": on 2 cores, 2 workers + 1 I/O thread ran the gateway at
// ~50 us of CPU a request, 1 worker + 1 I/O thread at ~35 us).
//
// Contract: the cores left after `io_threads`, and at least one.

#include <cstddef>

namespace lusifer {

std::size_t scheduler_workers(std::size_t io_threads);

}  // namespace lusifer
