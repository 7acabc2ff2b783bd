#include "tests/envserver/fake_env_service.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace lusifer::testing {

using namespace envserver;

namespace {

Dataset make_catalog() {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "fake", RatingScale{1.0f, 5.0f, 1.0f});
  const int drama = builder.catalog().add_genre("Drama");
  const int comedy = builder.catalog().add_genre("Comedy");
  for (ExternalId id = 10; id <= 200; id += 10) {
    Item item;
    item.id = id;
    item.title = fmt::format("Item {} ({})", id, 1990 + id / 10);
    item.year = static_cast<int>(1990 + id / 10);
    item.genres = GenreMask{1} << ((id / 10) % 2 == 0 ? drama : comedy);
    item.text = fmt::format("The story of item {}.", id);
    builder.add_item(std::move(item));
  }
  builder.add_tag_application(0, "first");
  return builder.finish();
}

}  // namespace

FakeEnvService::FakeEnvService(std::size_t workers) : dataset_(make_catalog()) {
  for (std::size_t i = 0; i < workers; ++i) {
    workers_.emplace_back([this] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(mutex_);
          work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty())
            return;
          task = std::move(queue_.front());
          queue_.pop_front();
        }
        task();
      }
    });
  }
}

FakeEnvService::~FakeEnvService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& t : workers_)
    t.join();
  // Parked steps are dropped unanswered: their callbacks' destructors answer.
  parked_.clear();
}

void FakeEnvService::post(std::function<void()> task) {
  if (workers_.empty()) {
    task();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  work_.notify_one();
}

FakeEnvService::Fault FakeEnvService::take_fault() {
  std::lock_guard lock(mutex_);
  return std::exchange(fault_, Fault::kNone);
}

void FakeEnvService::inject(Fault fault) {
  std::lock_guard lock(mutex_);
  fault_ = fault;
}

void FakeEnvService::park_steps(bool on) {
  std::lock_guard lock(mutex_);
  parking_ = on;
}

std::size_t FakeEnvService::parked() const {
  std::lock_guard lock(mutex_);
  return parked_.size();
}

void FakeEnvService::release_parked() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mutex_);
    tasks.swap(parked_);
  }
  for (auto& t : tasks)
    t();
}

std::size_t FakeEnvService::open_sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t FakeEnvService::closes() const {
  std::lock_guard lock(mutex_);
  return closes_;
}

UserObservation FakeEnvService::observe(ExternalId user, std::int32_t version) const {
  UserObservation obs;
  obs.user_id = user;
  obs.profile = fmt::format("user {} likes {}", user, user % 2 == 0 ? "drama" : "comedy");
  obs.profile_version = version;
  obs.recent = {{10, rating_of(user, 10)}};
  obs.features = std::vector<float>{static_cast<float>(user), 0.5f};
  return obs;
}

// Applies the faults common to every call; true when the call is finished.
template <class Response>
static bool apply_fault(FakeEnvService::Fault fault, EnvCallback<Response>& done) {
  switch (fault) {
    case FakeEnvService::Fault::kDrop:
      done = nullptr;
      return true;
    case FakeEnvService::Fault::kThrow:
      throw std::runtime_error("scripted failure");
    case FakeEnvService::Fault::kUnavailable:
      done(EnvError(EnvErrorKind::kServiceUnavailable, "scripted: shutting down"));
      return true;
    case FakeEnvService::Fault::kForgetSession:
      done(EnvError(EnvErrorKind::kUnknownSession, "scripted: the session is gone"));
      return true;
    default:
      return false;
  }
}

