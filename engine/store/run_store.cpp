#include "engine/store/run_store.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/data/csv_writer.hpp"

namespace lusifer {
namespace {

// Migration k brings the schema from version k to k + 1. Append only: a
// released migration never changes, so every store can be brought forward.
constexpr std::string_view kMigrations[] = {
    // 0 -> 1: the tables of a simulation run.
    R"sql(
    CREATE TABLE runs (
      run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, config TEXT NOT NULL,
      git_revision TEXT NOT NULL, seed INTEGER NOT NULL, backend TEXT NOT NULL,
      dataset TEXT NOT NULL, status TEXT NOT NULL);
    CREATE TABLE users (
      user_id INTEGER PRIMARY KEY, demographics TEXT NOT NULL,
      profile_status TEXT NOT NULL, failure_reason TEXT NOT NULL);
    CREATE TABLE profile_versions (
      user_id INTEGER NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL,
      change TEXT NOT NULL, source TEXT NOT NULL, batch INTEGER NOT NULL,
      episode INTEGER NOT NULL, step INTEGER NOT NULL,
      PRIMARY KEY (user_id, version));
    CREATE TABLE feedback (
      episode INTEGER NOT NULL, step INTEGER NOT NULL, user_id INTEGER NOT NULL,
      item_id INTEGER NOT NULL, position INTEGER NOT NULL, raw_rating REAL NOT NULL,
      calibrated_rating REAL, explanation TEXT NOT NULL, profile_version INTEGER NOT NULL);
    CREATE INDEX feedback_by_user ON feedback (user_id, episode, step);
    CREATE TABLE llm_calls (
      call_id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, user_id INTEGER NOT NULL,
      task TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
      cached_tokens INTEGER NOT NULL, latency_ms REAL NOT NULL, attempts INTEGER NOT NULL,
      status TEXT NOT NULL, cache_hit INTEGER NOT NULL, cost_usd REAL NOT NULL);
    )sql",
    // 1 -> 2: RL episodes: who recommended what, its reward, and the reward curves.
    R"sql(
    ALTER TABLE feedback ADD COLUMN agent TEXT NOT NULL DEFAULT '';
    ALTER TABLE feedback ADD COLUMN reward REAL;
    CREATE TABLE episodes (
      agent TEXT NOT NULL, episode INTEGER NOT NULL, user_id INTEGER NOT NULL,
      steps INTEGER NOT NULL, total_reward REAL NOT NULL, outcome TEXT NOT NULL,
      reason TEXT NOT NULL, PRIMARY KEY (agent, episode, user_id));
    CREATE TABLE step_metrics (
      agent TEXT NOT NULL, episode INTEGER NOT NULL, step INTEGER NOT NULL,
      users INTEGER NOT NULL, mean_reward REAL NOT NULL, mean_rating REAL NOT NULL,
      rated INTEGER NOT NULL, late INTEGER NOT NULL, failed INTEGER NOT NULL,
      left_users INTEGER NOT NULL, seconds REAL NOT NULL,
      PRIMARY KEY (agent, episode, step));
    )sql",
    // 2 -> 3: the latest checkpoint of a run, for resuming it.
    R"sql(
    CREATE TABLE checkpoints (
      id INTEGER PRIMARY KEY CHECK (id = 1), agent_index INTEGER NOT NULL, agent TEXT NOT NULL,
      episode INTEGER NOT NULL, step INTEGER NOT NULL, coordinator BLOB NOT NULL,
      agent_state BLOB NOT NULL, feedback_mark INTEGER NOT NULL, versions_mark INTEGER NOT NULL,
      episodes_mark INTEGER NOT NULL, steps_mark INTEGER NOT NULL);
    CREATE TABLE checkpoint_users (user_index INTEGER PRIMARY KEY, state BLOB NOT NULL);
    CREATE TABLE run_origin (config_directory TEXT NOT NULL);
    )sql",
};

