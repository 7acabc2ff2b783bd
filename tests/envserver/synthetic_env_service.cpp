#include "tests/envserver/synthetic_env_service.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "engine/core/random.hpp"
#include "engine/rl/reward_model.hpp"
#include "engine/rl/satisfaction_model.hpp"

namespace lusifer::testing {

using namespace envserver;

namespace {

constexpr std::uint32_t kDefaultHorizon = 20;
constexpr std::uint32_t kDefaultSlateSize = 10;
constexpr std::uint64_t kDefaultSeed = 42;
constexpr std::size_t kRecentWindow = 10;

}  // namespace

struct SyntheticEnvService::Session {
  std::vector<UserIndex> users;
  std::uint64_t seed = kDefaultSeed;
  std::uint32_t horizon = kDefaultHorizon;
  std::uint32_t slate_size = kDefaultSlateSize;
  RewardSettings reward;
  SatisfactionSettings leaving;
  std::uint32_t episode = 0;
  std::uint32_t step = 0;
  std::vector<Satisfaction> satisfaction;
  std::vector<std::vector<RecentRating>> recent;  // per user, oldest first
  std::vector<bool> terminated;
  std::vector<bool> truncated;
};

SyntheticEnvService::SyntheticEnvService(const SyntheticWorldOptions& world)
    : environment_(world, 1) {}

std::shared_ptr<SyntheticEnvService::Session> SyntheticEnvService::find(const std::string& env_id) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(env_id);
  return it == sessions_.end() ? nullptr : it->second;
}

void SyntheticEnvService::create(CreateRequest request, EnvCallback<CreateResponse> done) {
  const Dataset& data = environment_.dataset();
  auto session = std::make_shared<Session>();
  session->seed = request.seed.value_or(kDefaultSeed);
  if (request.user_ids.empty()) {
    if (request.user_count > data.user_count()) {
      done(EnvError(EnvErrorKind::kInvalidValue,
                    fmt::format("expected at most {} users (the world's), found {}",
                                data.user_count(), request.user_count),
                    "users"));
      return;
    }
    std::vector<UserIndex> all(data.user_count());
    std::iota(all.begin(), all.end(), UserIndex{0});
    Rng rng(derive_seed(session->seed, 0x75736572ULL));
    rng.shuffle(std::span<UserIndex>(all));
    session->users.assign(all.begin(),
                          all.begin() + static_cast<std::ptrdiff_t>(request.user_count));
  } else {
    for (std::size_t i = 0; i < request.user_ids.size(); ++i) {
      const auto index = data.find_user(request.user_ids[i]);
      if (!index) {
        done(EnvError(EnvErrorKind::kUnknownUser,
                      fmt::format("user {} is not in the world", request.user_ids[i]),
                      fmt::format("users[{}]", i)));
        return;
      }
      session->users.push_back(*index);
    }
  }
  session->horizon = request.horizon.value_or(kDefaultHorizon);
  session->slate_size = request.slate_size.value_or(kDefaultSlateSize);
  if (session->slate_size > data.catalog().size()) {
    done(EnvError(EnvErrorKind::kInvalidValue, "slate_size exceeds the catalog", "slate_size"));
    return;
  }
  session->reward.kind = request.reward.value_or(RewardKind::kRating);
  session->leaving.enabled = request.leaving.value_or(false);
  const auto n = session->users.size();
  session->terminated.assign(n, false);
  session->truncated.assign(n, false);

  CreateResponse r;
  for (const auto u : session->users)
    r.user_ids.push_back(data.user(u).id);
  r.seed = session->seed;
  r.horizon = session->horizon;
  r.slate_size = session->slate_size;
  r.num_items = data.catalog().size();
  r.rating_scale = data.scale();
  r.reward = session->reward.kind;
  r.leaving = session->leaving.enabled;
  r.backend = "synthetic world ground truth (test fixture, not an LLM)";
  {
    std::lock_guard lock(mutex_);
    r.env_id = fmt::format("synthetic-{}", next_id_++);
    sessions_[r.env_id] = session;
  }
  done(std::move(r));
}

