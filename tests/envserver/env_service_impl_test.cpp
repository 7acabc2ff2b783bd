// The environment server's real simulation (actors/env_service_impl.hpp)
// over a whole SimulationRunner on a small synthetic world, simulated by the
// offline model: users in one session at a time, rewards as RewardModel
// computes them, truncation at the horizon, termination by the satisfaction
// model, late users at the step deadline, the run store's rows, determinism,
// and shutdown.

#include "actors/env_service_impl.hpp"

#include <chrono>
#include <future>
#include <set>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "engine/rl/reward_model.hpp"
#include "messages/type_ids.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

using namespace lusifer::envserver;

// Waits for a service completion (it may arrive on any thread).
template <class Response, class Call>
EnvResult<Response> await(Call&& call) {
  auto promise = std::make_shared<std::promise<EnvResult<Response>>>();
  auto future = promise->get_future();
  call(EnvCallback<Response>(
      [promise](EnvResult<Response> r) { promise->set_value(std::move(r)); }));
  REQUIRE(future.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  return future.get();
}

struct ServiceUnderTest {
  explicit ServiceUnderTest(const std::vector<std::string>& overrides = {}) : fixture(overrides) {
    fixture.build_profiles();
    service = std::make_unique<SimulatedEnvService>(fixture.system(), world());
  }
  ~ServiceUnderTest() { service->shutdown(); }

  EnvServiceWorld world() {
    EnvServiceWorld w;
    w.world = fixture.runner().world();
    w.population = fixture.runner().population();
    w.users = fixture.runner().users();
    w.backend = fixture.runner().backend_label();
    return w;
  }

  EnvResult<CreateResponse> create(CreateRequest request) {
    return await<CreateResponse>([&](auto done) { service->create(request, std::move(done)); });
  }
  CreateResponse create_ok(CreateRequest request) {
    auto r = create(std::move(request));
    REQUIRE(r.ok());
    return r.value();
  }
  ResetResponse reset(const std::string& id, std::optional<std::uint64_t> seed = std::nullopt) {
    auto r = await<ResetResponse>(
        [&](auto done) { service->reset(id, ResetRequest{seed}, std::move(done)); });
    REQUIRE(r.ok());
    return r.value();
  }
  EnvResult<StepResponse> step(const std::string& id,
                               std::vector<std::optional<std::vector<ExternalId>>> actions) {
    return await<StepResponse>(
        [&](auto done) { service->step(id, StepRequest{std::move(actions)}, std::move(done)); });
  }
  EnvResult<CloseResponse> close(const std::string& id) {
    return await<CloseResponse>([&](auto done) { service->close(id, std::move(done)); });
  }

  // Distinct item ids for slate `index` of size k (wrapping over the catalog).
  std::vector<ExternalId> slate(std::size_t index, std::size_t k) const {
    const Catalog& catalog = fixture.dataset().catalog();
    std::vector<ExternalId> ids;
    for (std::size_t j = 0; j < k; ++j)
      ids.push_back(catalog.item(static_cast<ItemIndex>((index * k + j) % catalog.size())).id);
    return ids;
  }

  SimulationFixture fixture;
  std::unique_ptr<SimulatedEnvService> service;
};

CreateRequest users_request(std::size_t n, std::uint64_t seed = 1) {
  CreateRequest r;
  r.user_count = n;
  r.seed = seed;
  return r;
}

CreateRequest ids_request(std::vector<ExternalId> ids) {
  CreateRequest r;
  r.user_count = ids.size();
  r.user_ids = std::move(ids);
  return r;
}

}  // namespace

