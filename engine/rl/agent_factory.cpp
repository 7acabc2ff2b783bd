#include "engine/rl/agent_factory.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/agents/epsilon_greedy_mf_agent.hpp"
#include "engine/agents/lin_ucb_agent.hpp"
#include "engine/agents/popularity_agent.hpp"
#include "engine/agents/random_agent.hpp"

namespace lusifer {
namespace {

constexpr std::string_view kNames[] = {"random", "popularity", "epsilon-greedy-mf", "linucb"};

// FNV-1a: a name's stream label must not depend on the standard library.
std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text)
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace

std::span<const std::string_view> agent_names() noexcept {
  return kNames;
}

std::vector<AgentSpec> read_agent_specs(ConfigFile& file) {
  ConfigSection agents = file.section("agents");
  const auto run = agents.get<std::vector<std::string>>(
      "run", std::vector<std::string>{"linucb", "popularity", "random"});
  if (run.empty())
    throw agents.invalid("run", "at least one agent", "an empty list");
  std::vector<AgentSpec> specs;
  for (const auto& name : run) {
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
      throw agents.invalid("run", "agents named random, popularity, epsilon-greedy-mf or linucb",
                           fmt::format("\"{}\"", name));
    }
    if (std::any_of(specs.begin(), specs.end(),
                    [&](const AgentSpec& s) { return s.name == name; })) {
      throw agents.invalid("run", "each agent once", fmt::format("\"{}\" twice", name));
    }
    specs.push_back(read_agent_spec(name, agents.section(name)));
  }
  // Sections of agents that do not run are still checked for typos.
  for (const auto name : kNames) {
    if (std::none_of(specs.begin(), specs.end(),
                     [&](const AgentSpec& s) { return s.name == name; })) {
      agents.ignore(name);
    }
  }
  return specs;
}

AgentSpec read_agent_spec(std::string name, ConfigSection s) {
  AgentSpec spec;
  spec.name = std::move(name);
  spec.common.avoid_seen = s.get<bool>("avoid_seen", true);
  if (spec.name == "popularity") {
    PopularityOptions& p = spec.popularity;
    p.positive_rating = s.optional_double("positive_rating", 0.0, 1e6);
  } else if (spec.name == "epsilon-greedy-mf") {
    EpsilonGreedyMfOptions& m = spec.epsilon_greedy_mf;
    m.epsilon = s.get_double("epsilon", m.epsilon, 0.0, 1.0);
    m.svd.n_factors = static_cast<int>(s.get_int("factors", m.svd.n_factors, 1, 1024));
    m.online_epochs = static_cast<int>(s.get_int("online_epochs", m.online_epochs, 0, 100));
    m.online_learning_rate =
        s.get_double("online_learning_rate", m.online_learning_rate, 0.0, 10.0);
    m.pool_size = static_cast<std::size_t>(
        s.get_int("pool_size", static_cast<std::int64_t>(m.pool_size), 0, 1'000'000));
  } else if (spec.name == "linucb") {
    LinUcbOptions& l = spec.linucb;
    l.alpha = s.get_double("alpha", l.alpha, 0.0, 100.0);
    l.ridge = s.get_double("ridge", l.ridge, 1e-6, 1e6);
    l.item_exploration = s.get_double("item_exploration", l.item_exploration, 0.0, 100.0);
    l.pool_size = static_cast<std::size_t>(
        s.get_int("pool_size", static_cast<std::int64_t>(l.pool_size), 0, 1'000'000));
    l.shortlist = static_cast<std::size_t>(
        s.get_int("shortlist", static_cast<std::int64_t>(l.shortlist), 1, 1'000'000));
    l.features.text_dimensions = static_cast<std::size_t>(s.get_int(
        "text_dimensions", static_cast<std::int64_t>(l.features.text_dimensions), 0, 128));
    l.learn_from_training = s.get<bool>("learn_from_training", true);
    l.inverse_precision =
        s.get_enum("inverse_precision", l.inverse_precision,
                   {{"single", FloatPrecision::kSingle}, {"half", FloatPrecision::kHalf}});
  }
  return spec;
}

std::unique_ptr<Agent> make_agent(const AgentSpec& spec, const Dataset& dataset,
                                  std::span<const RatingIndex> train, std::uint64_t seed,
                                  unsigned threads) {
  AgentOptions options = spec.common;
  options.seed = derive_seed(seed, stable_hash(spec.name));
  options.threads = threads;
  if (spec.name == "random")
    return std::make_unique<RandomAgent>(dataset, train, options);
  if (spec.name == "popularity") {
    return std::make_unique<PopularityAgent>(dataset, train, options, spec.popularity);
  }
  if (spec.name == "epsilon-greedy-mf") {
    return std::make_unique<EpsilonGreedyMfAgent>(dataset, train, options, spec.epsilon_greedy_mf);
  }
  return std::make_unique<LinUcbAgent>(dataset, train, options, spec.linucb);
}

}  // namespace lusifer
