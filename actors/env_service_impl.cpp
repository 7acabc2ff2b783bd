#include "actors/env_service_impl.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/core/random.hpp"
#include "engine/rl/reward_model.hpp"
#include "engine/rl/satisfaction_model.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lusifer::env_detail {

// A reset or a step for a session actor, with the completion to answer. It
// never leaves the process.
struct SessionJob {
  bool is_step = false;
  envserver::ResetRequest reset;
  envserver::StepRequest step;
  envserver::EnvCallback<envserver::ResetResponse> reset_done;
  envserver::EnvCallback<envserver::StepResponse> step_done;
};

}  // namespace lusifer::env_detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<lusifer::env_detail::SessionJob>)

namespace lusifer {
namespace {

using env_detail::SessionJob;
using envserver::EnvError;
using envserver::EnvErrorKind;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kSampleLabel = 0x656e762d7573ULL;   // "env-us"
constexpr std::uint64_t kEpisodeLabel = 0x656e762d6570ULL;  // "env-ep"

struct SessionPlan {
  std::string env_id;
  std::shared_ptr<const UserWorld> world;
  std::vector<UserIndex> users;    // in the session's order
  std::vector<caf::actor> actors;  // actors[i] simulates users[i]
  SimulationSettings settings;     // with the session's horizon, slate size, reward, leaving
  std::uint64_t seed = 0;
};

struct UserSlot {
  bool done = false;
  bool terminated = false;
  bool truncated = false;
  std::uint32_t step = 0;
  double total_reward = 0.0;
  std::vector<ItemIndex> recommended;  // this episode, sorted
  std::optional<Satisfaction> satisfaction;
  envserver::UserObservation observation;
  std::string leave_reason;
};

// One step in flight: the users' results as they arrive.
struct StepProgress {
  std::uint64_t token = 0;
  std::vector<envserver::UserStep> results;
  std::vector<std::vector<ItemIndex>> slates;  // per user; empty for done users
  std::size_t remaining = 0;
  envserver::EnvCallback<envserver::StepResponse> done;
  StoreBatch batch;
  StepMetricsRow metrics;
  Clock::time_point started;
  double rating_sum = 0.0;
};

struct SessionState {
  SessionPlan plan;
  std::vector<std::vector<ItemIndex>> history;  // per user, sorted training items
  std::vector<UserSlot> slots;
  std::uint32_t episodes = 0;  // started; the current one is episodes - 1
  std::uint64_t reward_seed = 0;
  std::uint64_t token = 0;  // the job being answered; stale answers are dropped
  std::shared_ptr<StepProgress> step;
};

using SessionActor = caf::stateful_actor<SessionState>;

std::string agent_name(const SessionPlan& plan) {
  return "env:" + plan.env_id;
}

envserver::UserObservation observation_of(const Dataset& dataset, const ProfileSnapshot& snapshot) {
  envserver::UserObservation o;
  o.user_id = dataset.user(snapshot.user).id;
  o.profile = snapshot.text;
  o.profile_version = snapshot.version;
  o.recent.reserve(snapshot.recent.size());
  for (const Interaction& i : snapshot.recent) {
    o.recent.push_back({dataset.catalog().item(i.item).id, i.rating});
  }
  return o;
}

bool contains(const std::vector<ItemIndex>& sorted, ItemIndex item) {
  return std::binary_search(sorted.begin(), sorted.end(), item);
}

void insert_sorted(std::vector<ItemIndex>& sorted, ItemIndex item) {
  sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), item), item);
}

// ---- reset -----------------------------------------------------------------