TEST_CASE("env service: a user is in one session at a time", "[envserver][actors]") {
  ServiceUnderTest t;
  const auto first = t.create_ok(users_request(kWorldUsers - 2, 3));
  CHECK(first.user_ids.size() == kWorldUsers - 2);
  CHECK(std::set<ExternalId>(first.user_ids.begin(), first.user_ids.end()).size() ==
        first.user_ids.size());
  CHECK(first.backend == t.fixture.runner().backend_label());
  CHECK(first.num_items == kWorldItems);

  auto taken = t.create(ids_request({first.user_ids[5]}));
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().kind == EnvErrorKind::kUserInUse);
  CHECK(taken.error().field == "users[0]");

  auto too_many = t.create(users_request(3));
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().kind == EnvErrorKind::kUserInUse);
  CHECK(too_many.error().field == "users");

  auto beyond = t.create(users_request(kWorldUsers + 1));
  REQUIRE_FALSE(beyond.ok());
  CHECK(beyond.error().kind == EnvErrorKind::kInvalidValue);

  auto unknown = t.create(ids_request({first.user_ids[0] + 1'000'000}));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == EnvErrorKind::kUnknownUser);

  // The two free users are exactly those the first session lacks.
  const auto second = t.create_ok(users_request(2));
  for (const auto id : second.user_ids) {
    CHECK(std::find(first.user_ids.begin(), first.user_ids.end(), id) == first.user_ids.end());
  }
  CHECK(t.service->open_sessions() == 2);

  REQUIRE(t.close(first.env_id).ok());
  const auto again = t.create_ok(ids_request({first.user_ids[5], first.user_ids[6]}));
  CHECK(again.user_ids == std::vector<ExternalId>{first.user_ids[5], first.user_ids[6]});
  CHECK(again.env_id != first.env_id);

  auto gone = t.close(first.env_id);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().kind == EnvErrorKind::kUnknownSession);
  auto reset_gone = await<ResetResponse>(
      [&](auto done) { t.service->reset(first.env_id, ResetRequest{}, std::move(done)); });
  CHECK(reset_gone.error().kind == EnvErrorKind::kUnknownSession);
}

