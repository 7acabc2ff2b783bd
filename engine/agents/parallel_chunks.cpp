#include "engine/agents/parallel_chunks.hpp"

#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace lusifer {

void parallel_chunks(unsigned threads, std::size_t n, std::size_t grain,
                     const std::function<void(std::size_t, std::size_t)>& body) {
  grain = std::max<std::size_t>(grain, 1);
  if (n == 0)
    return;
  if (threads == 1 || n <= grain) {
    body(0, n);
    return;
  }
  auto run = [&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                      [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
  };
  if (threads == 0) {
    run();
  } else {
    // An arena of its own caps the threads this loop uses, whatever else
    // runs in TBB's pool.
    tbb::task_arena arena(static_cast<int>(threads));
    arena.execute(run);
  }
}

}  // namespace lusifer
