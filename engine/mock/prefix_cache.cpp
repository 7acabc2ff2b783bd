#include "engine/mock/prefix_cache.hpp"

#include <stdexcept>

namespace lusifer::mock {

PrefixCache::PrefixCache(PrefixCacheOptions options) : options_(options) {
  if (options_.min_tokens < 0)
    throw std::invalid_argument("prefix cache: min_tokens must be >= 0");
  if (options_.increment < 1)
    throw std::invalid_argument("prefix cache: increment must be >= 1");
  if (options_.capacity == 0)
    throw std::invalid_argument("prefix cache: capacity must be > 0");
  index_.reserve(std::min<std::size_t>(options_.capacity, 1 << 16));
}

std::int64_t PrefixCache::lookup_and_insert(std::span<const std::uint64_t> prefixes,
                                            TimePoint now) {
  if (prefixes.empty() || options_.min_tokens == 0)
    return 0;
  std::lock_guard lock(mutex_);
  std::int64_t cached = 0;
  for (std::size_t k = 0; k < prefixes.size(); ++k) {
    const auto it = index_.find(prefixes[k]);
    if (it != index_.end() && now - it->second->seen <= options_.ttl) {
      cached = options_.min_tokens + static_cast<std::int64_t>(k) * options_.increment;
    }
  }
  for (const std::uint64_t hash : prefixes) {
    const auto it = index_.find(hash);
    if (it != index_.end()) {
      it->second->seen = now;
      lru_.splice(lru_.begin(), lru_, it->second);
      continue;
    }
    if (index_.size() >= options_.capacity) {
      index_.erase(lru_.back().hash);
      lru_.pop_back();
    }
    lru_.push_front({hash, now});
    index_.emplace(hash, lru_.begin());
  }
  return cached;
}

std::size_t PrefixCache::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace lusifer::mock
