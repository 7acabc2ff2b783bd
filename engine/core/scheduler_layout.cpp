#include "engine/core/scheduler_layout.hpp"

#include <algorithm>
#include <thread>

namespace lusifer {

SchedulerLayout scheduler_layout(std::size_t io_threads) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (io_threads == 0)
    return {cores, "sharing"};
  return {cores > io_threads ? cores - io_threads : 1, "stealing"};
}

}  // namespace lusifer
