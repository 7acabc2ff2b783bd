// A real run of a few steps: on the synthetic world, whose users have tastes
// an agent can learn, LinUCB earns more reward per rated item than random,
// with its A^-1 in single precision or in half.

#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "engine/config/config_file.hpp"
#include "engine/rl/agent_factory.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace lusifer::testing {
namespace {

TEST_CASE("LinUCB earns more reward per rated item than random", "[actors][agents]") {
  SimulationFixture fixture({"simulation.horizon=5", R"(agents.run=["linucb", "random"])"});
  fixture.build_profiles();
  const auto summaries = fixture.runner().run_agents();
  const StoredRun run = fixture.finish();

  REQUIRE(summaries.size() == 2);
  const AgentRunSummary& linucb = summaries[0];
  const AgentRunSummary& random = summaries[1];
  REQUIRE(linucb.agent == "linucb");
  REQUIRE(random.agent == "random");
  CHECK(linucb.rated_items == random.rated_items);
  CHECK(linucb.rated_items == kWorldUsers * 5 * 5);
  INFO("linucb " << linucb.mean_reward << ", random " << random.mean_reward);
  CHECK(linucb.mean_reward > random.mean_reward);

  // The summaries' means are the store's.
  std::map<std::string, std::pair<double, std::size_t>> sums;
  for (const FeedbackRow& row : run.feedback) {
    auto& [sum, n] = sums[row.agent];
    sum += row.reward.value_or(0.0);
    ++n;
  }
  for (const AgentRunSummary* s : {&linucb, &random}) {
    const auto& [sum, n] = sums.at(s->agent);
    CHECK(n == s->rated_items);
    CHECK(s->mean_reward == Approx(sum / static_cast<double>(n)).epsilon(1e-6));
  }
}

TEST_CASE("LinUCB with A^-1 in half precision earns what single precision earns",
          "[actors][agents]") {
  auto mean_reward = [](const char* precision) {
    SimulationFixture fixture(
        {"simulation.horizon=5", R"(agents.run=["linucb"])",
         std::string("agents.linucb.inverse_precision=\"") + precision + "\""});
    fixture.build_profiles();
    const auto summaries = fixture.runner().run_agents();
    fixture.finish();
    REQUIRE(summaries.size() == 1);
    return summaries[0].mean_reward;
  };
  const double single = mean_reward("single");
  const double half = mean_reward("half");
  INFO("single " << single << ", half " << half);
  CHECK(half == Approx(single).epsilon(0.01));
}

TEST_CASE("[agents.linucb] inverse_precision picks A^-1's storage", "[actors][agents]") {
  auto read = [](const std::string& toml) {
    ConfigFile file = ConfigFile::parse("[options]\n" + toml + "\n", "agents.toml");
    AgentSpec spec = read_agent_spec("linucb", file.section("options"));
    file.check_all_consumed();
    return spec.linucb.inverse_precision;
  };
  CHECK(read("") == FloatPrecision::kSingle);
  CHECK(read(R"(inverse_precision = "single")") == FloatPrecision::kSingle);
  CHECK(read(R"(inverse_precision = "half")") == FloatPrecision::kHalf);
  CHECK_THROWS_WITH(read(R"(inverse_precision = "double")"), Catch::Contains("half"));
}

}  // namespace
}  // namespace lusifer::testing
