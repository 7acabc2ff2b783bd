#pragma once

// The one writer of a run's store. It runs detached (SQLite blocks) and
// commits what it receives in batched transactions: when `commit_rows` rows
// wait, on a timer, and on (flush_atom), which answers once everything
// received before it is durable. Step boundaries flush, so a run's store
// never holds half a step, and a coordinator waiting for the flush keeps the
// writer's backlog to about one step.
//
//   StoreBatch                  rows, buffered
//   LlmCallRecord               one LLM call, buffered
//   (flush_atom)             -> void, after the commit
//   CheckpointRecord         -> void, committed at once in one transaction
//                               with every row received before it

#include <chrono>
#include <filesystem>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/store/run_store.hpp"

namespace lusifer {

struct StoreWriterOptions {
  std::size_t commit_rows = 50'000;
  std::chrono::milliseconds commit_interval{200};
};

// Takes the store over (its owner thread becomes the writer's).
caf::actor spawn_store_writer(caf::actor_system& system, std::unique_ptr<RunStore> store,
                              StoreWriterOptions options = {});

}  // namespace lusifer