TEST_CASE("env service: episodes, rewards, truncation and the run store", "[envserver][actors]") {
  ServiceUnderTest t;
  CreateRequest request = users_request(3, 9);
  request.horizon = 3;
  request.slate_size = 4;
  const auto env = t.create_ok(request);
  CHECK(env.horizon == 3);
  CHECK(env.slate_size == 4);
  CHECK(env.reward == RewardKind::kRating);
  CHECK_FALSE(env.leaving);

  const auto first = t.reset(env.env_id);
  REQUIRE(first.observations.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(first.observations[i].user_id == env.user_ids[i]);
    CHECK_FALSE(first.observations[i].profile.empty());
    CHECK(first.observations[i].profile_version >= 1);
  }

  const Dataset& d = t.fixture.dataset();
  const auto& settings = t.fixture.runner().settings().simulation;
  double reward_total = 0.0;
  for (std::uint32_t step = 0; step < 3; ++step) {
    std::vector<std::optional<std::vector<ExternalId>>> actions;
    // Slate 0 again at step 2: every item a repeat.
    for (std::size_t i = 0; i < 3; ++i)
      actions.push_back(t.slate(step == 2 ? i : i + 3 * step, 4));
    auto result = t.step(env.env_id, actions);
    REQUIRE(result.ok());
    const auto& users = result.value().users;
    REQUIRE(users.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      const UserStep& u = users[i];
      INFO("step " << step << " user " << i);
      CHECK(u.info.active);
      CHECK_FALSE(u.info.late);
      CHECK(u.info.failure.empty());
      CHECK_FALSE(u.terminated);
      CHECK(u.truncated == (step == 2));
      CHECK(u.info.ratings.size() + u.info.missing.size() == 4);
      REQUIRE_FALSE(u.info.ratings.empty());
      // The reward is RewardModel's, item by item, with the penalties.
      const UserIndex user = t.fixture.user_index(env.user_ids[i]);
      const auto& history = t.fixture.training_items(user);
      double expected = 0.0;
      for (const RatedItem& r : u.info.ratings) {
        const auto& slate = *actions[i];
        const auto pos = static_cast<std::uint32_t>(
            std::find(slate.begin(), slate.end(), r.item_id) - slate.begin());
        REQUIRE(pos < slate.size());
        const ItemIndex item = t.fixture.item_index(r.item_id);
        const bool seen = std::binary_search(history.begin(), history.end(), item);
        CHECK(r.rating >= d.scale().min);
        CHECK(r.rating <= d.scale().max);
        CHECK_FALSE(r.explanation.empty());
        const RewardContext context{0, user, 0, step, pos, step == 2, seen};
        expected += reward_of(settings.reward, d.scale(), r.rating, context);
      }
      CHECK(u.reward == Approx(expected));
      reward_total += u.reward;
      // The observation follows the feedback: the rated items are the most recent.
      REQUIRE(u.observation.recent.size() >= u.info.ratings.size());
      CHECK(u.observation.recent.back().item_id == u.info.ratings.back().item_id);
      CHECK(u.observation.recent.back().rating == u.info.ratings.back().rating);
    }
  }
  // Every user is done: the HTTP layer would refuse another step; the
  // service answers done users with their flags.
  auto after = t.step(env.env_id, {std::nullopt, std::nullopt, std::nullopt});
  REQUIRE(after.ok());
  for (const auto& u : after.value().users) {
    CHECK_FALSE(u.info.active);
    CHECK(u.truncated);
    CHECK(u.reward == 0.0);
  }
  REQUIRE(t.close(env.env_id).ok());

  const StoredRun run = t.fixture.finish();
  std::size_t rows = 0;
  double stored_reward = 0.0;
  for (const auto& row : run.feedback) {
    if (row.agent != "env:" + env.env_id)
      continue;
    ++rows;
    stored_reward += row.reward.value_or(0.0);
  }
  CHECK(rows > 0);
  CHECK(stored_reward == Approx(reward_total));
  std::size_t episodes = 0;
  for (const auto& e : run.episodes) {
    if (e.agent != "env:" + env.env_id)
      continue;
    ++episodes;
    CHECK(e.outcome == "truncated");
    CHECK(e.steps == 3);
  }
  CHECK(episodes == 3);
  std::size_t steps = 0;
  for (const auto& s : run.steps) {
    if (s.agent != "env:" + env.env_id)
      continue;
    ++steps;
    CHECK(s.users == 3);
  }
  CHECK(steps == 3);  // the step with every user done asked nobody and is not recorded
}

TEST_CASE("env service: the same seed and actions give the same episode", "[envserver][actors]") {
  ServiceUnderTest t;
  std::vector<std::vector<double>> rewards;
  for (int run = 0; run < 2; ++run) {
    CreateRequest request =
        ids_request({t.fixture.dataset().user(3).id, t.fixture.dataset().user(8).id});
    request.reward = RewardKind::kClick;
    request.horizon = 3;
    const auto env = t.create_ok(request);
    t.reset(env.env_id, 77);
    std::vector<double> r;
    for (std::size_t step = 0; step < 3; ++step) {
      auto result = t.step(env.env_id, {t.slate(step, 5), t.slate(step + 4, 5)});
      REQUIRE(result.ok());
      for (const auto& u : result.value().users) {
        CHECK((u.reward == 0.0 || u.reward <= 5.0));
        r.push_back(u.reward);
        for (const auto& item : u.info.ratings)
          r.push_back(item.rating);
      }
    }
    rewards.push_back(r);
    REQUIRE(t.close(env.env_id).ok());
  }
  CHECK(rewards[0] == rewards[1]);
}

