#pragma once

// A simulation of OpenAI's automatic prompt caching, for the cached_tokens
// the mock LLM server reports (usage.prompt_tokens_details.cached_tokens).
//
// OpenAI caches prompts of at least 1,024 tokens and reports hits in
// 128-token increments: a prompt whose first 1,024 + 128k tokens equal those
// of a recently seen prompt gets that many cached tokens. Here the server
// hashes each prompt's prefixes at those boundaries (min_tokens,
// min_tokens + increment, ...; see PromptPrefixes) and asks the cache for the
// longest one it has seen within `ttl`; then all of the prompt's prefixes are
// remembered. Memory is bounded: at most `capacity` prefix hashes, the least
// recently used dropped first.
//
// Thread-safe (one mutex); time comes from the caller.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <span>
#include <unordered_map>

namespace lusifer::mock {

struct PrefixCacheOptions {
  std::int64_t min_tokens = 1024;  // 0 turns caching off
  std::int64_t increment = 128;
  std::size_t capacity = 100'000;  // prefix hashes kept
  std::chrono::nanoseconds ttl = std::chrono::minutes(5);
};

class PrefixCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Throws std::invalid_argument for a negative min_tokens, an increment
  // below 1 or a capacity of 0.
  explicit PrefixCache(PrefixCacheOptions options);

  // `prefixes[k]` is the hash of the prompt's first min_tokens + k * increment
  // tokens. Returns the cached tokens (0 on a miss) and remembers every prefix.
  std::int64_t lookup_and_insert(std::span<const std::uint64_t> prefixes, TimePoint now);

  std::size_t size() const;
  const PrefixCacheOptions& options() const noexcept { return options_; }

 private:
  struct Entry {
    std::uint64_t hash;
    TimePoint seen;
  };

  PrefixCacheOptions options_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
};

}  // namespace lusifer::mock
