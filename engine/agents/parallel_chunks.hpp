#pragma once

// Runs a loop over [0, n) on several threads, in chunks.
//
// body(begin, end) is called for consecutive chunks of about `grain`
// indices that together cover [0, n) once, on up to `threads` threads
// (0: TBB's default, one per core; 1: on the calling thread, in order).
// Which thread runs which chunk is not defined, so a body must give the same
// result for a chunk whichever thread runs it and whatever ran before: the
// agents keep per-user work independent for this reason. Exceptions thrown
// by a body propagate to the caller (after the other chunks stop).

#include <cstddef>
#include <functional>

namespace lusifer {

void parallel_chunks(unsigned threads, std::size_t n, std::size_t grain,
                     const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace lusifer