void run_reset(SessionActor* self, std::shared_ptr<SessionJob> job) {
  auto& s = self->state;
  const std::uint64_t token = ++s.token;
  s.step.reset();
  const std::uint32_t episode = s.episodes++;
  s.reward_seed =
      job->reset.seed ? *job->reset.seed : derive_seed(s.plan.seed, kEpisodeLabel + episode);
  for (auto& slot : s.slots) {
    slot = UserSlot{};
    if (s.plan.settings.leaving.enabled)
      slot.satisfaction.emplace(s.plan.settings.leaving);
  }
  struct Progress {
    std::size_t remaining = 0;
    std::string failure;
    envserver::EnvCallback<envserver::ResetResponse> done;
  };
  auto progress = std::make_shared<Progress>();
  progress->remaining = s.slots.size();
  progress->done = std::move(job->reset_done);
  const auto finished = [self, token, progress] {
    auto& st = self->state;
    if (st.token != token)
      return;
    if (!progress->failure.empty()) {
      progress->done(EnvError(EnvErrorKind::kInternal, progress->failure));
      return;
    }
    envserver::ResetResponse response;
    response.observations.reserve(st.slots.size());
    for (const auto& slot : st.slots)
      response.observations.push_back(slot.observation);
    progress->done(std::move(response));
  };
  for (std::size_t i = 0; i < s.slots.size(); ++i) {
    self->request(s.plan.actors[i], s.plan.settings.step_deadline, reset_atom_v, episode)
        .then(
            [self, token, progress, finished, i](const ProfileSnapshot& snapshot) {
              auto& st = self->state;
              if (st.token != token)
                return;
              st.slots[i].observation = observation_of(*st.plan.world->dataset, snapshot);
              if (--progress->remaining == 0)
                finished();
            },
            [self, token, progress, finished, i](const caf::error& error) {
              auto& st = self->state;
              if (st.token != token)
                return;
              if (progress->failure.empty()) {
                progress->failure =
                    fmt::format("user {} could not start an episode: {}",
                                st.plan.world->dataset->user(st.plan.users[i]).id, describe(error));
              }
              if (--progress->remaining == 0)
                finished();
            });
  }
}

// ---- step ------------------------------------------------------------------

void finish_step(SessionActor* self, const std::shared_ptr<StepProgress>& progress) {
  auto& s = self->state;
  const std::uint32_t episode = s.episodes - 1;
  auto& m = progress->metrics;
  m.agent = agent_name(s.plan);
  m.episode = episode;
  m.mean_reward = m.rated > 0 ? m.mean_reward / static_cast<double>(m.rated) : 0.0;
  m.mean_rating = m.rated > 0 ? progress->rating_sum / static_cast<double>(m.rated) : 0.0;
  m.seconds = std::chrono::duration<double>(Clock::now() - progress->started).count();
  if (m.users > 0)
    progress->batch.steps.push_back(m);
  const auto answer = [self, progress] {
    auto& st = self->state;
    if (st.token != progress->token)
      return;
    st.step.reset();
    progress->done(envserver::StepResponse{std::move(progress->results)});
  };
  const caf::actor& store = s.plan.world->store;
  if (!store) {
    answer();
    return;
  }
  self->send(store, std::move(progress->batch));
  self->request(store, caf::infinite, flush_atom_v)
      .then(
          [answer] { answer(); },
          [self, progress](const caf::error& error) {
            if (self->state.token != progress->token)
              return;
            self->state.step.reset();
            progress->done(EnvError(EnvErrorKind::kInternal,
                                    "the run store could not record the step: " + describe(error)));
          });
}

