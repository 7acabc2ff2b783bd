#include "actors/cache_actor.hpp"

#include <memory>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

constexpr std::size_t kCommitBatch = 256;

struct CacheState {
  std::shared_ptr<ResponseCache> cache;
  std::chrono::milliseconds commit_interval{5};
  std::vector<caf::response_promise> waiting;
  bool commit_scheduled = false;

  CacheState() = default;
  CacheState(const CacheState&) = delete;
  CacheState& operator=(const CacheState&) = delete;
  // CAF destroys the state when the actor exits (before attached functors
  // run): the last stores become durable here, and their waiters hear so.
  ~CacheState() {
    if (cache)
      commit();
  }

  void commit() {
    commit_scheduled = false;
    try {
      cache->commit();
      for (auto& promise : waiting)
        promise.deliver(caf::unit);
    } catch (const std::exception& e) {
      // The answers stay valid; only their durability failed. Say so to each waiter.
      spdlog::error("response cache {}: commit failed: {}", cache->path().string(), e.what());
      for (auto& promise : waiting)
        promise.deliver(make_error(Errc::kLlmFailed, e.what()));
    }
    waiting.clear();
  }
};

void commit(caf::stateful_actor<CacheState>* self) {
  self->state.commit();
}

caf::behavior cache_actor(caf::stateful_actor<CacheState>* self,
                          std::shared_ptr<ResponseCache> cache,
                          std::chrono::milliseconds commit_interval) {
  self->state.cache = std::move(cache);
  self->state.commit_interval = commit_interval;
  return {
      [self](lookup_atom, const std::string& key) {
        CacheLookup out;
        if (auto hit = self->state.cache->find(key)) {
          out.hit = true;
          out.response = std::move(*hit);
        }
        return out;
      },
      [self](store_atom, const std::string& key, const std::string& endpoint,
             const CachedResponse& response) -> caf::result<void> {
        auto& s = self->state;
        if (s.cache->mode() != CacheMode::kReadWrite)
          return caf::unit;
        s.cache->put(key, endpoint, response);
        s.waiting.push_back(self->make_response_promise());
        if (s.waiting.size() >= kCommitBatch) {
          commit(self);
        } else if (!s.commit_scheduled) {
          s.commit_scheduled = true;
          self->delayed_send(self, s.commit_interval, commit_atom_v);
        }
        return s.waiting.back();
      },
      [self](commit_atom) {
        if (self->state.commit_scheduled)
          commit(self);
      },
  };
}

}  // namespace

caf::actor spawn_cache_actor(caf::actor_system& system, const std::filesystem::path& path,
                             CacheMode mode, std::chrono::milliseconds commit_interval) {
  if (mode == CacheMode::kReadWrite && path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path());
  }
  auto cache = std::make_shared<ResponseCache>(path, mode);
  return system.spawn<caf::detached>(cache_actor, std::move(cache), commit_interval);
}

}  // namespace lusifer
