// Profiles through the user actors: phase 1 builds one version per history
// batch, oldest batch first; a user without training ratings gets one version
// from demographics; and version numbers never repeat across episodes and
// agents, while each episode starts from the phase-1 profile.

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "engine/rl/run_checkpoint.hpp"
#include "engine/sim/history_batches.hpp"
#include "engine/sim/offline_profile.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

std::map<ExternalId, std::vector<ProfileVersionRow>> versions_by_user(const StoredRun& run) {
  std::map<ExternalId, std::vector<ProfileVersionRow>> out;
  for (const ProfileVersionRow& v : run.versions)
    out[v.user_id].push_back(v);
  return out;
}

// The offline model's profile after folding in `batches`, in order.
std::vector<std::string> expected_profiles(const OfflineUserModel& model, UserIndex user,
                                           const std::vector<std::vector<Interaction>>& batches) {
  std::vector<std::string> out;
  OfflineUserState state = model.new_state(user);
  if (batches.empty()) {
    model.apply_batch(state, {});
    out.push_back(model.profile_text(state));
  }
  for (const auto& batch : batches) {
    model.apply_batch(state, batch);
    out.push_back(model.profile_text(state));
  }
  return out;
}

ProfileSnapshot snapshot_of(caf::actor_system& system, const caf::actor& user) {
  caf::scoped_actor self{system};
  ProfileSnapshot snapshot;
  bool answered = false;
  self->request(user, caf::infinite, profile_atom_v)
      .receive(
          [&](ProfileSnapshot& s) {
            snapshot = std::move(s);
            answered = true;
          },
          [](caf::error&) {});
  REQUIRE(answered);
  return snapshot;
}

TEST_CASE("phase 1 builds versions 1..B from the history batches, oldest first",
          "[actors][profiles]") {
  SimulationFixture fixture;
  SimulationRunner& runner = fixture.runner();
  const ProfilePhaseReport report = fixture.build_profiles();
  CHECK(report.cold_start == 0);
  const OfflineUserModel& model = *runner.world()->offline;
  const HistoryBatchOptions& options = runner.settings().prompts.history;
  REQUIRE(options.batch_size == 5);

  // Snapshots before the run ends: the actors hold the latest version.
  std::map<ExternalId, ProfileSnapshot> snapshots;
  for (std::size_t p = 0; p < runner.population().size(); ++p) {
    snapshots[fixture.dataset().user(runner.population()[p]).id] =
        snapshot_of(fixture.system(), (*runner.users())[p]);
  }
  const std::vector<std::vector<std::vector<Interaction>>> all_batches = [&] {
    std::vector<std::vector<std::vector<Interaction>>> out;
    for (const UserIndex u : runner.population()) {
      out.push_back(history_batches(fixture.dataset(), *runner.world()->training, u, options));
    }
    return out;
  }();
  const StoredRun run = fixture.finish();
  const auto by_user = versions_by_user(run);

  REQUIRE(run.users.size() == kWorldUsers);
  for (const UserRow& u : run.users)
    CHECK(u.profile_status == "built");
  std::size_t multi_batch_users = 0;
  for (std::size_t p = 0; p < runner.population().size(); ++p) {
    const UserIndex user = runner.population()[p];
    const ExternalId id = fixture.dataset().user(user).id;
    INFO("user " << id);
    const auto& batches = all_batches[p];
    REQUIRE_FALSE(batches.empty());
    multi_batch_users += batches.size() > 1 ? 1 : 0;
    const auto expected = expected_profiles(model, user, batches);
    const auto& versions = by_user.at(id);
    REQUIRE(versions.size() == batches.size());
    for (std::size_t b = 0; b < versions.size(); ++b) {
      const ProfileVersionRow& v = versions[b];
      CHECK(v.version == static_cast<std::int32_t>(b + 1));
      CHECK(v.batch == static_cast<std::int32_t>(b + 1));
      CHECK(v.source == "history-batch");
      CHECK(v.episode == -1);
      CHECK(v.step == -1);
      // Version b folds in batches 1..b in time order, no other.
      CHECK(v.text == expected[b]);
      CHECK(v.change.empty() == (b == 0));
    }
    // The latest profile rests on every batch, and it is the actor's.
    CHECK(versions.back().text.find(kOfflineProfileMarker) == 0);
    const ProfileSnapshot& snapshot = snapshots.at(id);
    CHECK(snapshot.version == static_cast<std::int32_t>(batches.size()));
    CHECK(snapshot.text == versions.back().text);
  }
  // The last 20 training ratings in batches of 5: several batches each.
  CHECK(multi_batch_users == kWorldUsers);
  // Order matters: the profile from the batches newest first is another one.
  const UserIndex first = runner.population().front();
  auto reversed = all_batches.front();
  std::reverse(reversed.begin(), reversed.end());
  CHECK(expected_profiles(model, first, reversed).back() !=
        expected_profiles(model, first, all_batches.front()).back());
}