// Rewards, satisfaction and records for user i's answered (or missed) slate.
void settle(SessionActor* self, const std::shared_ptr<StepProgress>& progress, std::size_t i,
            const UserFeedback* feedback, bool late, const std::string& failure,
            const ProfileSnapshot* snapshot) {
  auto& s = self->state;
  const Dataset& dataset = *s.plan.world->dataset;
  const SimulationSettings& settings = s.plan.settings;
  const RatingScale& scale = dataset.scale();
  const std::uint32_t episode = s.episodes - 1;
  UserSlot& slot = s.slots[i];
  envserver::UserStep& out = progress->results[i];
  const auto& slate = progress->slates[i];
  const ExternalId user_id = dataset.user(s.plan.users[i]).id;
  const std::uint32_t step = slot.step;
  out.info.late = late;
  out.info.failure = failure;
  ++progress->metrics.users;
  if (late)
    ++progress->metrics.late;
  if (!late && !failure.empty())
    ++progress->metrics.failed;
  double reward_sum = 0.0;
  double normalized_sum = 0.0;
  std::size_t rated = 0;
  std::size_t repeats = 0;
  for (std::size_t pos = 0; pos < slate.size(); ++pos) {
    const ItemIndex item = slate[pos];
    const bool repeated = contains(slot.recommended, item);
    const bool seen = contains(s.history[i], item);
    repeats += (repeated || seen) ? 1 : 0;
    if (!repeated)
      insert_sorted(slot.recommended, item);
    const ItemRating* answer = nullptr;
    if (feedback) {
      const auto it = std::find_if(feedback->ratings.begin(), feedback->ratings.end(),
                                   [item](const ItemRating& r) { return r.item == item; });
      if (it != feedback->ratings.end())
        answer = &*it;
    }
    const ExternalId item_id = dataset.catalog().item(item).id;
    if (!answer) {
      out.info.missing.push_back(item_id);
      continue;
    }
    const RewardContext context{
        s.reward_seed, s.plan.users[i], episode, step, static_cast<std::uint32_t>(pos), repeated,
        seen};
    const double reward = reward_of(settings.reward, scale, answer->rating, context);
    reward_sum += reward;
    normalized_sum += normalized_rating(scale, answer->rating);
    ++rated;
    envserver::RatedItem rated_item;
    rated_item.item_id = item_id;
    rated_item.rating = answer->rating;
    const auto index = static_cast<std::size_t>(answer - feedback->ratings.data());
    if (index < feedback->calibrated.size())
      rated_item.calibrated = feedback->calibrated[index];
    rated_item.explanation = answer->explanation;
    if (settings.record != RecordLevel::kSummary) {
      FeedbackRow row;
      row.agent = agent_name(s.plan);
      row.episode = episode;
      row.step = step;
      row.user_id = user_id;
      row.item_id = item_id;
      row.position = static_cast<std::int32_t>(pos);
      row.raw_rating = answer->rating;
      if (rated_item.calibrated)
        row.calibrated_rating = *rated_item.calibrated;
      if (settings.record == RecordLevel::kFull)
        row.explanation = answer->explanation;
      row.profile_version = feedback->profile_version;
      row.reward = reward;
      progress->batch.feedback.push_back(std::move(row));
    }
    out.info.ratings.push_back(std::move(rated_item));
    progress->rating_sum += answer->rating;
  }
  progress->metrics.rated += static_cast<std::int64_t>(rated);
  progress->metrics.mean_reward += reward_sum;  // a sum until finish_step divides it
  if (feedback && feedback->updated_version > 0)
    out.info.profile_change = feedback->profile_change;
  if (snapshot)
    slot.observation = observation_of(dataset, *snapshot);
  slot.total_reward += reward_sum;
  slot.step = step + 1;
  if (slot.satisfaction && rated > 0) {
    const auto verdict =
        slot.satisfaction->observe(normalized_sum / static_cast<double>(rated), repeats);
    if (verdict != LeaveReason::kStays) {
      slot.terminated = true;
      slot.leave_reason = verdict == LeaveReason::kBored ? "bored" : "dissatisfied";
      ++progress->metrics.left;
    }
  }
  if (!slot.terminated && slot.step >= settings.horizon)
    slot.truncated = true;
  slot.done = slot.terminated || slot.truncated;
  if (slot.done && settings.record != RecordLevel::kSummary) {
    progress->batch.episodes.push_back(EpisodeRow{
        agent_name(s.plan), episode, user_id, static_cast<std::int32_t>(slot.step),
        slot.total_reward, slot.terminated ? "terminated" : "truncated", slot.leave_reason});
  }
  out.observation = slot.observation;
  out.reward = reward_sum;
  out.terminated = slot.terminated;
  out.truncated = slot.truncated;
  out.info.active = true;
  out.info.leave_reason = slot.leave_reason;
  if (--progress->remaining == 0)
    finish_step(self, progress);
}

