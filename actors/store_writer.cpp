#include "actors/store_writer.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

struct WriterState {
  std::unique_ptr<RunStore> store;
  StoreWriterOptions options;
  bool commit_scheduled = false;
  std::string failure;  // the first commit error; every later flush reports it

  WriterState() = default;
  WriterState(const WriterState&) = delete;
  WriterState& operator=(const WriterState&) = delete;
  // Whatever arrived after the last flush is committed when the writer stops,
  // however it stops. (An attached functor would run after the state is gone.)
  ~WriterState() {
    if (!store || !failure.empty())
      return;
    try {
      store->commit();
    } catch (const std::exception& e) {
      spdlog::error("run store {}: {}", store->path().string(), e.what());
    }
  }
};

using WriterActor = caf::stateful_actor<WriterState>;

void commit(WriterActor* self) {
  auto& s = self->state;
  s.commit_scheduled = false;
  if (!s.failure.empty())
    return;
  try {
    s.store->commit();
  } catch (const std::exception& e) {
    s.failure = e.what();
    spdlog::error("run store {}: {}", s.store->path().string(), s.failure);
  }
}

void after_add(WriterActor* self) {
  auto& s = self->state;
  if (s.store->pending() >= s.options.commit_rows) {
    commit(self);
  } else if (!s.commit_scheduled) {
    s.commit_scheduled = true;
    self->delayed_send(self, s.options.commit_interval, commit_atom_v);
  }
}

caf::behavior store_writer(WriterActor* self, std::shared_ptr<std::unique_ptr<RunStore>> store,
                           StoreWriterOptions options) {
  self->state.store = std::move(*store);
  self->state.options = options;
  return {
      [self](StoreBatch& batch) {
        auto& s = self->state;
        for (auto& row : batch.users)
          s.store->add(row);
        for (auto& row : batch.versions)
          s.store->add(row);
        for (auto& row : batch.feedback)
          s.store->add(row);
        for (auto& row : batch.episodes)
          s.store->add(row);
        for (auto& row : batch.steps)
          s.store->add(row);
        after_add(self);
      },
      [self](LlmCallRecord& call) {
        self->state.store->add(LlmCallRow{call.fingerprint, call.user_id, call.task,
                                          call.prompt_tokens, call.completion_tokens,
                                          call.cached_tokens, call.latency_ms, call.attempts,
                                          call.status, call.cache_hit, call.cost_usd});
        after_add(self);
      },
      [self](commit_atom) {
        if (self->state.commit_scheduled)
          commit(self);
      },
      [self](CheckpointRecord& checkpoint) -> caf::result<void> {
        // Committed at once with everything before it: the checkpoint never
        // waits in a buffer that a crash would lose while later rows land.
        self->state.store->add(std::move(checkpoint));
        commit(self);
        if (!self->state.failure.empty()) {
          return make_error(Errc::kShuttingDown, "the run store failed: " + self->state.failure);
        }
        return caf::unit;
      },
      [self](flush_atom) -> caf::result<void> {
        commit(self);
        if (!self->state.failure.empty()) {
          return make_error(Errc::kShuttingDown, "the run store failed: " + self->state.failure);
        }
        return caf::unit;
      },
  };
}

}  // namespace

caf::actor spawn_store_writer(caf::actor_system& system, std::unique_ptr<RunStore> store,
                              StoreWriterOptions options) {
  // CAF copies spawn arguments; the store travels in a shared holder.
  auto holder = std::make_shared<std::unique_ptr<RunStore>>(std::move(store));
  return system.spawn<caf::detached>(store_writer, std::move(holder), options);
}

}  // namespace lusifer