void FakeEnvService::create(CreateRequest request, EnvCallback<CreateResponse> done) {
  const auto fault = take_fault();
  if (apply_fault(fault, done))
    return;
  post([this, request = std::move(request), done = std::move(done), fault]() {
    CreateResponse r;
    if (request.user_ids.empty()) {
      if (request.user_count > static_cast<std::size_t>(kUsers)) {
        done(EnvError(EnvErrorKind::kInvalidValue,
                      fmt::format("only {} users exist, {} asked", kUsers, request.user_count),
                      "users"));
        return;
      }
      for (std::size_t i = 0; i < request.user_count; ++i)
        r.user_ids.push_back(static_cast<ExternalId>(i + 1));
    } else {
      for (std::size_t i = 0; i < request.user_ids.size(); ++i) {
        const auto id = request.user_ids[i];
        if (id < 1 || id > kUsers) {
          done(EnvError(EnvErrorKind::kUnknownUser, fmt::format("no user {}", id),
                        fmt::format("users[{}]", i)));
          return;
        }
      }
      r.user_ids = request.user_ids;
    }
    Session s;
    s.users = r.user_ids;
    s.horizon = request.horizon.value_or(3);
    s.slate_size = request.slate_size.value_or(2);
    s.leaving = request.leaving.value_or(false);
    s.done.assign(s.users.size(), false);
    {
      std::lock_guard lock(mutex_);
      r.env_id = fmt::format("env-{}", next_id_++);
      sessions_[r.env_id] = s;
    }
    r.seed = request.seed.value_or(7);
    r.horizon = s.horizon;
    r.slate_size = s.slate_size;
    r.num_items = dataset_.catalog().size();
    r.rating_scale = dataset_.scale();
    r.reward = request.reward.value_or(RewardKind::kRating);
    r.leaving = s.leaving;
    r.backend = "fake (test double)";
    if (fault == Fault::kWrongCount)
      r.user_ids.pop_back();
    done(std::move(r));
  });
}

void FakeEnvService::reset(std::string env_id, ResetRequest, EnvCallback<ResetResponse> done) {
  const auto fault = take_fault();
  if (apply_fault(fault, done))
    return;
  post([this, env_id = std::move(env_id), done = std::move(done), fault]() {
    ResetResponse r;
    {
      std::lock_guard lock(mutex_);
      const auto it = sessions_.find(env_id);
      if (it == sessions_.end()) {
        done(EnvError(EnvErrorKind::kUnknownSession, "no session " + env_id));
        return;
      }
      it->second.step = 0;
      it->second.done.assign(it->second.users.size(), false);
      for (const auto user : it->second.users)
        r.observations.push_back(observe(user, 1));
    }
    if (fault == Fault::kWrongCount)
      r.observations.pop_back();
    done(r);
    if (fault == Fault::kTwice)
      done(r);
  });
}

EnvResult<StepResponse> FakeEnvService::run_step(const std::string& env_id,
                                                 const StepRequest& request) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(env_id);
  if (it == sessions_.end())
    return EnvError(EnvErrorKind::kUnknownSession, "no session " + env_id);
  Session& s = it->second;
  ++s.step;
  StepResponse r;
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    const ExternalId user = s.users[u];
    UserStep result;
    result.observation = observe(user, static_cast<std::int32_t>(1 + s.step));
    if (!request.actions[u]) {
      // Done earlier: nothing asked.
      result.info.active = false;
      result.truncated = s.step > s.horizon || !s.leaving || user % 2 != 0;
      result.terminated = !result.truncated;
      r.users.push_back(std::move(result));
      continue;
    }
    for (const auto item : *request.actions[u]) {
      const float rating = rating_of(user, item);
      result.info.ratings.push_back(
          {item, rating, rating / 2.0f, fmt::format("{} on {}", user, item)});
      result.reward += rating;
    }
    result.info.profile_change = "";
    if (s.leaving && user % 2 == 0 && s.step == 1) {
      result.terminated = true;
      result.info.leave_reason = "dissatisfied";
    } else if (s.step >= s.horizon) {
      result.truncated = true;
    }
    s.done[u] = result.terminated || result.truncated;
    r.users.push_back(std::move(result));
  }
  return r;
}

void FakeEnvService::step(std::string env_id, StepRequest request, EnvCallback<StepResponse> done) {
  const auto fault = take_fault();
  if (apply_fault(fault, done))
    return;
  auto task = [this, env_id = std::move(env_id), request = std::move(request),
               done = std::move(done), fault]() {
    auto result = run_step(env_id, request);
    if (result && fault == Fault::kWrongCount)
      result.value().users.pop_back();
    done(std::move(result));
  };
  {
    std::lock_guard lock(mutex_);
    if (parking_) {
      parked_.push_back(std::move(task));
      return;
    }
  }
  post(std::move(task));
}

void FakeEnvService::close(std::string env_id, EnvCallback<CloseResponse> done) {
  const auto fault = take_fault();
  if (apply_fault(fault, done))
    return;
  post([this, env_id = std::move(env_id), done = std::move(done)]() {
    bool erased = false;
    {
      std::lock_guard lock(mutex_);
      erased = sessions_.erase(env_id) > 0;
      if (erased)
        ++closes_;
    }
    if (!erased) {
      done(EnvError(EnvErrorKind::kUnknownSession, "no session " + env_id));
      return;
    }
    done(CloseResponse{});
  });
}

}  // namespace lusifer::testing
