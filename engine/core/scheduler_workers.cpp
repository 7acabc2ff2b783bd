#include "engine/core/scheduler_workers.hpp"

#include <algorithm>
#include <thread>

namespace lusifer {

std::size_t scheduler_workers(std::size_t io_threads) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return cores > io_threads ? cores - io_threads : 1;
}

}  // namespace lusifer
