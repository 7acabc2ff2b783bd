#pragma once

// The run store: everything a simulation run produces, in one SQLite file
// (WAL mode) per run directory.
//
// Tables: runs (the config, the git revision, the seed), users, profile
// versions with their explanations, feedback (raw and calibrated ratings with
// explanations), and LLM calls (fingerprint, tokens, latency, status). The
// schema carries a version and is brought up to date by migrations when
// opened; a store written by a newer lusifer is refused.
//
// Writes are buffered and committed in batches by `commit`, so one writer
// (the store-writer actor) sustains hundreds of thousands of rows per second.
// Not thread-safe: exactly one owner thread uses a RunStore.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace SQLite {
class Database;
}  // namespace SQLite

namespace lusifer {

struct RunInfo {
  std::string run_id;
  std::string created_at;  // ISO 8601, UTC
  std::string config;      // the effective configuration, as TOML
  std::string git_revision;
  std::uint64_t seed = 0;
  std::string backend;  // "offline" (not an LLM), "openai", "vllm", ...
  std::string dataset;
  std::string status = "running";  // running, finished, failed, interrupted
  // The directory the config's relative paths resolve against (empty in
  // stores from before schema 3).
  std::string config_directory;
};

struct UserRow {
  std::int64_t user_id = 0;
  std::string demographics;             // a JSON object, "{}" when the dataset has none
  std::string profile_status = "none";  // none, built, failed
  std::string failure_reason;
};

struct ProfileVersionRow {
  std::int64_t user_id = 0;
  std::int32_t version = 0;  // 1 for the first profile
  std::string text;
  std::string change;         // what changed and why; empty for the first version
  std::string source;         // "history-batch", "feedback", "cold-start"
  std::int32_t batch = 0;     // the history batch it came from (history-batch)
  std::int64_t episode = -1;  // -1 outside episodes
  std::int64_t step = -1;
};

struct FeedbackRow {
  std::string agent;          // the agent that recommended the item; empty outside episodes
  std::int64_t episode = -1;  // -1 for evaluation outside episodes
  std::int64_t step = -1;
  std::int64_t user_id = 0;
  std::int64_t item_id = 0;
  std::int32_t position = 0;  // in the slate
  double raw_rating = 0.0;
  std::optional<double> calibrated_rating;
  std::string explanation;
  std::int32_t profile_version = 0;  // the profile that produced the rating
  std::optional<double> reward;      // what the rating was worth to the agent
};

// One user's episode with one agent.
struct EpisodeRow {
  std::string agent;
  std::int64_t episode = 0;
  std::int64_t user_id = 0;
  std::int32_t steps = 0;
  double total_reward = 0.0;
  std::string outcome;  // truncated (horizon), terminated (the user left), failed
  std::string reason;   // why the user left or failed
};

// One step of one agent's episode, over all its users: the reward curve.
struct StepMetricsRow {
  std::string agent;
  std::int64_t episode = 0;
  std::int64_t step = 0;
  std::int64_t users = 0;  // users active at this step
  double mean_reward = 0.0;
  double mean_rating = 0.0;
  std::int64_t rated = 0;   // items rated
  std::int64_t late = 0;    // users past the step deadline
  std::int64_t failed = 0;  // users whose simulator failed
  std::int64_t left = 0;    // users who left at this step
  double seconds = 0.0;     // wall time of the step
};

struct LlmCallRow {
  std::string fingerprint;  // the request's cache key
  std::int64_t user_id = 0;
  std::string task;  // "create-profile", "update-profile", "rate-items", "repair"
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;
  double latency_ms = 0.0;
  std::int32_t attempts = 0;
  std::string status;  // "ok" or the failure class
  bool cache_hit = false;
  double cost_usd = 0.0;
};

// The checkpoint of a run (`lusifer simulate --resume`): at most one per
// store, the latest. Its bytes are opaque here (engine/rl/run_checkpoint.hpp
// encodes them). It is committed in the same transaction as every row added
// before it, and that transaction records how far each table then reached
// (the marks), so a resume can remove every row written after it.
struct CheckpointRecord {
  std::uint32_t agent_index = 0;  // in the order of [agents] run
  std::string agent;
  std::int64_t episode = 0;
  std::int64_t step = 0;    // steps of the episode closed
  std::string coordinator;  // the coordinator's state
  std::string agent_state;  // the agent's checkpoint
  // Per user (by dataset index), its state.
  std::vector<std::pair<std::uint32_t, std::string>> users;
  // Filled when read back: the last rowid of each table at the checkpoint.
  std::int64_t feedback_mark = 0;
  std::int64_t versions_mark = 0;
  std::int64_t episodes_mark = 0;
  std::int64_t steps_mark = 0;
};

// What rewind_to_checkpoint removed.
struct RewindReport {
  bool from_checkpoint = false;  // false: no checkpoint, every result row removed
  std::int64_t feedback = 0;
  std::int64_t versions = 0;
  std::int64_t episodes = 0;
  std::int64_t steps = 0;
  std::int64_t users = 0;
};

class RunStore {
 public:
  // The schema version this build writes; stores are migrated up to it.
  static int current_schema_version() noexcept;

  // Opens or creates the store at `path` and migrates it. Throws
  // std::runtime_error naming the file on failure or a newer schema.
  explicit RunStore(const std::filesystem::path& path);
  ~RunStore();

  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  int schema_version() const;
  const std::filesystem::path& path() const noexcept { return path_; }

  // Records the run (one per store); written at once.
  void begin_run(const RunInfo& info);
  void set_run_status(std::string_view status);
  std::optional<RunInfo> run_info() const;

  // Buffered until commit().
  void add(const UserRow& row);
  void add(const ProfileVersionRow& row);
  void add(const FeedbackRow& row);
  void add(const LlmCallRow& row);
  void add(const EpisodeRow& row);
  void add(const StepMetricsRow& row);
  // Buffered like a row and committed after the rows added before it, in
  // the same transaction; replaces the previous checkpoint. A later add
  // before the commit replaces this one.
  void add(CheckpointRecord checkpoint);
  // Writes every buffered row in one transaction; returns how many.
  std::size_t commit();
  std::size_t pending() const noexcept;

  // Readers, for evaluation, export and tests (committed rows only).
  std::vector<UserRow> users() const;
  std::vector<ProfileVersionRow> profile_versions(std::optional<std::int64_t> user_id = {}) const;
  std::vector<FeedbackRow> feedback() const;
  std::vector<LlmCallRow> llm_calls() const;
  std::vector<EpisodeRow> episodes() const;
  std::vector<StepMetricsRow> step_metrics() const;

  // The latest committed checkpoint with its marks and user states.
  std::optional<CheckpointRecord> checkpoint() const;
  // Before a resume: removes, in one transaction, every feedback, profile
  // version, episode and step-metrics row written after the checkpoint; with
  // no checkpoint, every row of those tables and of users (the run starts
  // over). The runs row and the LLM-call log stay: a call that was paid for
  // stays recorded.
  RewindReport rewind_to_checkpoint();

  // The tables `export_table` knows, in a stable order.
  static std::vector<std::string> exported_tables();
  // Writes every row of `table` as CSV (with a header) or JSON Lines.
  enum class ExportFormat { kCsv, kJsonLines };
  std::size_t export_table(std::string_view table, ExportFormat format, std::ostream& out) const;

 private:
  struct Buffers;

  void migrate();

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace lusifer
