#pragma once

// The actor that owns the persistent response cache. It runs detached, on a
// thread of its own, because SQLite reads and writes block.
//
//   (lookup_atom, key)                           -> CacheLookup
//   (store_atom, key, endpoint, CachedResponse)  -> void, once durable
//
// Stores are group-committed: the reply to a store comes after the commit
// that made it durable, within `commit_interval` (or at once when 256 are
// waiting). The gateway delivers an answer only after that reply, so no
// answer a run has used can be lost from the cache by a crash.

#include <chrono>
#include <filesystem>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "engine/cache/response_cache.hpp"

namespace lusifer {

// Opens the cache (throws std::runtime_error naming the file on failure,
// before any actor runs) and spawns its actor.
caf::actor spawn_cache_actor(caf::actor_system& system, const std::filesystem::path& path,
                             CacheMode mode, std::chrono::milliseconds commit_interval);

}  // namespace lusifer