TEST_CASE("users without training ratings get one cold-start version from demographics",
          "[actors][profiles]") {
  // Users with a single rating, half of them on the test side of a 2-fold
  // split, have no training history.
  SimulationFixture fixture({"world.min_ratings=1", "world.mean_ratings=3.0",
                             R"(data.split.method="kfold")", "data.split.folds=2"});
  SimulationRunner& runner = fixture.runner();
  const ProfilePhaseReport report = fixture.build_profiles();
  REQUIRE(report.cold_start > 0);
  const OfflineUserModel& model = *runner.world()->offline;
  const HistoryBatchOptions& options = runner.settings().prompts.history;
  std::vector<std::vector<std::vector<Interaction>>> all_batches;
  for (const UserIndex u : runner.population()) {
    all_batches.push_back(
        history_batches(fixture.dataset(), *runner.world()->training, u, options));
  }
  const StoredRun run = fixture.finish();
  const auto by_user = versions_by_user(run);

  std::size_t cold = 0;
  for (std::size_t p = 0; p < runner.population().size(); ++p) {
    const UserIndex user = runner.population()[p];
    const User& u = fixture.dataset().user(user);
    INFO("user " << u.id);
    const auto& versions = by_user.at(u.id);
    const auto expected = expected_profiles(model, user, all_batches[p]);
    if (!all_batches[p].empty()) {
      CHECK(versions.size() == all_batches[p].size());
      CHECK(versions.front().source == "history-batch");
      continue;
    }
    ++cold;
    REQUIRE(versions.size() == 1);
    CHECK(versions[0].version == 1);
    CHECK(versions[0].source == "cold-start");
    CHECK(versions[0].text == expected.front());
    // It rests on who the user is.
    const auto demographics = fixture.dataset().demographics(user);
    REQUIRE(demographics.has_value());
    REQUIRE(demographics->age.has_value());
    CHECK(versions[0].text.find(std::to_string(*demographics->age) + "-year-old") !=
          std::string::npos);
  }
  CHECK(cold == report.cold_start);
}

void check_same(const ProfileSnapshot& a, const ProfileSnapshot& b) {
  CHECK(a.user == b.user);
  CHECK(a.version == b.version);
  CHECK(a.text == b.text);
  CHECK(a.recent == b.recent);
}

TEST_CASE("restart returns to the phase-1 profile as reset does, answering only the version",
          "[actors][profiles]") {
  SimulationFixture fixture(
      {"simulation.horizon=2", "simulation.update_every=1", R"(agents.run=["random"])"});
  SimulationRunner& runner = fixture.runner();
  fixture.build_profiles();
  const auto& users = *runner.users();
  std::vector<ProfileSnapshot> phase1;
  for (const caf::actor& user : users)
    phase1.push_back(snapshot_of(fixture.system(), user));
  runner.run_agents();

  caf::scoped_actor self{fixture.system()};
  std::size_t moved = 0;  // users whose profile the episode changed
  for (std::size_t p = 0; p < users.size(); ++p) {
    INFO("position " << p);
    moved += snapshot_of(fixture.system(), users[p]).version != phase1[p].version ? 1 : 0;
    std::optional<ProfileRestarted> restarted;
    self->request(users[p], caf::infinite, restart_atom_v, std::uint32_t{1})
        .receive([&](ProfileRestarted& r) { restarted = r; }, [](caf::error&) {});
    REQUIRE(restarted);
    CHECK(restarted->user == runner.population()[p]);
    CHECK(restarted->version == phase1[p].version);
    check_same(snapshot_of(fixture.system(), users[p]), phase1[p]);
    // A reset from there answers the same state with its snapshot.
    std::optional<ProfileSnapshot> reset;
    self->request(users[p], caf::infinite, reset_atom_v, std::uint32_t{2})
        .receive([&](ProfileSnapshot& s) { reset = std::move(s); }, [](caf::error&) {});
    REQUIRE(reset);
    check_same(*reset, phase1[p]);
  }
  CHECK(moved == users.size());
  fixture.finish();
}