std::string blob_of(const SQLite::Column& column) {
  if (column.getBytes() == 0)
    return {};
  return std::string(static_cast<const char*>(column.getBlob()),
                     static_cast<std::size_t>(column.getBytes()));
}

std::int64_t last_rowid(SQLite::Database& db, std::string_view table) {
  return db.execAndGet(fmt::format("SELECT coalesce(max(rowid), 0) FROM {}", table)).getInt64();
}

// Inside the commit's transaction, after its rows: the marks are how far
// each table reached with every row added before the checkpoint.
void write_checkpoint(SQLite::Database& db, const CheckpointRecord& c) {
  db.exec("DELETE FROM checkpoints");
  db.exec("DELETE FROM checkpoint_users");
  SQLite::Statement s(db, "INSERT INTO checkpoints VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, static_cast<std::int64_t>(c.agent_index));
  s.bind(2, c.agent);
  s.bind(3, c.episode);
  s.bind(4, c.step);
  s.bind(5, c.coordinator.data(), static_cast<int>(c.coordinator.size()));
  s.bind(6, c.agent_state.data(), static_cast<int>(c.agent_state.size()));
  s.bind(7, last_rowid(db, "feedback"));
  s.bind(8, last_rowid(db, "profile_versions"));
  s.bind(9, last_rowid(db, "episodes"));
  s.bind(10, last_rowid(db, "step_metrics"));
  s.exec();
  SQLite::Statement u(db, "INSERT INTO checkpoint_users VALUES (?, ?)");
  for (const auto& [user, state] : c.users) {
    u.bind(1, static_cast<std::int64_t>(user));
    u.bind(2, state.data(), static_cast<int>(state.size()));
    u.exec();
    u.reset();
  }
}

constexpr std::string_view kTables[] = {"runs",      "users",    "profile_versions", "feedback",
                                        "llm_calls", "episodes", "step_metrics"};

}  // namespace

struct RunStore::Buffers {
  std::vector<UserRow> users;
  std::vector<ProfileVersionRow> versions;
  std::vector<FeedbackRow> feedback;
  std::vector<LlmCallRow> calls;
  std::vector<EpisodeRow> episodes;
  std::vector<StepMetricsRow> steps;
  std::optional<CheckpointRecord> checkpoint;

  std::size_t size() const {
    return users.size() + versions.size() + feedback.size() + calls.size() + episodes.size() +
           steps.size() + (checkpoint ? 1 : 0);
  }
  void clear() {
    users.clear();
    versions.clear();
    feedback.clear();
    calls.clear();
    episodes.clear();
    steps.clear();
    checkpoint.reset();
  }
};

int RunStore::current_schema_version() noexcept {
  return static_cast<int>(std::size(kMigrations));
}

