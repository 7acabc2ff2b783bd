#include "actors/simulation_runner.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/agent_actor.hpp"
#include "actors/coordinator.hpp"
#include "actors/gateway_pool.hpp"
#include "actors/shard_proxy.hpp"
#include "actors/store_writer.hpp"
#include "engine/core/random.hpp"
#include "engine/data/synthetic_world.hpp"
#include "engine/gateway/prompt_codec.hpp"
#include "engine/rl/progress_display.hpp"
#include "engine/rl/run_checkpoint.hpp"
#include "engine/sim/calibration.hpp"
#include "engine/sim/prompt_templates.hpp"
#include "engine/store/run_store.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer {
namespace {

constexpr std::size_t kReportedFailures = 10;

std::string utc_now_iso() {
  return fmt::format(
      "{:%Y-%m-%dT%H:%M:%SZ}",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

}  // namespace

SimulationRunner::SimulationRunner(caf::actor_system& system, RunSettings settings,
                                   std::filesystem::path run_directory, std::string git_revision)
    : system_(system),
      settings_(std::move(settings)),
      run_directory_(std::move(run_directory)),
      git_revision_(std::move(git_revision)) {}

SimulationRunner::~SimulationRunner() {
  // Actors hold references to the dataset this object owns: stop them first.
  if (users_) {
    for (auto& user : *users_)
      caf::anon_send_exit(user, caf::exit_reason::user_shutdown);
  }
  if (gateway_)
    caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
  if (store_)
    caf::anon_send_exit(store_, caf::exit_reason::user_shutdown);
  system_.await_all_actors_done();
}

std::string SimulationRunner::backend_label() const {
  return describe_backend(settings_.llm);
}

void SimulationRunner::load_data() {
  DataSettings& data = settings_.data;
  if (data.synthetic && !std::filesystem::exists(data.source.directory / "ratings.csv")) {
    spdlog::info("generating the synthetic world ({} users, {} items, seed {}) in {}",
                 data.world.users, data.world.items, data.world.seed,
                 data.source.directory.string());
    generate_synthetic_world(data.world, data.source.directory, false);
  }
  loaded_.emplace(load_dataset_source(data.source));
  spdlog::info("dataset {}: {} users, {} items, {} ratings (loaded in {:.2f} s)",
               loaded_->dataset.source(), loaded_->dataset.user_count(),
               loaded_->dataset.catalog().size(), loaded_->dataset.ratings().size(),
               loaded_->load_seconds);
}

void SimulationRunner::make_split() {
  const SplitSettings& s = settings_.data.split;
  Dataset& d = loaded_->dataset;
  switch (s.method) {
    case SplitMethod::kOfficial:
      split_ = load_official_split(d, settings_.data.source.directory, s.official_name,
                                   loaded_->diagnostics);
      break;
    case SplitMethod::kHoldout:
      split_ = holdout_last_k(d, s.holdout_k);
      break;
    case SplitMethod::kKFold:
      split_ = std::move(random_k_fold(d, s.folds, s.seed).at(s.fold - 1));
      break;
  }
  spdlog::info("split {}: {} training and {} test ratings", split_.name, split_.train.size(),
               split_.test.size());
}

void SimulationRunner::choose_population() {
  const Dataset& d = loaded_->dataset;
  population_.resize(d.user_count());
  std::iota(population_.begin(), population_.end(), UserIndex{0});
  const std::size_t wanted = settings_.simulation.users;
  if (wanted > 0 && wanted < population_.size()) {
    Rng rng(derive_seed(settings_.simulation.seed, 0x706f70ULL));
    rng.shuffle(std::span<UserIndex>(population_));
    population_.resize(wanted);
    std::sort(population_.begin(), population_.end());
  }
}

void SimulationRunner::start_backend() {
  const Dataset& d = loaded_->dataset;
  auto world = std::make_shared<UserWorld>();
  world->dataset = &d;
  world->training = std::make_shared<const TrainingHistories>(d, split_.train);
  world->settings = settings_.simulation;
  world->source_label = backend_label();
  world->store = store_;
  if (!settings_.llm.uses_llm) {
    const auto start = std::chrono::steady_clock::now();
    world->offline = std::make_shared<const OfflineUserModel>(d, split_.train, settings_.offline);
    spdlog::info("offline model (not an LLM) fitted in {:.2f} s",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  } else {
    GatewayPoolOptions options;
    options.settings = std::make_shared<const GatewaySettings>(settings_.llm);
    options.codec = std::make_shared<const PromptCodec>(
        d, PromptTemplates::load(settings_.prompts.directory), settings_.prompts.prompt);
    auto ids = std::make_shared<std::vector<ExternalId>>();
    for (const auto& u : d.users())
      ids->push_back(u.id);
    options.user_ids = std::move(ids);
    options.seed = settings_.simulation.seed;
    options.call_log = store_;  // every LLM call is recorded with the run
    gateway_ = spawn_gateway_pool(system_, std::move(options));
    world->gateway = gateway_;
  }
  world_ = std::move(world);
}

void SimulationRunner::open_store() {
  std::filesystem::create_directories(run_directory_);
  store_path_ = run_directory_ / "run.sqlite";
  auto store = std::make_unique<RunStore>(store_path_);
  RunInfo info;
  info.run_id = run_directory_.filename().string();
  info.created_at = utc_now_iso();
  info.config = settings_.effective_config;
  info.config_directory = settings_.config_directory.string();
  info.git_revision = git_revision_;
  info.seed = settings_.simulation.seed;
  info.backend = settings_.llm.uses_llm
                     ? std::string(llm::backend_kind_name(settings_.llm.profile.kind)) + " " +
                           settings_.llm.model
                     : "offline (not an LLM)";
  info.dataset = loaded_->dataset.source();
  store->begin_run(info);
  store_ = spawn_store_writer(system_, std::move(store));
}

void SimulationRunner::set_workers(std::vector<std::string> workers) {
  workers_ = std::move(workers);
}

void SimulationRunner::spawn_remote_users() {
  if (settings_.simulation.calibrate) {
    throw std::runtime_error(
        "simulation.calibrate = true is not supported with --workers yet (the calibration is "
        "fitted here and would have to reach every worker)");
  }
  auto& middleman = system_.middleman();
  std::vector<caf::actor> endpoints;
  for (const std::string& worker : workers_) {
    const HostPort address = parse_host_port(worker, "--workers");
    auto endpoint = middleman.remote_actor(address.host, address.port);
    if (!endpoint) {
      throw std::runtime_error(
          fmt::format("worker {}: cannot connect: {}", worker, system_.render(endpoint.error())));
    }
    endpoints.push_back(*endpoint);
  }
  const std::size_t n = population_.size();
  const std::size_t k = workers_.size();
  users_ = std::make_shared<std::vector<caf::actor>>(n);
  std::vector<caf::actor> proxies;
  caf::scoped_actor self{system_};
  // Every worker builds its world at once; each answers when its users are up.
  using SetupHandle = decltype(self->request(caf::actor{}, caf::infinite, ShardSetup{}));
  std::vector<SetupHandle> setups;
  for (std::size_t j = 0; j < k; ++j) {
    ShardSetup setup;
    setup.worker = workers_[j];
    setup.config = settings_.effective_config;
    setup.users.assign(population_.begin() + static_cast<std::ptrdiff_t>(j * n / k),
                       population_.begin() + static_cast<std::ptrdiff_t>((j + 1) * n / k));
    setup.gateway = gateway_;
    setup.proxy = spawn_shard_proxy(system_, workers_[j], store_);
    proxies.push_back(setup.proxy);
    setups.push_back(self->request(endpoints[j], caf::infinite, std::move(setup)));
  }
  const auto stop_proxies = [&] {
    for (const auto& proxy : proxies)
      self->send_exit(proxy, caf::exit_reason::user_shutdown);
  };
  for (std::size_t j = 0; j < k; ++j) {
    ShardReady ready;
    caf::error failure;
    setups[j].receive([&](ShardReady& r) { ready = std::move(r); },
                      [&](caf::error& error) { failure = std::move(error); });
    if (failure) {
      stop_proxies();
      throw std::runtime_error(
          fmt::format("worker {}: could not host its users: {}", workers_[j], describe(failure)));
    }
    const std::size_t from = j * n / k;
    const auto stubs = attach_shard(system_, proxies[j], ready.shard,
                                    static_cast<std::uint32_t>((j + 1) * n / k - from));
    std::copy(stubs.begin(), stubs.end(), users_->begin() + static_cast<std::ptrdiff_t>(from));
    spdlog::info("worker {}: {} users up in {:.2f} s", workers_[j], ready.users, ready.seconds);
  }
  spdlog::info("{} simulated users ({}) on {} workers", n, backend_label(), k);
}

std::vector<caf::actor> SimulationRunner::prepare_shard(const std::vector<UserIndex>& users,
                                                        caf::actor gateway, caf::actor records) {
  load_data();
  make_split();
  const Dataset& d = loaded_->dataset;
  for (const UserIndex u : users) {
    if (u >= d.user_count()) {
      throw std::runtime_error(
          fmt::format("user index {} is outside the dataset ({} users): the worker's data is not "
                      "the coordinator's",
                      u, d.user_count()));
    }
  }
  if (settings_.llm.uses_llm) {
    // The coordinator node's gateway pool, so that one set of limits, one
    // budget and one call log serve the whole run.
    auto world = std::make_shared<UserWorld>();
    world->dataset = &d;
    world->training = std::make_shared<const TrainingHistories>(d, split_.train);
    world->settings = settings_.simulation;
    world->source_label = backend_label();
    world->gateway = std::move(gateway);
    world_ = std::move(world);
  } else {
    start_backend();
  }
  world_->store = std::move(records);
  population_ = users;
  users_ = std::make_shared<std::vector<caf::actor>>();
  users_->reserve(users.size());
  std::shared_ptr<const UserWorld> world = world_;
  for (const UserIndex u : users)
    users_->push_back(spawn_user_actor(system_, world, u));
  return *users_;
}

void SimulationRunner::spawn_users() {
  if (!workers_.empty()) {
    spawn_remote_users();
    return;
  }
  users_ = std::make_shared<std::vector<caf::actor>>();
  users_->reserve(population_.size());
  std::shared_ptr<const UserWorld> world = world_;
  for (const UserIndex u : population_)
    users_->push_back(spawn_user_actor(system_, world, u));
  spdlog::info("{} simulated users ({})", users_->size(), backend_label());
}

void SimulationRunner::open_existing_store() {
  store_path_ = run_directory_ / "run.sqlite";
  if (!std::filesystem::exists(store_path_))
    throw std::runtime_error(fmt::format("{}: no run store to resume", store_path_.string()));
  auto store = std::make_unique<RunStore>(store_path_);
  const RewindReport rewound = store->rewind_to_checkpoint();
  if (rewound.from_checkpoint) {
    checkpoint_ = store->checkpoint();
    spdlog::info(
        "resuming from the checkpoint at agent {} episode {} step {}; removed the rows written "
        "after it: {} feedback, {} profile versions, {} episodes, {} step metrics",
        checkpoint_->agent, checkpoint_->episode + 1, checkpoint_->step, rewound.feedback,
        rewound.versions, rewound.episodes, rewound.steps);
  } else {
    spdlog::info(
        "no checkpoint: the run starts over (removed {} users, {} profile versions, {} "
        "feedback rows)",
        rewound.users, rewound.versions, rewound.feedback);
  }
  store->set_run_status("running");
  store_ = spawn_store_writer(system_, std::move(store));
}

bool SimulationRunner::prepare_resume() {
  if (settings_.simulation.mode != StepMode::kSync) {
    throw std::runtime_error(
        "--resume: only sync-mode runs can be resumed (simulation.mode = \"sync\"); this run is "
        "async, which takes no checkpoints");
  }
  load_data();
  make_split();
  choose_population();
  open_existing_store();
  if (checkpoint_ && settings_.simulation.calibrate) {
    throw std::runtime_error(
        "--resume: a run with simulation.calibrate = true cannot continue from a checkpoint (the "
        "calibration is not part of it)");
  }
  if (checkpoint_ && checkpoint_->users.size() != population_.size()) {
    throw std::runtime_error(fmt::format(
        "--resume: the checkpoint holds {} users, the run's population {}: not this run's",
        checkpoint_->users.size(), population_.size()));
  }
  start_backend();
  spawn_users();
  return checkpoint_.has_value();
}

void SimulationRunner::restore_checkpoint() {
  if (!checkpoint_)
    throw std::logic_error("restore_checkpoint without a checkpoint");
  auto& users = checkpoint_->users;
  caf::scoped_actor self{system_};
  // Plain messages with a bounded number in flight, answers matched by user:
  // as many outstanding requests would cost O(N^2) in CAF 0.17.
  std::size_t next = 0;
  std::size_t in_flight = 0;
  std::string failure;
  const auto send_next = [&] {
    if (users[next].first != population_[next]) {
      throw std::runtime_error(
          fmt::format("--resume: the checkpoint's user {} is not the population's user {}",
                      users[next].first, population_[next]));
    }
    self->send((*users_)[next], restore_atom_v, std::move(users[next].second));
    ++next;
    ++in_flight;
  };
  while (next < users.size() && in_flight < settings_.profile_concurrency)
    send_next();
  while (in_flight > 0) {
    self->receive(
        [&](UserStateRestored& restored) {
          if (!restored.failure.empty() && failure.empty())
            failure = restored.failure;
        },
        [&](caf::error& error) {
          if (failure.empty())
            failure = describe(error);
        });
    --in_flight;
    if (next < users.size())
      send_next();
  }
  users.clear();
  if (!failure.empty())
    throw std::runtime_error("--resume: a user could not be restored: " + failure);
  spdlog::info("{} users restored from the checkpoint", population_.size());
}

void SimulationRunner::prepare() {
  load_data();
  make_split();
  choose_population();
  open_store();
  start_backend();
  spawn_users();
}

ProfilePhaseReport SimulationRunner::build_profiles() {
  const auto start = std::chrono::steady_clock::now();
  ProfilePhaseReport report;
  report.users = population_.size();
  const Dataset& d = loaded_->dataset;
  caf::scoped_actor self{system_};
  std::size_t next = 0;
  std::size_t in_flight = 0;
  const std::size_t limit = settings_.profile_concurrency;
  const auto send_next = [&] {
    const UserIndex user = population_[next];
    ProfileJob job{history_batches(d, *world_->training, user, settings_.prompts.history)};
    if (job.batches.empty())
      ++report.cold_start;
    self->send((*users_)[next], std::move(job));
    ++next;
    ++in_flight;
  };
  while (next < population_.size() && in_flight < limit)
    send_next();
  while (in_flight > 0) {
    self->receive(
        [&](ProfileOutcome& outcome) {
          --in_flight;
          if (outcome.built) {
            ++report.built;
          } else {
            ++report.failed;
            if (report.failures.size() < kReportedFailures) {
              report.failures.emplace_back(d.user(outcome.user).id, outcome.failure);
            }
          }
        },
        [&](caf::error& error) {
          --in_flight;
          ++report.failed;
          if (report.failures.size() < kReportedFailures)
            report.failures.emplace_back(-1, describe(error));
        });
    if (next < population_.size())
      send_next();
  }
  self->request(store_, caf::infinite, flush_atom_v).receive([] {}, [](caf::error&) {});
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::vector<AgentRunSummary> SimulationRunner::run_agents() {
  if (split_released_)
    throw std::logic_error("run_agents: already called (the split was released)");
  std::vector<AgentRunSummary> summaries;
  if (settings_.simulation.calibrate && !world_->calibration) {
    // Fitted on the users' own ratings of their latest training items, never
    // on anything an episode shows them; the users are reset before episodes.
    std::size_t requests = 0;
    std::size_t failed = 0;
    std::vector<std::string> failures;
    const auto start = std::chrono::steady_clock::now();
    world_->calibration = fit_calibration(
        split_.train, settings_.evaluation.simulator_calibration_items, requests, failed, failures);
    spdlog::info("calibration fitted for {} users from {} rating requests ({} failed) in {:.1f} s",
                 world_->calibration->fitted_users(), requests, failed,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const Dataset& d = loaded_->dataset;
  caf::scoped_actor self{system_};
  const bool interactive = ProgressDisplay::stderr_is_terminal();
  // Resuming: the checkpoint's coordinator state, and the agents it finished.
  std::shared_ptr<const CoordinatorCheckpoint> resume;
  std::uint32_t first_agent = 0;
  if (checkpoint_) {
    resume = std::make_shared<const CoordinatorCheckpoint>(
        decode_coordinator_checkpoint(checkpoint_->coordinator, "the run's checkpoint"));
    first_agent = resume->agent_index;
    summaries = resume->completed;
  }
  for (std::uint32_t index = first_agent; index < settings_.agents.size(); ++index) {
    const auto& spec = settings_.agents[index];
    const unsigned threads = static_cast<unsigned>(settings_.simulation.threads);
    auto agent = make_agent(spec, d, split_.train, settings_.simulation.seed, threads);
    if (index + 1 == settings_.agents.size()) {
      split_ = Split{split_.name, {}, {}};
      split_released_ = true;
    }
    if (resume && index == first_agent) {
      if (spec.name != resume->agent)
        throw std::runtime_error(
            fmt::format("the checkpoint is of agent {}, the run's agent {} is {}", resume->agent,
                        index + 1, spec.name));
      std::istringstream bytes(checkpoint_->agent_state);
      agent->load(bytes, fmt::format("the checkpoint of agent {}", spec.name));
    }
    auto display = std::make_shared<ProgressDisplay>(interactive);
    CoordinatorPlan plan;
    plan.agent_index = index;
    plan.completed = summaries;
    if (resume && index == first_agent) {
      plan.resume = resume;
      checkpoint_.reset();
    }
    plan.agent_name = spec.name;
    plan.agent = spawn_agent_actor(system_, std::move(agent));
    plan.dataset = &d;
    plan.training = world_->training;
    plan.population = population_;
    plan.users = users_;
    plan.settings = settings_.simulation;
    plan.store = store_;
    plan.gateway = gateway_;
    const bool uses_llm = settings_.llm.uses_llm;
    plan.on_progress = [display, uses_llm](const ProgressReport& r) {
      ProgressFigures f;
      f.label =
          fmt::format("{} ep {}/{}", r.agent, std::min(r.episode + 1, r.episodes), r.episodes);
      f.done = r.user_steps;
      f.total = r.user_steps_total;
      f.active_users = r.active_users;
      f.seconds = r.seconds;
      f.last_mean_reward = r.last_mean_reward;
      f.llm_calls = r.llm_calls;
      f.tokens = r.tokens;
      f.cost_usd = r.cost_usd;
      f.uses_llm = uses_llm;
      display->update(f);
    };
    auto coordinator = spawn_coordinator(system_, std::move(plan));
    self->request(coordinator, caf::infinite, run_atom_v)
        .receive(
            [&](AgentRunSummary& summary) { summaries.push_back(std::move(summary)); },
            [&](caf::error& error) {
              display->finish();
              throw std::runtime_error(fmt::format("agent {}: {}", spec.name, describe(error)));
            });
    display->finish();
  }
  return summaries;
}

std::vector<SimulationRunner::UserRatings> SimulationRunner::rate_items(
    std::vector<ItemsToRate> work, std::size_t& requests, std::size_t& failed_requests,
    std::vector<std::string>& failures) {
  const std::size_t chunk = std::max<std::size_t>(1, settings_.simulation.slate_size);
  struct Pending {
    std::size_t work = 0;      // index into `work`
    std::size_t position = 0;  // in population_ and users_
    std::size_t next = 0;      // the next chunk to ask for
  };
  std::vector<UserRatings> results(work.size());
  std::vector<Pending> pending;
  std::unordered_map<UserIndex, std::size_t> pending_of;
  for (std::size_t i = 0; i < work.size(); ++i) {
    results[i].user = work[i].user;
    const auto at = std::lower_bound(population_.begin(), population_.end(), work[i].user);
    if (work[i].items.empty() || at == population_.end() || *at != work[i].user)
      continue;
    pending_of[work[i].user] = pending.size();
    pending.push_back({i, static_cast<std::size_t>(at - population_.begin()), 0});
  }
  caf::scoped_actor self{system_};
  const auto chunks = [&](const Pending& p) {
    return (work[p.work].items.size() + chunk - 1) / chunk;
  };
  const auto send = [&](Pending& p) {
    const auto& items = work[p.work].items;
    const std::size_t from = p.next * chunk;
    RateRequest request;
    request.step = static_cast<std::uint32_t>(p.next);
    request.items.assign(
        items.begin() + static_cast<std::ptrdiff_t>(from),
        items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), from + chunk)));
    self->send((*users_)[p.position], std::move(request));
    ++requests;
  };
  const auto note_failure = [&](std::string reason) {
    if (failures.size() < kReportedFailures)
      failures.push_back(std::move(reason));
  };
  std::size_t next_user = 0;
  std::size_t in_flight = 0;
  // A user handles one request at a time anyway; asking for its next chunk
  // only when the last is answered keeps every mailbox short.
  while (next_user < pending.size() && in_flight < settings_.profile_concurrency) {
    send(pending[next_user++]);
    ++in_flight;
  }
  while (in_flight > 0) {
    std::optional<UserIndex> answered;
    self->receive(
        [&](UserFeedback& feedback) {
          answered = feedback.user;
          UserRatings& r = results[pending[pending_of.at(feedback.user)].work];
          if (!feedback.failure.empty()) {
            ++failed_requests;
            note_failure(fmt::format("user {}: {}", loaded_->dataset.user(feedback.user).id,
                                     feedback.failure));
          }
          r.missing += feedback.missing.size();
          for (ItemRating& rating : feedback.ratings) {
            r.ratings.push_back(std::move(rating));
            r.profile_versions.push_back(feedback.profile_version);
          }
        },
        [&](caf::error& error) {
          // An error names no user: that user's remaining chunks are dropped and counted.
          ++failed_requests;
          note_failure(describe(error));
        });
    --in_flight;
    if (answered) {
      Pending& p = pending[pending_of.at(*answered)];
      if (++p.next < chunks(p)) {
        send(p);
        ++in_flight;
        continue;
      }
    }
    if (next_user < pending.size()) {
      send(pending[next_user++]);
      ++in_flight;
    }
  }
  return results;
}

std::shared_ptr<const RatingCalibration> SimulationRunner::fit_calibration(
    std::span<const RatingIndex> train, std::size_t items_per_user, std::size_t& requests,
    std::size_t& failed_requests, std::vector<std::string>& failures) {
  const RatingTable& ratings = loaded_->dataset.ratings();
  std::map<UserIndex, std::vector<RatingIndex>> train_of;
  for (const RatingIndex r : train) {
    if (std::binary_search(population_.begin(), population_.end(), ratings.user(r))) {
      train_of[ratings.user(r)].push_back(r);
    }
  }
  std::vector<ItemsToRate> work;
  std::vector<std::vector<double>> real;
  for (auto& [user, rows] : train_of) {
    std::stable_sort(rows.begin(), rows.end(), [&](RatingIndex a, RatingIndex b) {
      return ratings.timestamp(a) < ratings.timestamp(b);
    });
    ItemsToRate w{user, {}};
    const std::size_t take = std::min(items_per_user, rows.size());
    for (std::size_t i = rows.size() - take; i < rows.size(); ++i)
      w.items.push_back(ratings.item(rows[i]));
    work.push_back(std::move(w));
    real.emplace_back();
    for (const RatingIndex r : rows)
      real.back().push_back(ratings.value(r));
  }
  const auto answers = rate_items(std::move(work), requests, failed_requests, failures);
  auto calibration = std::make_shared<RatingCalibration>(loaded_->dataset.scale());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    std::vector<double> simulated;
    for (const ItemRating& r : answers[i].ratings)
      simulated.push_back(r.rating);
    if (!simulated.empty() && !real[i].empty())
      calibration->fit(answers[i].user, simulated, real[i]);
  }
  return calibration;
}

void SimulationRunner::reset_users() {
  caf::scoped_actor self{system_};
  for (const auto& user : *users_) {
    self->request(user, caf::infinite, restart_atom_v, std::uint32_t{0})
        .receive([](ProfileRestarted&) {}, [](caf::error&) {});
  }
}

EvaluationPassReport SimulationRunner::rate_for_evaluation(const EvaluationProtocol& protocol,
                                                           std::size_t calibration_items) {
  const auto start = std::chrono::steady_clock::now();
  const Dataset& d = loaded_->dataset;
  EvaluationPassReport report;
  report.predictions.label =
      settings_.llm.uses_llm
          ? simulator_label(llm::backend_kind_name(settings_.llm.profile.kind), settings_.llm.model)
          : "Lusifer simulator: offline model (not an LLM)";
  report.predictions.detail = fmt::format(
      "{}; profiles from the last {} training ratings in batches of {}; up to {} items per "
      "request; "
      "profile updated every {} feedback events{}",
      backend_label(), settings_.prompts.history.history_items,
      settings_.prompts.history.batch_size,
      std::max<std::size_t>(1, settings_.simulation.slate_size), settings_.simulation.update_every,
      calibration_items > 0
          ? fmt::format("; calibrated on its own ratings of {} training items per user",
                        calibration_items)
          : "");

  // Calibration first, on training items only; then back to the phase-1
  // profiles, so the test ratings start where an uncalibrated pass would.
  std::shared_ptr<const RatingCalibration> calibration;
  if (calibration_items > 0) {
    calibration = fit_calibration(protocol.train, calibration_items, report.requests,
                                  report.failed_requests, report.failures);
    report.calibrated_users = calibration->fitted_users();
    reset_users();
  }

  std::map<UserIndex, std::vector<ItemIndex>> test_items;
  for (const TestRating& t : protocol.test)
    test_items[t.user].push_back(t.item);
  std::vector<ItemsToRate> work;
  for (auto& [user, items] : test_items) {
    if (std::binary_search(population_.begin(), population_.end(), user)) {
      work.push_back({user, std::move(items)});
    }
  }
  report.users = work.size();
  const auto answers =
      rate_items(std::move(work), report.requests, report.failed_requests, report.failures);

  StoreBatch batch;
  for (const UserRatings& user : answers) {
    report.missing_items += user.missing;
    for (std::size_t i = 0; i < user.ratings.size(); ++i) {
      const ItemRating& r = user.ratings[i];
      SimulatedRating s;
      s.user_id = d.user(user.user).id;
      s.item_id = d.catalog().item(r.item).id;
      s.raw = r.rating;
      if (calibration)
        s.calibrated = calibration->map(user.user, r.rating);
      FeedbackRow row;
      row.user_id = s.user_id;
      row.item_id = s.item_id;
      row.raw_rating = s.raw;
      row.calibrated_rating = s.calibrated;
      row.explanation = r.explanation;
      row.profile_version = user.profile_versions[i];
      batch.feedback.push_back(std::move(row));
      report.predictions.ratings.push_back(s);
    }
  }
  if (store_ && !batch.empty()) {
    caf::scoped_actor self{system_};
    self->send(store_, std::move(batch));
    self->request(store_, caf::infinite, flush_atom_v).receive([] {}, [](caf::error&) {});
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void SimulationRunner::finish(std::string_view status) {
  if (!store_)
    return;
  caf::scoped_actor self{system_};
  self->request(store_, caf::infinite, flush_atom_v).receive([] {}, [](caf::error&) {});
  // The writer must be gone (its connection closed) before the status is written.
  self->monitor(store_);
  self->send_exit(store_, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
  store_ = caf::actor{};
  RunStore store(store_path_);
  store.set_run_status(status);
}

}  // namespace lusifer
