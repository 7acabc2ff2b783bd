#pragma once

// Assembles and runs a simulation: the dataset and its split, the simulated
// users' backend (the offline model or the LLM gateway), the run store, one
// actor per user; then phase 1 (profiles) and phase 2 (episodes with each
// agent). The methods block the calling thread (the program's main thread),
// never an actor's.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/user_actor.hpp"
#include "engine/data/dataset_source.hpp"
#include "engine/data/split.hpp"
#include "engine/eval/evaluation_protocol.hpp"
#include "engine/eval/prediction_set.hpp"
#include "engine/rl/run_settings.hpp"
#include "engine/store/run_store.hpp"
#include "messages/rl_messages.hpp"

namespace lusifer {

struct ProfilePhaseReport {
  std::size_t users = 0;
  std::size_t built = 0;
  std::size_t cold_start = 0;
  std::vector<std::pair<ExternalId, std::string>> failures;  // the first few
  std::size_t failed = 0;
  double seconds = 0.0;
};

// What the simulated users answered for an evaluation protocol's test pairs.
struct EvaluationPassReport {
  SimulatorPredictions predictions;
  std::size_t users = 0;            // users with test pairs in the population
  std::size_t requests = 0;         // rating requests sent (test and calibration)
  std::size_t failed_requests = 0;  // requests that ended without ratings
  std::size_t missing_items = 0;    // test items left unrated
  std::size_t calibrated_users = 0;
  std::vector<std::string> failures;  // the first few reasons
  double seconds = 0.0;
};

class SimulationRunner {
 public:
  // `run_directory` receives run.sqlite; it is created. `git_revision` is
  // recorded with the run.
  SimulationRunner(caf::actor_system& system, RunSettings settings,
                   std::filesystem::path run_directory, std::string git_revision);
  ~SimulationRunner();

  SimulationRunner(const SimulationRunner&) = delete;
  SimulationRunner& operator=(const SimulationRunner&) = delete;

  // Loads (or generates) the data, splits it, fits or connects the backend,
  // opens the store and spawns the users. Throws with a message for the user.
  void prepare();

  // A distributed run (docs/distributed.md): the users live on these
  // `lusifer worker` processes ("host:port" each), the population cut into
  // contiguous blocks, one per worker, instead of in this process; users()
  // then holds local stand-ins for them. Call before prepare(); the actor
  // system must have loaded CAF's middleman.
  void set_workers(std::vector<std::string> workers);
  // On a `lusifer worker`, instead of prepare(): the same data, split and
  // backend as prepare() builds (no store), and the actors of `users` only,
  // returned in that order. Their LLM tasks go to `gateway` (the coordinator
  // node's pool; unused offline) and their rows to `records`.
  std::vector<caf::actor> prepare_shard(const std::vector<UserIndex>& users, caf::actor gateway,
                                        caf::actor records);

  ProfilePhaseReport build_profiles();
  // After build_profiles, or after restore_checkpoint: each agent's episodes
  // in turn (from the checkpoint's agent and step when resuming; the agents
  // finished before it are reported from the checkpoint).
  //
  // The split's rating lists are released once the last agent is built:
  // nothing after that reads them (the users and the model keep their own
  // views of the training ratings), and at a million users they are 120
  // bytes a user of the episodes' memory. split() is then empty, and a
  // second call throws std::logic_error.
  std::vector<AgentRunSummary> run_agents();

  // `lusifer simulate --resume`, instead of prepare(): the same data,
  // backend and users, and the run's existing store (run.sqlite in the run
  // directory; its config must be the one these settings were read from),
  // rewound to its checkpoint: every row written after it is removed. Without
  // a checkpoint every result row is removed and the run starts over.
  // Returns whether there is a checkpoint: then call restore_checkpoint()
  // instead of build_profiles(). Throws for a store without a run, an async
  // run, or a checkpoint that does not fit these settings.
  bool prepare_resume();
  // Gives every user its state of the checkpoint; throws if one refuses.
  void restore_checkpoint();
  // Phase 2 outside episodes, for evaluation: every user of the population
  // with test pairs in `protocol` rates its test items, in requests of at
  // most simulation.slate_size items, its profile evolving as configured.
  // With `calibration_items` > 0 each user first rates up to that many of
  // its most recent training items of the protocol, and a per-user
  // RatingCalibration fitted on those answers against the user's real
  // training ratings (never a test rating) calibrates the test ratings.
  // Every test rating goes to the run store as feedback outside episodes
  // (episode -1). Call after build_profiles.
  EvaluationPassReport rate_for_evaluation(const EvaluationProtocol& protocol,
                                           std::size_t calibration_items);

  // Marks the run finished (or failed) in the store and stops the actors.
  void finish(std::string_view status);

  const RunSettings& settings() const noexcept { return settings_; }
  const Dataset& dataset() const { return loaded_->dataset; }
  const Split& split() const noexcept { return split_; }
  const std::vector<UserIndex>& population() const noexcept { return population_; }
  const std::filesystem::path& store_path() const noexcept { return store_path_; }
  std::string backend_label() const;
  // After prepare(): what the user actors share, and the actors themselves
  // (users()[i] simulates population()[i]). For drivers other than
  // run_agents, such as the environment server.
  std::shared_ptr<const UserWorld> world() const noexcept { return world_; }
  std::shared_ptr<const std::vector<caf::actor>> users() const noexcept { return users_; }

 private:
  struct ItemsToRate {
    UserIndex user = 0;
    std::vector<ItemIndex> items;
  };
  struct UserRatings {
    UserIndex user = 0;
    std::vector<ItemRating> ratings;             // in the order asked, the missing left out
    std::vector<std::int32_t> profile_versions;  // the profile behind each rating
    std::size_t missing = 0;
  };
  // Each user rates its items in requests of at most simulation.slate_size,
  // one request in flight per user and at most profile_concurrency users at
  // once. Users outside the population are skipped (empty results).
  std::vector<UserRatings> rate_items(std::vector<ItemsToRate> work, std::size_t& requests,
                                      std::size_t& failed_requests,
                                      std::vector<std::string>& failures);
  // Per-user calibration from the users' ratings of their latest
  // `items_per_user` ratings of `train` against all their real ones there.
  std::shared_ptr<const RatingCalibration> fit_calibration(std::span<const RatingIndex> train,
                                                           std::size_t items_per_user,
                                                           std::size_t& requests,
                                                           std::size_t& failed_requests,
                                                           std::vector<std::string>& failures);
  // Every user back to its phase-1 profile.
  void reset_users();
  void load_data();
  void make_split();
  void choose_population();
  void start_backend();
  void open_store();
  void spawn_users();
  void spawn_remote_users();
  void open_existing_store();

  caf::actor_system& system_;
  RunSettings settings_;
  std::filesystem::path run_directory_;
  std::string git_revision_;
  std::filesystem::path store_path_;
  std::optional<LoadedDataset> loaded_;
  Split split_;
  bool split_released_ = false;  // by run_agents
  std::vector<UserIndex> population_;
  std::shared_ptr<UserWorld> world_;
  std::shared_ptr<std::vector<caf::actor>> users_;
  caf::actor gateway_;
  caf::actor store_;
  std::vector<std::string> workers_;            // empty: the users live in this process
  std::optional<CheckpointRecord> checkpoint_;  // resuming from it; cleared once used
};

}  // namespace lusifer