void run_step(SessionActor* self, std::shared_ptr<SessionJob> job) {
  auto& s = self->state;
  const Dataset& dataset = *s.plan.world->dataset;
  auto& actions = job->step.actions;
  if (s.episodes == 0 || actions.size() != s.slots.size()) {
    job->step_done(
        EnvError(EnvErrorKind::kInternal,
                 fmt::format("a step of {} actions on a session of {} users{}", actions.size(),
                             s.slots.size(), s.episodes == 0 ? " that was never reset" : "")));
    return;
  }
  auto progress = std::make_shared<StepProgress>();
  progress->token = ++s.token;
  progress->done = std::move(job->step_done);
  progress->results.resize(s.slots.size());
  progress->slates.resize(s.slots.size());
  progress->started = Clock::now();
  for (std::size_t i = 0; i < s.slots.size(); ++i) {
    const UserSlot& slot = s.slots[i];
    if (slot.done || !actions[i]) {
      if (!slot.done) {
        progress->done(
            EnvError(EnvErrorKind::kInvalidAction,
                     fmt::format("expected a slate for user {}, who is still active, found null",
                                 dataset.user(s.plan.users[i]).id),
                     fmt::format("actions[{}]", i)));
        return;
      }
      continue;
    }
    for (std::size_t pos = 0; pos < actions[i]->size(); ++pos) {
      const ExternalId id = (*actions[i])[pos];
      const auto item = dataset.catalog().find(id);
      if (!item) {
        progress->done(EnvError(EnvErrorKind::kUnknownItem,
                                fmt::format("no item {} in the catalog", id),
                                fmt::format("actions[{}][{}]", i, pos)));
        return;
      }
      progress->slates[i].push_back(*item);
    }
  }
  // Users already done answer at once: their last observation and flags.
  for (std::size_t i = 0; i < s.slots.size(); ++i) {
    if (!s.slots[i].done)
      continue;
    auto& out = progress->results[i];
    out.observation = s.slots[i].observation;
    out.terminated = s.slots[i].terminated;
    out.truncated = s.slots[i].truncated;
    out.info.active = false;
    out.info.leave_reason = s.slots[i].leave_reason;
  }
  s.step = progress;
  const std::uint32_t episode = s.episodes - 1;
  const auto deadline = s.plan.settings.step_deadline;
  const std::uint64_t token = progress->token;
  std::vector<std::size_t> active;
  for (std::size_t i = 0; i < s.slots.size(); ++i) {
    if (!s.slots[i].done)
      active.push_back(i);
  }
  progress->remaining = active.size();
  // Every user of a session starts its episodes together, so the active
  // users are all at the same step.
  if (!active.empty())
    progress->metrics.step = s.slots[active.front()].step;
  if (active.empty()) {
    finish_step(self, progress);
    return;
  }
  for (const std::size_t i : active) {
    RateRequest request{episode, s.slots[i].step, progress->slates[i]};
    self->request(s.plan.actors[i], deadline, std::move(request))
        .then(
            [self, progress, token, i, deadline](UserFeedback& feedback) {
              if (self->state.token != token)
                return;
              auto shared = std::make_shared<UserFeedback>(std::move(feedback));
              // The next observation: the profile and window after this slate.
              self->request(self->state.plan.actors[i], deadline, profile_atom_v)
                  .then(
                      [self, progress, token, i, shared](const ProfileSnapshot& snapshot) {
                        if (self->state.token != token)
                          return;
                        settle(self, progress, i, shared.get(), false, shared->failure, &snapshot);
                      },
                      [self, progress, token, i, shared](const caf::error& error) {
                        if (self->state.token != token)
                          return;
                        spdlog::warn("env {}: the profile of a user could not be read: {}",
                                     self->state.plan.env_id, describe(error));
                        settle(self, progress, i, shared.get(), false, shared->failure, nullptr);
                      });
            },
            [self, progress, token, i](const caf::error& error) {
              if (self->state.token != token)
                return;
              const bool late = error == caf::sec::request_timeout;
              settle(self, progress, i, nullptr, late,
                     late ? std::string("no feedback within the step deadline") : describe(error),
                     nullptr);
            });
  }
}

caf::behavior session_behavior(SessionActor* self, std::shared_ptr<SessionPlan> plan) {
  auto& s = self->state;
  s.plan = std::move(*plan);
  const Dataset& dataset = *s.plan.world->dataset;
  s.slots.resize(s.plan.users.size());
  s.history.resize(s.plan.users.size());
  if (s.plan.world->training) {
    for (std::size_t i = 0; i < s.plan.users.size(); ++i) {
      for (const RatingIndex r : s.plan.world->training->of(s.plan.users[i])) {
        s.history[i].push_back(dataset.ratings().item(r));
      }
      std::sort(s.history[i].begin(), s.history[i].end());
    }
  }
  return {
      [self](std::shared_ptr<SessionJob>& job) {
        if (job->is_step) {
          run_step(self, std::move(job));
        } else {
          run_reset(self, std::move(job));
        }
      },
  };
}

}  // namespace

