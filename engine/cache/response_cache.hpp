#pragma once

// A persistent cache of LLM responses, in SQLite, keyed by the fingerprint of
// the request (endpoint, model, messages and every parameter that changes the
// answer; never the API key).
//
// Modes:
//   off          nothing is read or written;
//   read-write   hits are served, misses go to the endpoint and are stored;
//   replay-only  hits are served and a miss is an error: a recorded run
//                replays offline, at no cost, exactly.
//
// Writes are group-committed: `put` buffers, `commit` makes the buffer durable
// in one transaction (WAL mode: a committed entry survives kill -9). The
// gateway delivers an answer only after its entry is committed, so every
// answer a run has used is in the cache when the run resumes.
//
// Not thread-safe: one owner (the gateway's cache thread) uses it. Opening
// loads every key into memory, so a miss costs no disk read.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace lusifer {

enum class CacheMode { kOff, kReadWrite, kReplayOnly };

// "off", "read-write" or "replay-only"; throws std::invalid_argument otherwise.
CacheMode parse_cache_mode(std::string_view name);
std::string_view cache_mode_name(CacheMode mode) noexcept;

struct CachedResponse {
  std::string body;  // the response body exactly as the endpoint sent it
  std::string model;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
};

class ResponseCache {
 public:
  // Opens or creates the database at `path` (its directory must exist). With
  // kOff no file is touched. Throws std::runtime_error naming the file when it
  // cannot be opened or is not a lusifer cache.
  ResponseCache(const std::filesystem::path& path, CacheMode mode);
  ~ResponseCache();

  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  CacheMode mode() const noexcept { return mode_; }
  const std::filesystem::path& path() const noexcept { return path_; }

  // False means the key is certainly absent; true means a lookup may hit.
  bool may_contain(std::string_view key) const;
  std::optional<CachedResponse> find(std::string_view key);

  // Buffers an entry (ignored in kOff and kReplayOnly); durable after commit().
  void put(std::string_view key, std::string_view endpoint, const CachedResponse& response);
  // Commits buffered entries in one transaction; returns how many.
  std::size_t commit();

  std::size_t size() const noexcept { return key_digests_.size(); }
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  struct PendingEntry {
    std::string endpoint;
    CachedResponse response;
  };

  static std::uint64_t digest(std::string_view key) noexcept;

  std::filesystem::path path_;
  CacheMode mode_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<SQLite::Statement> select_;
  std::unique_ptr<SQLite::Statement> insert_;
  std::unordered_set<std::uint64_t> key_digests_;
  std::unordered_map<std::string, PendingEntry> pending_;
};

}  // namespace lusifer