TEST_CASE("a profile updated for the ratings only is refused until the next reset",
          "[actors][profiles]") {
  // record = summary without checkpoints: the episode's profile updates
  // leave the taste behind, so the profile must not be shown or saved.
  SimulationFixture fixture({"simulation.horizon=2", "simulation.update_every=1",
                             R"(simulation.record="summary")", "simulation.checkpoint_every=0",
                             R"(agents.run=["random"])"});
  SimulationRunner& runner = fixture.runner();
  fixture.build_profiles();
  const auto& users = *runner.users();
  const ProfileSnapshot phase1 = snapshot_of(fixture.system(), users.front());
  runner.run_agents();

  caf::scoped_actor self{fixture.system()};
  std::optional<caf::error> refused;
  self->request(users.front(), caf::infinite, profile_atom_v)
      .receive([](ProfileSnapshot&) {}, [&](caf::error& e) { refused = e; });
  REQUIRE(refused);
  CHECK(describe(*refused).find("ratings only") != std::string::npos);
  std::optional<caf::error> not_saved;
  self->request(users.front(), caf::infinite, snapshot_atom_v)
      .receive([](UserStateSnapshot&) {}, [&](caf::error& e) { not_saved = e; });
  CHECK(not_saved);

  std::optional<ProfileRestarted> restarted;
  self->request(users.front(), caf::infinite, restart_atom_v, std::uint32_t{1})
      .receive([&](ProfileRestarted& r) { restarted = r; }, [](caf::error&) {});
  REQUIRE(restarted);
  check_same(snapshot_of(fixture.system(), users.front()), phase1);
  fixture.finish();
}

TEST_CASE("after a reset the taste waits in the phase-1 state until a fold needs it",
          "[actors][profiles]") {
  // A reset leaves the offline taste in the phase-1 state; ratings do not
  // read it, and the profile, the checkpoint and the next fold see it as if
  // it had been thawed with the rest.
  SimulationFixture fixture({"simulation.update_every=2", R"(agents.run=["random"])"});
  SimulationRunner& runner = fixture.runner();
  fixture.build_profiles();
  const caf::actor& user = runner.users()->front();
  const OfflineUserModel& model = *runner.world()->offline;
  caf::scoped_actor self{fixture.system()};
  const auto checkpoint_of = [&] {
    std::optional<UserStateSnapshot> snapshot;
    self->request(user, caf::infinite, snapshot_atom_v)
        .receive([&](UserStateSnapshot& s) { snapshot = std::move(s); }, [](caf::error&) {});
    REQUIRE(snapshot);
    UserCheckpoint c = decode_user_checkpoint(snapshot->state, "the test's checkpoint");
    REQUIRE(c.offline);
    return *c.offline;
  };
  const ProfileSnapshot phase1 = snapshot_of(fixture.system(), user);
  const OfflineUserState phase1_state = checkpoint_of();
  REQUIRE_FALSE(phase1_state.taste.genres.empty());

  std::optional<ProfileRestarted> restarted;
  self->request(user, caf::infinite, restart_atom_v, std::uint32_t{1})
      .receive([&](ProfileRestarted& r) { restarted = r; }, [](caf::error&) {});
  REQUIRE(restarted);
  const auto rate = [&](std::uint32_t step, std::vector<ItemIndex> items) {
    std::optional<UserFeedback> feedback;
    self->request(user, caf::infinite, RateRequest{1, step, std::move(items), false, true})
        .receive([&](UserFeedback& f) { feedback = std::move(f); }, [](caf::error&) {});
    REQUIRE(feedback);
    REQUIRE(feedback->failure.empty());
    return *feedback;
  };
  // One slate of two: rated, nothing folded yet.
  const UserFeedback first = rate(0, {0, 1});
  CHECK(first.updated_version == 0);
  CHECK(checkpoint_of().taste == phase1_state.taste);
  CHECK(snapshot_of(fixture.system(), user).text == phase1.text);

  // The second slate folds both into the profile, its taste included.
  const UserFeedback second = rate(1, {2, 3});
  REQUIRE(second.updated_version > 0);
  OfflineUserState expected = phase1_state;
  std::vector<Interaction> batch;
  for (const UserFeedback* f : {&first, &second})
    for (const ItemRating& r : f->ratings)
      batch.push_back(Interaction{r.item, r.rating, 0});
  model.fold_batch(expected, batch);
  const OfflineUserState folded = checkpoint_of();
  CHECK(folded.taste == expected.taste);
  CHECK(folded.drift == expected.drift);
  CHECK(snapshot_of(fixture.system(), user).text == model.profile_text(expected));
  fixture.finish();
}