struct SimulatedEnvService::State {
  State(caf::actor_system& sys, EnvServiceWorld w) : system(sys), world(std::move(w)) {}

  struct Session {
    caf::actor actor;
    std::vector<std::size_t> positions;
  };

  caf::actor_system& system;
  EnvServiceWorld world;
  std::unordered_map<UserIndex, std::size_t> position_of;
  mutable std::mutex mutex;
  bool stopping = false;
  std::vector<std::string> owner;  // per position: the session holding the user; empty: free
  std::unordered_map<std::string, Session> sessions;
  std::uint64_t next_session = 1;

  // The session's actor, or nullopt with the error to answer.
  caf::actor find(const std::string& env_id, EnvError& error) {
    std::lock_guard lock(mutex);
    if (stopping) {
      error = EnvError(EnvErrorKind::kServiceUnavailable, "the server is shutting down");
      return {};
    }
    const auto it = sessions.find(env_id);
    if (it == sessions.end()) {
      error = EnvError(EnvErrorKind::kUnknownSession, "no open session " + env_id);
      return {};
    }
    return it->second.actor;
  }
};

SimulatedEnvService::SimulatedEnvService(caf::actor_system& system, EnvServiceWorld world) {
  if (!world.world || !world.world->dataset || !world.users ||
      world.users->size() != world.population.size()) {
    throw std::invalid_argument("env service: the simulation is not prepared");
  }
  state_ = std::make_shared<State>(system, std::move(world));
  auto& s = *state_;
  s.owner.resize(s.world.population.size());
  for (std::size_t p = 0; p < s.world.population.size(); ++p)
    s.position_of[s.world.population[p]] = p;
}

SimulatedEnvService::~SimulatedEnvService() {
  shutdown();
}

void SimulatedEnvService::create(envserver::CreateRequest request,
                                 envserver::EnvCallback<envserver::CreateResponse> done) {
  auto& s = *state_;
  const Dataset& dataset = *s.world.world->dataset;
  SimulationSettings settings = s.world.world->settings;
  if (request.horizon)
    settings.horizon = *request.horizon;
  if (request.slate_size)
    settings.slate_size = *request.slate_size;
  if (request.reward)
    settings.reward.kind = *request.reward;
  if (request.leaving)
    settings.leaving.enabled = *request.leaving;
  const std::uint64_t seed = request.seed.value_or(settings.seed);
  if (settings.slate_size < 1 || settings.slate_size > dataset.catalog().size()) {
    done(EnvError(EnvErrorKind::kInvalidValue,
                  fmt::format("expected a slate_size of 1 to {} (the catalog's size), found {}",
                              dataset.catalog().size(), settings.slate_size),
                  "slate_size"));
    return;
  }
  std::vector<std::size_t> positions;
  std::string env_id;
  // Takes the users and opens the session, under the lock; completions run
  // after it is released (they may call back into the service).
  const auto open = [&]() -> std::optional<EnvError> {
    std::lock_guard lock(s.mutex);
    if (s.stopping) {
      return EnvError(EnvErrorKind::kServiceUnavailable, "the server is shutting down");
    }
    if (!request.user_ids.empty()) {
      for (std::size_t i = 0; i < request.user_ids.size(); ++i) {
        const ExternalId id = request.user_ids[i];
        const auto user = dataset.find_user(id);
        const auto it = user ? s.position_of.find(*user) : s.position_of.end();
        if (it == s.position_of.end()) {
          return EnvError(EnvErrorKind::kUnknownUser,
                          fmt::format("no simulated user {} (the server simulates {} users)", id,
                                      s.world.population.size()),
                          fmt::format("users[{}]", i));
        }
        if (!s.owner[it->second].empty()) {
          return EnvError(
              EnvErrorKind::kUserInUse,
              fmt::format("user {} is in session {}; a user is in one session at a time", id,
                          s.owner[it->second]),
              fmt::format("users[{}]", i));
        }
        positions.push_back(it->second);
      }
    } else {
      if (request.user_count > s.world.population.size()) {
        return EnvError(
            EnvErrorKind::kInvalidValue,
            fmt::format("expected at most {} users (those the server simulates), found {}",
                        s.world.population.size(), request.user_count),
            "users");
      }
      std::vector<std::size_t> free;
      for (std::size_t p = 0; p < s.owner.size(); ++p) {
        if (s.owner[p].empty())
          free.push_back(p);
      }
      if (free.size() < request.user_count) {
        return EnvError(
            EnvErrorKind::kUserInUse,
            fmt::format("{} users asked for, but only {} of {} are free (the others are "
                        "in open sessions)",
                        request.user_count, free.size(), s.world.population.size()),
            "users");
      }
      Rng rng(derive_seed(seed, kSampleLabel));
      rng.shuffle(std::span<std::size_t>(free));
      free.resize(request.user_count);
      std::sort(free.begin(), free.end());
      positions = std::move(free);
    }
    env_id = fmt::format("env-{}", s.next_session++);
    auto plan = std::make_shared<SessionPlan>();
    plan->env_id = env_id;
    plan->world = s.world.world;
    plan->settings = settings;
    plan->seed = seed;
    for (const std::size_t p : positions) {
      plan->users.push_back(s.world.population[p]);
      plan->actors.push_back((*s.world.users)[p]);
      s.owner[p] = env_id;
    }
    s.sessions.emplace(
        env_id, State::Session{s.system.spawn(session_behavior, std::move(plan)), positions});
    return std::nullopt;
  };
  if (auto refusal = open()) {
    done(std::move(*refusal));
    return;
  }
  envserver::CreateResponse response;
  response.env_id = env_id;
  for (const std::size_t p : positions)
    response.user_ids.push_back(dataset.user(s.world.population[p]).id);
  response.seed = seed;
  response.horizon = settings.horizon;
  response.slate_size = settings.slate_size;
  response.num_items = dataset.catalog().size();
  response.rating_scale = dataset.scale();
  response.reward = settings.reward.kind;
  response.leaving = settings.leaving.enabled;
  response.backend = s.world.backend;
  spdlog::debug("env {}: opened with {} users", env_id, positions.size());
  done(std::move(response));
}