TEST_CASE("env service: leaving terminates, and a done user stays done", "[envserver][actors]") {
  ServiceUnderTest t({"simulation.leaving.leave_below=1.0", "simulation.leaving.window=1",
                      "simulation.leaving.patience=2"});
  CreateRequest request = users_request(6, 2);
  request.leaving = true;
  request.horizon = 4;
  const auto env = t.create_ok(request);
  CHECK(env.leaving);
  t.reset(env.env_id);
  std::vector<bool> done(6, false);
  std::size_t terminated = 0;
  for (std::size_t step = 0; step < 4; ++step) {
    std::vector<std::optional<std::vector<ExternalId>>> actions;
    for (std::size_t i = 0; i < 6; ++i) {
      actions.push_back(done[i] ? std::nullopt : std::optional(t.slate(i + 6 * step, 5)));
    }
    auto result = t.step(env.env_id, actions);
    REQUIRE(result.ok());
    for (std::size_t i = 0; i < 6; ++i) {
      const auto& u = result.value().users[i];
      INFO("step " << step << " user " << i);
      CHECK(u.info.active == !done[i]);
      if (done[i]) {
        CHECK(u.reward == 0.0);
        continue;
      }
      if (u.terminated) {
        // Patience 2: nobody leaves at the first step.
        CHECK(step >= 1);
        CHECK((u.info.leave_reason == "dissatisfied" || u.info.leave_reason == "bored"));
        CHECK_FALSE(u.truncated);
        ++terminated;
      }
      done[i] = u.terminated || u.truncated;
    }
  }
  // A mean normalised rating below 1.0 (anything but all top ratings) leaves.
  CHECK(terminated >= 3);
  CHECK(std::all_of(done.begin(), done.end(), [](bool b) { return b; }));
}

namespace {

// Accepts rate requests and never answers them; resets and snapshots go to
// the real user actor.
struct SilentUserState {
  std::vector<caf::response_promise> unanswered;
};

caf::behavior silent_user(caf::stateful_actor<SilentUserState>* self, caf::actor real) {
  return {
      [self, real](reset_atom, std::uint32_t episode) {
        return self->delegate(real, reset_atom_v, episode);
      },
      [self, real](profile_atom) { return self->delegate(real, profile_atom_v); },
      [self](RateRequest&) {
        auto promise = self->make_response_promise();
        self->state.unanswered.push_back(promise);
        return promise;
      },
  };
}

}  // namespace

TEST_CASE("env service: a user who misses the step deadline is late, not stuck",
          "[envserver][actors]") {
  ServiceUnderTest t({"simulation.step_deadline=\"300ms\""});
  t.service->shutdown();
  EnvServiceWorld world = t.world();
  auto users = std::make_shared<std::vector<caf::actor>>(*world.users);
  caf::actor silent = t.fixture.system().spawn(silent_user, (*users)[0]);
  (*users)[0] = silent;
  world.users = users;
  SimulatedEnvService service(t.fixture.system(), world);
  const ExternalId slow = t.fixture.dataset().user(world.population[0]).id;
  const ExternalId fast = t.fixture.dataset().user(world.population[1]).id;
  auto created = await<CreateResponse>([&](auto done) {
    service.create(ids_request({slow, fast}), std::move(done));
  });
  REQUIRE(created.ok());
  const std::string id = created.value().env_id;
  auto reset =
      await<ResetResponse>([&](auto done) { service.reset(id, ResetRequest{}, std::move(done)); });
  REQUIRE(reset.ok());
  for (std::size_t step = 0; step < 2; ++step) {
    auto result = await<StepResponse>([&](auto done) {
      service.step(id, StepRequest{{t.slate(step, 5), t.slate(step + 2, 5)}}, std::move(done));
    });
    REQUIRE(result.ok());
    const auto& u = result.value().users;
    CHECK(u[0].info.late);
    CHECK(u[0].info.ratings.empty());
    CHECK(u[0].info.missing.size() == 5);
    CHECK(u[0].reward == 0.0);
    CHECK_FALSE(u[0].terminated);
    CHECK_FALSE(u[0].truncated);
    CHECK(u[0].observation.user_id == slow);
    CHECK_FALSE(u[1].info.late);
    CHECK_FALSE(u[1].info.ratings.empty());
  }
  service.shutdown();
  auto refused =
      await<CreateResponse>([&](auto done) { service.create(users_request(1), std::move(done)); });
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == EnvErrorKind::kServiceUnavailable);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

}  // namespace lusifer::testing