UserObservation SyntheticEnvService::observe(const Session& s, std::size_t u) const {
  const Dataset& data = environment_.dataset();
  UserObservation obs;
  obs.user_id = data.user(s.users[u]).id;
  obs.profile = fmt::format("synthetic user {} (test fixture: no profile text)", obs.user_id);
  obs.profile_version = 0;
  obs.recent = s.recent[u];
  return obs;
}

void SyntheticEnvService::reset(std::string env_id, ResetRequest request,
                                EnvCallback<ResetResponse> done) {
  const auto session = find(env_id);
  if (!session) {
    done(EnvError(EnvErrorKind::kUnknownSession, "no session " + env_id));
    return;
  }
  Session& s = *session;
  const Dataset& data = environment_.dataset();
  if (request.seed)
    s.seed = *request.seed;
  ++s.episode;
  s.step = 0;
  s.satisfaction.assign(s.users.size(), Satisfaction(s.leaving));
  s.recent.assign(s.users.size(), {});
  std::fill(s.terminated.begin(), s.terminated.end(), false);
  std::fill(s.truncated.begin(), s.truncated.end(), false);
  ResetResponse r;
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    for (const RatingIndex i : data.histories().last(s.users[u], kRecentWindow)) {
      s.recent[u].push_back(
          {data.catalog().item(data.ratings().item(i)).id, data.ratings().value(i)});
    }
    r.observations.push_back(observe(s, u));
  }
  done(std::move(r));
}

void SyntheticEnvService::step(std::string env_id, StepRequest request,
                               EnvCallback<StepResponse> done) {
  const auto session = find(env_id);
  if (!session) {
    done(EnvError(EnvErrorKind::kUnknownSession, "no session " + env_id));
    return;
  }
  Session& s = *session;
  const Dataset& data = environment_.dataset();
  ++s.step;
  StepResponse r;
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    UserStep result;
    const auto& action = request.actions[u];
    if (!action) {
      result.info.active = false;
      result.terminated = s.terminated[u];
      result.truncated = s.truncated[u];
      result.observation = observe(s, u);
      r.users.push_back(std::move(result));
      continue;
    }
    std::uint64_t stream = derive_seed(s.seed, s.episode);
    stream = derive_seed(stream, s.step);
    Rng rng(derive_seed(stream, data.user(s.users[u]).id));
    double normalized_sum = 0.0;
    for (std::size_t position = 0; position < action->size(); ++position) {
      const ExternalId item_id = (*action)[position];
      const ItemIndex item = *data.catalog().find(item_id);
      const float rating = environment_.rate(s.users[u], item, rng);
      RewardContext context;
      context.seed = s.seed;
      context.user = s.users[u];
      context.episode = s.episode;
      context.step = s.step;
      context.position = static_cast<std::uint32_t>(position);
      result.reward += reward_of(s.reward, data.scale(), rating, context);
      normalized_sum += normalized_rating(data.scale(), rating);
      result.info.ratings.push_back(
          {item_id, rating, std::nullopt, "drawn from the synthetic world's ground truth"});
      s.recent[u].push_back({item_id, rating});
    }
    if (s.recent[u].size() > kRecentWindow) {
      s.recent[u].erase(s.recent[u].begin(),
                        s.recent[u].end() - static_cast<std::ptrdiff_t>(kRecentWindow));
    }
    const auto leave = s.satisfaction[u].observe(
        normalized_sum / static_cast<double>(std::max<std::size_t>(action->size(), 1)), 0);
    if (leave != LeaveReason::kStays) {
      s.terminated[u] = true;
      result.info.leave_reason = leave == LeaveReason::kBored ? "bored" : "dissatisfied";
    } else if (s.step >= s.horizon) {
      s.truncated[u] = true;
    }
    result.terminated = s.terminated[u];
    result.truncated = s.truncated[u];
    result.observation = observe(s, u);
    r.users.push_back(std::move(result));
  }
  done(std::move(r));
}

void SyntheticEnvService::close(std::string env_id, EnvCallback<CloseResponse> done) {
  bool erased = false;
  {
    std::lock_guard lock(mutex_);
    erased = sessions_.erase(env_id) > 0;
  }
  if (!erased) {
    done(EnvError(EnvErrorKind::kUnknownSession, "no session " + env_id));
    return;
  }
  done(CloseResponse{});
}

}  // namespace lusifer::testing
