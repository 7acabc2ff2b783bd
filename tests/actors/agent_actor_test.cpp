// The agent actor's learn handler hands the agent the LearnBatch's columns
// (feedback_view.hpp): the agent learns what it learns from records, and a
// batch whose lists differ in length is refused.

#include "actors/agent_actor.hpp"

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "engine/rl/agent_factory.hpp"
#include "messages/agent_messages.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

TEST_CASE("The agent actor learns from a batch's columns what the agent learns from records",
          "[actors][agents]") {
  SimulationFixture fixture({R"(agents.run=["linucb"])"});
  const SimulationRunner& runner = fixture.runner();
  caf::actor actor = spawn_configured_agent(fixture.system(), runner, 0);
  std::unique_ptr<Agent> direct =
      make_agent(runner.settings().agents.at(0), runner.dataset(), runner.split().train,
                 runner.settings().simulation.seed, 1);
  const RatingScale scale = runner.dataset().scale();

  LearnBatch batch;
  batch.users = {0, 7, 3, 7};
  batch.steps = {0, 0, 0, 1};
  batch.slate_size = 2;
  for (std::size_t i = 0; i < batch.users.size() * batch.slate_size; ++i) {
    batch.items.push_back(static_cast<ItemIndex>((i * 11) % kWorldItems));
    batch.ratings.push_back(i % 3 == 0 ? scale.max : scale.min);
    batch.rewards.push_back(static_cast<float>(i) * 0.5f - 1.0f);
  }

  caf::scoped_actor self{fixture.system()};
  auto learn = [&](const LearnBatch& b) {
    std::optional<caf::error> refused;
    self->request(actor, caf::infinite, learn_atom_v, b)
        .receive([] {}, [&](caf::error& e) { refused = e; });
    return refused;
  };
  auto saved = [&] {
    std::string bytes;
    self->request(actor, caf::infinite, save_atom_v)
        .receive([&](std::string& s) { bytes = std::move(s); },
                 [&](caf::error& e) { FAIL(describe(e)); });
    return bytes;
  };

  const std::optional<caf::error> failed = learn(batch);
  REQUIRE_FALSE(failed);
  std::vector<Feedback> records;
  for (std::size_t i = 0; i < batch.users.size(); ++i) {
    const std::size_t at = i * batch.slate_size;
    records.push_back(Feedback{batch.users[i], batch.steps[i],
                               std::span(batch.items).subspan(at, batch.slate_size),
                               std::span(batch.ratings).subspan(at, batch.slate_size),
                               std::span(batch.rewards).subspan(at, batch.slate_size)});
  }
  direct->learn(records);
  std::ostringstream expected;
  direct->save(expected);
  const std::string learned = saved();
  CHECK(learned == expected.str());

  LearnBatch short_rewards = batch;
  short_rewards.rewards.pop_back();
  const std::optional<caf::error> refused = learn(short_rewards);
  REQUIRE(refused);
  CHECK(refused->category() == kErrorCategory);
  CHECK(refused->code() == static_cast<std::uint8_t>(Errc::kInvalidRequest));
  CHECK(describe(*refused).find("a learn batch's lists differ in length") != std::string::npos);
  CHECK(saved() == learned);
  stop_actor(fixture.system(), actor);
}

}  // namespace
}  // namespace lusifer::testing
