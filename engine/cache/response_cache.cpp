#include "engine/cache/response_cache.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

namespace lusifer {
namespace {

constexpr int kSchemaVersion = 1;

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CacheMode parse_cache_mode(std::string_view name) {
  if (name == "off") return CacheMode::kOff;
  if (name == "read-write") return CacheMode::kReadWrite;
  if (name == "replay-only") return CacheMode::kReplayOnly;
  throw std::invalid_argument(
      fmt::format("unknown cache mode '{}' (expected off, read-write or replay-only)", name));
}

std::string_view cache_mode_name(CacheMode mode) noexcept {
  switch (mode) {
    case CacheMode::kOff: return "off";
    case CacheMode::kReadWrite: return "read-write";
    case CacheMode::kReplayOnly: return "replay-only";
  }
  return "unknown";
}

std::uint64_t ResponseCache::digest(std::string_view key) noexcept {
  // Keys are hex SHA-256 digests: their first 16 hex digits are already uniform.
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < key.size() && i < 16; ++i) {
    const char c = key[i];
    const std::uint64_t nibble = c >= 'a' ? static_cast<std::uint64_t>(c - 'a' + 10)
                                          : c >= 'A' ? static_cast<std::uint64_t>(c - 'A' + 10)
                                                     : static_cast<std::uint64_t>(c - '0');
    d = (d << 4) | (nibble & 0xf);
  }
  return d;
}

ResponseCache::ResponseCache(const std::filesystem::path& path, CacheMode mode)
    : path_(path), mode_(mode) {
  if (mode_ == CacheMode::kOff) return;
  try {
    const int flags = mode_ == CacheMode::kReplayOnly ? SQLite::OPEN_READONLY
                                                      : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
    db_ = std::make_unique<SQLite::Database>(path_.string(), flags, 5000);
    if (mode_ != CacheMode::kReplayOnly) {
      db_->exec("PRAGMA journal_mode=WAL");
      db_->exec("PRAGMA synchronous=NORMAL");
      db_->exec(
          "CREATE TABLE IF NOT EXISTS cache_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
          "CREATE TABLE IF NOT EXISTS responses ("
          "  key TEXT PRIMARY KEY, endpoint TEXT NOT NULL, model TEXT NOT NULL,"
          "  body TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,"
          "  completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,"
          "  created_at INTEGER NOT NULL) WITHOUT ROWID;");
      db_->exec(fmt::format("INSERT OR IGNORE INTO cache_meta VALUES ('schema_version', '{}')",
                            kSchemaVersion));
    }
    SQLite::Statement version(*db_, "SELECT value FROM cache_meta WHERE key = 'schema_version'");
    if (!version.executeStep() || version.getColumn(0).getString() != std::to_string(kSchemaVersion)) {
      throw std::runtime_error(fmt::format("schema version {} expected", kSchemaVersion));
    }
    SQLite::Statement keys(*db_, "SELECT key FROM responses");
    while (keys.executeStep()) key_digests_.insert(digest(keys.getColumn(0).getString()));
    select_ = std::make_unique<SQLite::Statement>(
        *db_,
        "SELECT body, model, prompt_tokens, completion_tokens, cached_tokens FROM responses "
        "WHERE key = ?");
    if (mode_ == CacheMode::kReadWrite) {
      insert_ = std::make_unique<SQLite::Statement>(
          *db_, "INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("{}: cannot open the response cache ({}): {}", path_.string(),
                    cache_mode_name(mode_), e.what()));
  }
}

ResponseCache::~ResponseCache() {
  try {
    commit();
  } catch (...) {
    // A destructor must not throw; an uncommitted entry is only paid again.
  }
}

bool ResponseCache::may_contain(std::string_view key) const {
  return mode_ != CacheMode::kOff && key_digests_.contains(digest(key));
}

std::optional<CachedResponse> ResponseCache::find(std::string_view key) {
  if (!may_contain(key)) return std::nullopt;
  if (const auto it = pending_.find(std::string(key)); it != pending_.end()) return it->second.response;
  select_->reset();
  select_->bind(1, std::string(key));
  if (!select_->executeStep()) return std::nullopt;  // a digest collision
  CachedResponse r;
  r.body = select_->getColumn(0).getString();
  r.model = select_->getColumn(1).getString();
  r.prompt_tokens = select_->getColumn(2).getInt64();
  r.completion_tokens = select_->getColumn(3).getInt64();
  r.cached_tokens = select_->getColumn(4).getInt64();
  return r;
}

void ResponseCache::put(std::string_view key, std::string_view endpoint,
                        const CachedResponse& response) {
  if (mode_ != CacheMode::kReadWrite) return;
  if (pending_.try_emplace(std::string(key), PendingEntry{std::string(endpoint), response}).second) {
    key_digests_.insert(digest(key));
  }
}

std::size_t ResponseCache::commit() {
  if (pending_.empty() || mode_ != CacheMode::kReadWrite) return 0;
  SQLite::Transaction transaction(*db_);
  const auto now = unix_seconds();
  for (const auto& [key, entry] : pending_) {
    insert_->reset();
    insert_->bind(1, key);
    insert_->bind(2, entry.endpoint);
    insert_->bind(3, entry.response.model);
    insert_->bind(4, entry.response.body);
    insert_->bind(5, entry.response.prompt_tokens);
    insert_->bind(6, entry.response.completion_tokens);
    insert_->bind(7, entry.response.cached_tokens);
    insert_->bind(8, now);
    insert_->exec();
  }
  transaction.commit();
  const std::size_t committed = pending_.size();
  pending_.clear();
  return committed;
}

}  // namespace lusifer