TEST_CASE("profile versions never repeat across episodes and agents", "[actors][profiles]") {
  SimulationFixture fixture({"simulation.horizon=3", "simulation.episodes=2",
                             "simulation.update_every=1",
                             R"(agents.run=["random", "popularity"])"});
  SimulationRunner& runner = fixture.runner();
  fixture.build_profiles();
  std::map<ExternalId, std::int32_t> phase1;  // B per user
  for (const UserIndex u : runner.population()) {
    phase1[fixture.dataset().user(u).id] =
        static_cast<std::int32_t>(history_batches(fixture.dataset(), *runner.world()->training, u,
                                                  runner.settings().prompts.history)
                                      .size());
  }
  const auto summaries = runner.run_agents();
  REQUIRE(summaries.size() == 2);
  REQUIRE(summaries[0].agent == "random");
  const StoredRun run = fixture.finish();
  const auto by_user = versions_by_user(run);

  for (const auto& [id, versions] : by_user) {
    INFO("user " << id);
    const std::int32_t b = phase1.at(id);
    // Numbered 1..V without a gap or a repeat: B from phase 1, then one per
    // rated slate (update_every = 1) of 2 agents x 2 episodes x 3 steps.
    REQUIRE(versions.size() == static_cast<std::size_t>(b) + 2 * 2 * 3);
    for (std::size_t i = 0; i < versions.size(); ++i) {
      CHECK(versions[i].version == static_cast<std::int32_t>(i + 1));
      if (static_cast<std::int32_t>(i) < b) {
        CHECK(versions[i].source == "history-batch");
      } else {
        CHECK(versions[i].source == "feedback");
        CHECK(versions[i].episode >= 0);
        CHECK(versions[i].step >= 0);
      }
    }
  }

  // The feedback rows: every episode starts from the phase-1 profile; later
  // steps rate with the version the previous step's update made; and the
  // second agent's updates come after all of the first's.
  std::map<std::pair<ExternalId, std::string>, std::set<std::int32_t>> used;
  for (const auto& [key, rows] : feedback_by_episode(run.feedback)) {
    const auto& [agent, episode, id] = key;
    INFO(agent << " episode " << episode << " user " << id);
    const auto& versions = by_user.at(id);
    for (const FeedbackRow* row : rows) {
      if (row->step == 0) {
        CHECK(row->profile_version == phase1.at(id));
        continue;
      }
      REQUIRE(row->profile_version >= 1);
      REQUIRE(static_cast<std::size_t>(row->profile_version) <= versions.size());
      const ProfileVersionRow& v = versions[static_cast<std::size_t>(row->profile_version) - 1];
      CHECK(v.source == "feedback");
      CHECK(v.episode == episode);
      CHECK(v.step == row->step - 1);
      used[{id, agent}].insert(row->profile_version);
    }
  }
  for (const auto& [id, b] : phase1) {
    INFO("user " << id);
    const auto& first = used[{id, "random"}];
    const auto& second = used[{id, "popularity"}];
    REQUIRE_FALSE(first.empty());
    REQUIRE_FALSE(second.empty());
    CHECK(*first.rbegin() < *second.begin());
  }
}

}  // namespace
}  // namespace lusifer::testing