void SimulatedEnvService::reset(std::string env_id, envserver::ResetRequest request,
                                envserver::EnvCallback<envserver::ResetResponse> done) {
  EnvError error;
  const caf::actor actor = state_->find(env_id, error);
  if (!actor) {
    done(std::move(error));
    return;
  }
  auto job = std::make_shared<SessionJob>();
  job->reset = std::move(request);
  job->reset_done = std::move(done);
  caf::anon_send(actor, std::move(job));
}

void SimulatedEnvService::step(std::string env_id, envserver::StepRequest request,
                               envserver::EnvCallback<envserver::StepResponse> done) {
  EnvError error;
  const caf::actor actor = state_->find(env_id, error);
  if (!actor) {
    done(std::move(error));
    return;
  }
  auto job = std::make_shared<SessionJob>();
  job->is_step = true;
  job->step = std::move(request);
  job->step_done = std::move(done);
  caf::anon_send(actor, std::move(job));
}

void SimulatedEnvService::close(std::string env_id,
                                envserver::EnvCallback<envserver::CloseResponse> done) {
  auto& s = *state_;
  caf::actor actor;
  {
    std::lock_guard lock(s.mutex);
    const auto it = s.sessions.find(env_id);
    if (it != s.sessions.end()) {
      actor = it->second.actor;
      for (const std::size_t p : it->second.positions)
        s.owner[p].clear();
      s.sessions.erase(it);
    }
  }
  if (!actor) {
    done(EnvError(EnvErrorKind::kUnknownSession, "no open session " + env_id));
    return;
  }
  // A user's late answer to this session may still be on its way; the user
  // answers it before the reset of the next session that takes them.
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  spdlog::debug("env {}: closed", env_id);
  done(envserver::CloseResponse{});
}

const Catalog& SimulatedEnvService::catalog() const {
  return state_->world.world->dataset->catalog();
}

void SimulatedEnvService::shutdown() {
  std::vector<caf::actor> actors;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    for (auto& [id, session] : state_->sessions)
      actors.push_back(session.actor);
    state_->sessions.clear();
    for (auto& o : state_->owner)
      o.clear();
  }
  for (auto& actor : actors)
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

std::size_t SimulatedEnvService::open_sessions() const {
  std::lock_guard lock(state_->mutex);
  return state_->sessions.size();
}

}  // namespace lusifer