RunStore::RunStore(const std::filesystem::path& path)
    : path_(path), buffers_(std::make_unique<Buffers>()) {
  try {
    db_ = std::make_unique<SQLite::Database>(path_.string(),
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->exec("PRAGMA foreign_keys=ON");
    migrate();
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error(
        fmt::format("{}: cannot open the run store: {}", path_.string(), e.what()));
  }
}

RunStore::~RunStore() = default;

int RunStore::schema_version() const {
  return db_->execAndGet("PRAGMA user_version").getInt();
}

void RunStore::migrate() {
  const int version = schema_version();
  if (version > current_schema_version()) {
    throw std::runtime_error(
        fmt::format("{}: the run store has schema version {}, newer than this lusifer's {}; use a "
                    "newer lusifer",
                    path_.string(), version, current_schema_version()));
  }
  for (int v = version; v < current_schema_version(); ++v) {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    db_->exec(std::string(kMigrations[v]));
    db_->exec(fmt::format("PRAGMA user_version = {}", v + 1));
    transaction.commit();
  }
}

void RunStore::begin_run(const RunInfo& info) {
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement insert(*db_, "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, info.run_id);
  insert.bind(2, info.created_at);
  insert.bind(3, info.config);
  insert.bind(4, info.git_revision);
  insert.bind(5, static_cast<std::int64_t>(info.seed));
  insert.bind(6, info.backend);
  insert.bind(7, info.dataset);
  insert.bind(8, info.status);
  insert.exec();
  // A table of its own, not a column of runs: readers that insert runs rows
  // by position (tests/python) keep working.
  SQLite::Statement origin(*db_, "INSERT INTO run_origin VALUES (?)");
  origin.bind(1, info.config_directory);
  origin.exec();
  transaction.commit();
}

void RunStore::set_run_status(std::string_view status) {
  SQLite::Statement update(*db_, "UPDATE runs SET status = ?");
  update.bind(1, std::string(status));
  update.exec();
}

std::optional<RunInfo> RunStore::run_info() const {
  SQLite::Statement q(*db_, "SELECT * FROM runs LIMIT 1");
  if (!q.executeStep())
    return std::nullopt;
  RunInfo info;
  info.run_id = q.getColumn(0).getString();
  info.created_at = q.getColumn(1).getString();
  info.config = q.getColumn(2).getString();
  info.git_revision = q.getColumn(3).getString();
  info.seed = static_cast<std::uint64_t>(q.getColumn(4).getInt64());
  info.backend = q.getColumn(5).getString();
  info.dataset = q.getColumn(6).getString();
  info.status = q.getColumn(7).getString();
  SQLite::Statement o(*db_, "SELECT config_directory FROM run_origin LIMIT 1");
  if (o.executeStep())
    info.config_directory = o.getColumn(0).getString();
  return info;
}

void RunStore::add(const UserRow& row) {
  buffers_->users.push_back(row);
}
void RunStore::add(const ProfileVersionRow& row) {
  buffers_->versions.push_back(row);
}
void RunStore::add(const FeedbackRow& row) {
  buffers_->feedback.push_back(row);
}
void RunStore::add(const LlmCallRow& row) {
  buffers_->calls.push_back(row);
}
void RunStore::add(const EpisodeRow& row) {
  buffers_->episodes.push_back(row);
}
void RunStore::add(const StepMetricsRow& row) {
  buffers_->steps.push_back(row);
}
void RunStore::add(CheckpointRecord checkpoint) {
  buffers_->checkpoint = std::move(checkpoint);
}
std::size_t RunStore::pending() const noexcept {
  return buffers_->size();
}

std::size_t RunStore::commit() {
  Buffers& b = *buffers_;
  const std::size_t rows = b.size();
  if (rows == 0)
    return 0;
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  if (!b.users.empty()) {
    // A user's row is replaced as its profile status changes.
    SQLite::Statement s(*db_, "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?)");
    for (const auto& r : b.users) {
      s.bind(1, r.user_id);
      s.bind(2, r.demographics);
      s.bind(3, r.profile_status);
      s.bind(4, r.failure_reason);
      s.exec();
      s.reset();
    }
  }
  if (!b.versions.empty()) {
    SQLite::Statement s(*db_, "INSERT INTO profile_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : b.versions) {
      s.bind(1, r.user_id);
      s.bind(2, r.version);
      s.bind(3, r.text);
      s.bind(4, r.change);
      s.bind(5, r.source);
      s.bind(6, r.batch);
      s.bind(7, r.episode);
      s.bind(8, r.step);
      s.exec();
      s.reset();
    }
  }
  if (!b.feedback.empty()) {
    SQLite::Statement s(*db_,
                        "INSERT INTO feedback (episode, step, user_id, item_id, position, "
                        "raw_rating, calibrated_rating, explanation, profile_version, agent, "
                        "reward) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : b.feedback) {
      s.bind(1, r.episode);
      s.bind(2, r.step);
      s.bind(3, r.user_id);
      s.bind(4, r.item_id);
      s.bind(5, r.position);
      s.bind(6, r.raw_rating);
      if (r.calibrated_rating) {
        s.bind(7, *r.calibrated_rating);
      } else {
        s.bind(7);
      }
      s.bind(8, r.explanation);
      s.bind(9, r.profile_version);
      s.bind(10, r.agent);
      if (r.reward) {
        s.bind(11, *r.reward);
      } else {
        s.bind(11);
      }
      s.exec();
      s.reset();
    }
  }
  if (!b.episodes.empty()) {
    SQLite::Statement s(*db_, "INSERT OR REPLACE INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : b.episodes) {
      s.bind(1, r.agent);
      s.bind(2, r.episode);
      s.bind(3, r.user_id);
      s.bind(4, r.steps);
      s.bind(5, r.total_reward);
      s.bind(6, r.outcome);
      s.bind(7, r.reason);
      s.exec();
      s.reset();
    }
  }
  if (!b.steps.empty()) {
    SQLite::Statement s(
        *db_, "INSERT OR REPLACE INTO step_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : b.steps) {
      s.bind(1, r.agent);
      s.bind(2, r.episode);
      s.bind(3, r.step);
      s.bind(4, r.users);
      s.bind(5, r.mean_reward);
      s.bind(6, r.mean_rating);
      s.bind(7, r.rated);
      s.bind(8, r.late);
      s.bind(9, r.failed);
      s.bind(10, r.left);
      s.bind(11, r.seconds);
      s.exec();
      s.reset();
    }
  }
  if (!b.calls.empty()) {
    SQLite::Statement s(*db_,
                        "INSERT INTO llm_calls (fingerprint, user_id, task, prompt_tokens, "
                        "completion_tokens, cached_tokens, latency_ms, attempts, status, "
                        "cache_hit, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : b.calls) {
      s.bind(1, r.fingerprint);
      s.bind(2, r.user_id);
      s.bind(3, r.task);
      s.bind(4, r.prompt_tokens);
      s.bind(5, r.completion_tokens);
      s.bind(6, r.cached_tokens);
      s.bind(7, r.latency_ms);
      s.bind(8, r.attempts);
      s.bind(9, r.status);
      s.bind(10, r.cache_hit ? 1 : 0);
      s.bind(11, r.cost_usd);
      s.exec();
      s.reset();
    }
  }
  if (b.checkpoint)
    write_checkpoint(*db_, *b.checkpoint);
  transaction.commit();
  b.clear();
  return rows;
}

std::optional<CheckpointRecord> RunStore::checkpoint() const {
  SQLite::Statement q(*db_,
                      "SELECT agent_index, agent, episode, step, coordinator, agent_state, "
                      "feedback_mark, versions_mark, episodes_mark, steps_mark FROM checkpoints");
  if (!q.executeStep())
    return std::nullopt;
  CheckpointRecord c;
  c.agent_index = static_cast<std::uint32_t>(q.getColumn(0).getInt64());
  c.agent = q.getColumn(1).getString();
  c.episode = q.getColumn(2).getInt64();
  c.step = q.getColumn(3).getInt64();
  c.coordinator = blob_of(q.getColumn(4));
  c.agent_state = blob_of(q.getColumn(5));
  c.feedback_mark = q.getColumn(6).getInt64();
  c.versions_mark = q.getColumn(7).getInt64();
  c.episodes_mark = q.getColumn(8).getInt64();
  c.steps_mark = q.getColumn(9).getInt64();
  SQLite::Statement u(*db_, "SELECT user_index, state FROM checkpoint_users ORDER BY user_index");
  while (u.executeStep()) {
    c.users.emplace_back(static_cast<std::uint32_t>(u.getColumn(0).getInt64()),
                         blob_of(u.getColumn(1)));
  }
  return c;
}

RewindReport RunStore::rewind_to_checkpoint() {
  RewindReport report;
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  const auto remove = [&](std::string_view table, std::optional<std::int64_t> mark) {
    // Table names come from this function's own calls, never from input.
    SQLite::Statement d(*db_, mark ? fmt::format("DELETE FROM {} WHERE rowid > ?", table)
                                   : fmt::format("DELETE FROM {}", table));
    if (mark)
      d.bind(1, *mark);
    return static_cast<std::int64_t>(d.exec());
  };
  if (const auto c = checkpoint()) {
    report.from_checkpoint = true;
    report.feedback = remove("feedback", c->feedback_mark);
    report.versions = remove("profile_versions", c->versions_mark);
    report.episodes = remove("episodes", c->episodes_mark);
    report.steps = remove("step_metrics", c->steps_mark);
  } else {
    report.feedback = remove("feedback", std::nullopt);
    report.versions = remove("profile_versions", std::nullopt);
    report.episodes = remove("episodes", std::nullopt);
    report.steps = remove("step_metrics", std::nullopt);
    report.users = remove("users", std::nullopt);
  }
  transaction.commit();
  return report;
}

std::vector<UserRow> RunStore::users() const {
  std::vector<UserRow> rows;
  SQLite::Statement q(*db_, "SELECT * FROM users ORDER BY user_id");
  while (q.executeStep()) {
    rows.push_back(UserRow{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                           q.getColumn(2).getString(), q.getColumn(3).getString()});
  }
  return rows;
}

std::vector<ProfileVersionRow> RunStore::profile_versions(
    std::optional<std::int64_t> user_id) const {
  std::vector<ProfileVersionRow> rows;
  SQLite::Statement q(*db_,
                      user_id ? "SELECT * FROM profile_versions WHERE user_id = ? ORDER BY version"
                              : "SELECT * FROM profile_versions ORDER BY user_id, version");
  if (user_id)
    q.bind(1, *user_id);
  while (q.executeStep()) {
    ProfileVersionRow r;
    r.user_id = q.getColumn(0).getInt64();
    r.version = q.getColumn(1).getInt();
    r.text = q.getColumn(2).getString();
    r.change = q.getColumn(3).getString();
    r.source = q.getColumn(4).getString();
    r.batch = q.getColumn(5).getInt();
    r.episode = q.getColumn(6).getInt64();
    r.step = q.getColumn(7).getInt64();
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<FeedbackRow> RunStore::feedback() const {
  std::vector<FeedbackRow> rows;
  SQLite::Statement q(*db_, "SELECT * FROM feedback ORDER BY rowid");
  while (q.executeStep()) {
    FeedbackRow r;
    r.episode = q.getColumn(0).getInt64();
    r.step = q.getColumn(1).getInt64();
    r.user_id = q.getColumn(2).getInt64();
    r.item_id = q.getColumn(3).getInt64();
    r.position = q.getColumn(4).getInt();
    r.raw_rating = q.getColumn(5).getDouble();
    if (!q.getColumn(6).isNull())
      r.calibrated_rating = q.getColumn(6).getDouble();
    r.explanation = q.getColumn(7).getString();
    r.profile_version = q.getColumn(8).getInt();
    r.agent = q.getColumn(9).getString();
    if (!q.getColumn(10).isNull())
      r.reward = q.getColumn(10).getDouble();
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<LlmCallRow> RunStore::llm_calls() const {
  std::vector<LlmCallRow> rows;
  SQLite::Statement q(*db_, "SELECT * FROM llm_calls ORDER BY call_id");
  while (q.executeStep()) {
    LlmCallRow r;
    r.fingerprint = q.getColumn(1).getString();
    r.user_id = q.getColumn(2).getInt64();
    r.task = q.getColumn(3).getString();
    r.prompt_tokens = q.getColumn(4).getInt64();
    r.completion_tokens = q.getColumn(5).getInt64();
    r.cached_tokens = q.getColumn(6).getInt64();
    r.latency_ms = q.getColumn(7).getDouble();
    r.attempts = q.getColumn(8).getInt();
    r.status = q.getColumn(9).getString();
    r.cache_hit = q.getColumn(10).getInt() != 0;
    r.cost_usd = q.getColumn(11).getDouble();
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<EpisodeRow> RunStore::episodes() const {
  std::vector<EpisodeRow> rows;
  SQLite::Statement q(*db_, "SELECT * FROM episodes ORDER BY agent, episode, user_id");
  while (q.executeStep()) {
    rows.push_back(EpisodeRow{q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                              q.getColumn(2).getInt64(), q.getColumn(3).getInt(),
                              q.getColumn(4).getDouble(), q.getColumn(5).getString(),
                              q.getColumn(6).getString()});
  }
  return rows;
}

std::vector<StepMetricsRow> RunStore::step_metrics() const {
  std::vector<StepMetricsRow> rows;
  SQLite::Statement q(*db_, "SELECT * FROM step_metrics ORDER BY agent, episode, step");
  while (q.executeStep()) {
    StepMetricsRow r;
    r.agent = q.getColumn(0).getString();
    r.episode = q.getColumn(1).getInt64();
    r.step = q.getColumn(2).getInt64();
    r.users = q.getColumn(3).getInt64();
    r.mean_reward = q.getColumn(4).getDouble();
    r.mean_rating = q.getColumn(5).getDouble();
    r.rated = q.getColumn(6).getInt64();
    r.late = q.getColumn(7).getInt64();
    r.failed = q.getColumn(8).getInt64();
    r.left = q.getColumn(9).getInt64();
    r.seconds = q.getColumn(10).getDouble();
    rows.push_back(std::move(r));
  }
  return rows;
}

namespace {

std::string_view export_order(std::string_view table) {
  if (table == "users")
    return "user_id";
  if (table == "profile_versions")
    return "user_id, version";
  if (table == "feedback")
    return "agent, episode, step, user_id, position, rowid";
  if (table == "episodes")
    return "agent, episode, user_id";
  if (table == "step_metrics")
    return "agent, episode, step";
  return "rowid";  // runs; llm_calls in the order they finished
}

}  // namespace

std::vector<std::string> RunStore::exported_tables() {
  return std::vector<std::string>(std::begin(kTables), std::end(kTables));
}

std::size_t RunStore::export_table(std::string_view table, ExportFormat format,
                                   std::ostream& out) const {
  if (std::find(std::begin(kTables), std::end(kTables), table) == std::end(kTables)) {
    throw std::invalid_argument(fmt::format("unknown table '{}'", table));
  }
  // The name was checked against the fixed list above, so it is safe to splice.
  // Rows come in the order of their keys, not of their arrival, which
  // concurrent writers make vary: the same run exports the same bytes.
  SQLite::Statement q(*db_,
                      fmt::format("SELECT * FROM {} ORDER BY {}", table, export_order(table)));
  const int columns = q.getColumnCount();
  std::string line;
  if (format == ExportFormat::kCsv) {
    for (int c = 0; c < columns; ++c) {
      if (c > 0)
        line += ',';
      append_csv_field(line, q.getColumnName(c));
    }
    out << line << '\n';
  }
  std::size_t rows = 0;
  while (q.executeStep()) {
    line.clear();
    JsonWriter json(line);
    if (format == ExportFormat::kJsonLines)
      json.begin_object();
    for (int c = 0; c < columns; ++c) {
      const SQLite::Column column = q.getColumn(c);
      if (format == ExportFormat::kCsv) {
        if (c > 0)
          line += ',';
        if (!column.isNull())
          append_csv_field(line, column.getString());
        continue;
      }
      json.key(q.getColumnName(c));
      if (column.isNull()) {
        json.null();
      } else if (column.isInteger()) {
        json.value(column.getInt64());
      } else if (column.isFloat()) {
        json.value(column.getDouble());
      } else {
        json.value(column.getString());
      }
    }
    if (format == ExportFormat::kJsonLines)
      json.end_object();
    out << line << '\n';
    ++rows;
  }
  return rows;
}

}  // namespace lusifer
