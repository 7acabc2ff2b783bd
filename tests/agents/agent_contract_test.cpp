// What every agent promises (agent.hpp), checked for all four.

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/input_error.hpp"
#include "tests/agents/agent_test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;

namespace {

constexpr std::uint32_t kUsers = 60;
constexpr std::uint32_t kItems = 150;

const Dataset& contract_dataset() {
  static const Dataset data = random_small_dataset(kUsers, kItems, 12, 2024);
  return data;
}

std::vector<RatingIndex> contract_train() {
  return all_ratings_of(contract_dataset());
}

// Runs `steps` steps for all users from step `first`, ratings hashed from
// (user, item, step), and returns every slate.
std::vector<ItemIndex> run_steps(Agent& agent, std::uint32_t first, std::uint32_t steps,
                                 SlateSize k) {
  const auto users = all_users(kUsers);
  std::vector<ItemIndex> all;
  for (std::uint32_t s = first; s < first + steps; ++s) {
    const StepRecord r = run_step(
        agent, users, s, k,
        [](UserIndex u, ItemIndex i, std::uint32_t t) { return hashed_rating(99, u, i, t); });
    all.insert(all.end(), r.slates.begin(), r.slates.end());
  }
  return all;
}

std::vector<ItemIndex> act_for(const Agent& agent, std::span<const Observation> observations,
                               SlateSize k) {
  std::vector<ItemIndex> slates(observations.size() * k);
  agent.act(observations, k, slates);
  return slates;
}

}  // namespace

TEST_CASE("Slates hold k distinct valid unseen items", "[agents][contract]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto agent = make_agent(kind, contract_dataset(), train);
    const SlateSize k = 7;
    std::vector<std::set<ItemIndex>> shown(kUsers);
    for (std::uint32_t step = 0; step < 5; ++step) {
      const auto users = all_users(kUsers);
      const StepRecord r = run_step(
          *agent, users, step, k,
          [](UserIndex u, ItemIndex i, std::uint32_t t) { return hashed_rating(1, u, i, t); });
      for (UserIndex u = 0; u < kUsers; ++u) {
        std::set<ItemIndex> slate;
        for (std::size_t j = 0; j < k; ++j) {
          const ItemIndex item = r.slates[u * k + j];
          REQUIRE(item < kItems);
          slate.insert(item);
          // Never an item from the training history or an earlier slate.
          const auto history = contract_dataset().histories().of(u);
          for (const RatingIndex h : history)
            REQUIRE(contract_dataset().ratings().item(h) != item);
          REQUIRE(shown[u].count(item) == 0);
        }
        REQUIRE(slate.size() == k);
        shown[u].insert(slate.begin(), slate.end());
      }
    }
    // What was shown now counts as seen.
    for (const ItemIndex item : shown[3])
      CHECK(agent->has_seen(3, item));
  }
}

TEST_CASE("Items of the observation's recent interactions are avoided", "[agents][contract]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto agent = make_agent(kind, contract_dataset(), train);
    const Observation plain{5, 0, {}, 0, {}};
    const std::vector<ItemIndex> first = act_for(*agent, std::span(&plain, 1), 5);
    // Claim the first slate's items were just interacted with.
    std::vector<ObservedInteraction> recent;
    for (const ItemIndex item : first)
      recent.push_back({item, 4.0f, 1.0f});
    const Observation with_window{5, 0, recent, 0, {}};
    const std::vector<ItemIndex> second = act_for(*agent, std::span(&with_window, 1), 5);
    for (const ItemIndex item : second)
      CHECK(std::find(first.begin(), first.end(), item) == first.end());
  }
}

TEST_CASE("When too few unseen items are left, slates repeat seen ones", "[agents][contract]") {
  // User 0 has rated all but 3 of 12 items.
  std::vector<SmallRating> ratings;
  for (ItemIndex i = 0; i < 9; ++i)
    ratings.push_back({0, i, static_cast<float>(1 + i % 5)});
  ratings.push_back({1, 10, 4});
  const Dataset data = small_dataset(2, 12, ratings);
  const auto train = all_ratings_of(data);
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto agent = make_agent(kind, data, train);
    const Observation o{0, 0, {}, 0, {}};
    const std::vector<ItemIndex> slate = act_for(*agent, std::span(&o, 1), 5);
    const std::set<ItemIndex> distinct(slate.begin(), slate.end());
    CHECK(distinct.size() == 5);
    for (const ItemIndex unseen : {9u, 10u, 11u})
      CHECK(distinct.count(unseen) == 1);
    // The whole catalogue still works.
    CHECK(act_for(*agent, std::span(&o, 1), 12).size() == 12);
  }
}

TEST_CASE("Without avoid_seen, seen items may come back", "[agents][contract]") {
  // Item 0 is everyone's favourite and user 0 has rated it.
  const Dataset data = small_dataset(4, 6, {{0, 0, 5}, {1, 0, 5}, {2, 0, 5}, {3, 0, 5}});
  const auto train = all_ratings_of(data);
  AgentOptions options;
  options.avoid_seen = false;
  PopularityAgent agent(data, train, options);
  const Observation o{0, 0, {}, 0, {}};
  std::vector<ItemIndex> slate(2);
  agent.act(std::span(&o, 1), 2, slate);
  CHECK(slate[0] == 0);
  CHECK(slate[0] != slate[1]);
}

TEST_CASE("Same seed and inputs give the same slates", "[agents][contract][determinism]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    AgentOptions options;
    options.seed = 17;
    auto a = make_agent(kind, contract_dataset(), train, options);
    auto b = make_agent(kind, contract_dataset(), train, options);
    CHECK(run_steps(*a, 0, 4, 6) == run_steps(*b, 0, 4, 6));
    CHECK(checkpoint_of(*a) == checkpoint_of(*b));
  }
  // A different seed changes the random agent's slates.
  AgentOptions other;
  other.seed = 18;
  auto a = make_agent(AgentKind::kRandom, contract_dataset(), train);
  auto b = make_agent(AgentKind::kRandom, contract_dataset(), train, other);
  CHECK(run_steps(*a, 0, 1, 6) != run_steps(*b, 0, 1, 6));
}

TEST_CASE("Slates do not depend on batch order, batch size or threads",
          "[agents][contract][determinism]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    // Agents that have learned something first, identically.
    std::vector<std::unique_ptr<Agent>> agents;
    for (const unsigned threads : {1u, 2u, 4u}) {
      AgentOptions options;
      options.seed = 3;
      options.threads = threads;
      agents.push_back(make_agent(kind, contract_dataset(), train, options));
      run_steps(*agents.back(), 0, 2, 5);
    }
    const SlateSize k = 5;
    const auto users = all_users(kUsers);
    const auto observations = observations_for(users, 2);
    const std::vector<ItemIndex> reference = act_for(*agents[0], observations, k);
    for (const auto& agent : agents)
      CHECK(act_for(*agent, observations, k) == reference);

    // Reversed order: each user's slate is the same.
    std::vector<Observation> reversed(observations.rbegin(), observations.rend());
    const std::vector<ItemIndex> backwards = act_for(*agents[1], reversed, k);
    for (std::size_t i = 0; i < kUsers; ++i) {
      const std::size_t from = (kUsers - 1 - i) * k;
      CHECK(std::equal(backwards.begin() + static_cast<std::ptrdiff_t>(from),
                       backwards.begin() + static_cast<std::ptrdiff_t>(from + k),
                       reference.begin() + static_cast<std::ptrdiff_t>(i * k)));
    }
    // In two batches.
    const std::span<const Observation> all(observations);
    std::vector<ItemIndex> split = act_for(*agents[2], all.first(13), k);
    const std::vector<ItemIndex> rest = act_for(*agents[2], all.subspan(13), k);
    split.insert(split.end(), rest.begin(), rest.end());
    CHECK(split == reference);
  }
}

TEST_CASE("Learning does not depend on the order of feedback", "[agents][contract][determinism]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    AgentOptions one_thread;
    one_thread.threads = 1;
    AgentOptions two_threads;
    two_threads.threads = 2;
    auto a = make_agent(kind, contract_dataset(), train, one_thread);
    auto b = make_agent(kind, contract_dataset(), train, two_threads);
    const auto users = all_users(kUsers);
    const SlateSize k = 4;
    StepRecord record;
    record.k = k;
    record.users = users;
    record.slates = act_for(*a, observations_for(users, 0), k);
    for (std::size_t i = 0; i < record.slates.size(); ++i) {
      const float r = hashed_rating(5, record.users[i / k], record.slates[i], 0);
      record.ratings.push_back(i % 9 == 0 ? kNoRating : r);
      record.rewards.push_back(r - 3.0f);
    }
    std::vector<Feedback> feedback = record.feedback(0);
    a->learn(feedback);
    Rng rng(8);
    rng.shuffle(std::span<Feedback>(feedback));
    b->learn(feedback);
    CHECK(checkpoint_of(*a) == checkpoint_of(*b));
    CHECK(act_for(*a, observations_for(users, 1), k) == act_for(*b, observations_for(users, 1), k));
  }
}

TEST_CASE("A user's feedback for several steps in one call is applied in step order",
          "[agents][contract][determinism]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto a = make_agent(kind, contract_dataset(), train);
    auto b = make_agent(kind, contract_dataset(), train);
    const std::vector<ItemIndex> first = {100, 101, 102};
    const std::vector<ItemIndex> second = {103, 104, 105};
    const std::vector<float> high = {5, 5, 4};
    const std::vector<float> low = {1, 2, 1};
    const std::vector<Feedback> in_order = {
        {7, 0, first, high, high}, {8, 0, first, low, low}, {7, 1, second, low, low}};
    const std::vector<Feedback> shuffled = {
        {7, 1, second, low, low}, {8, 0, first, low, low}, {7, 0, first, high, high}};
    a->learn(in_order);
    b->learn(shuffled);
    CHECK(checkpoint_of(*a) == checkpoint_of(*b));
  }
}

TEST_CASE("Learning from a batch's columns is learning from its records",
          "[agents][contract][determinism]") {
  const auto train = contract_train();
  const SlateSize k = 3;
  // A step of every user, then a call with users 5 and 9 at two steps each
  // (the path for users repeated within a call).
  const std::vector<UserIndex> everyone = all_users(kUsers);
  const std::vector<std::uint32_t> step_one(kUsers, 1);
  const std::vector<UserIndex> repeated = {9, 5, 20, 5, 9};
  const std::vector<std::uint32_t> repeated_steps = {3, 2, 2, 3, 2};
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    AgentOptions two_threads;
    two_threads.threads = 2;
    auto by_records = make_agent(kind, contract_dataset(), train, two_threads);
    auto by_columns = make_agent(kind, contract_dataset(), train, two_threads);
    for (const bool repeats : {false, true}) {
      CAPTURE(repeats);
      const std::vector<UserIndex>& users = repeats ? repeated : everyone;
      const std::vector<std::uint32_t>& steps = repeats ? repeated_steps : step_one;
      std::vector<ItemIndex> items;
      std::vector<float> ratings;
      std::vector<float> rewards;
      for (std::size_t i = 0; i < users.size(); ++i) {
        for (std::uint32_t j = 0; j < k; ++j) {
          const auto item =
              static_cast<ItemIndex>((users[i] * 7 + steps[i] * 13 + j * 31) % kItems);
          const float r = hashed_rating(11, users[i], item, steps[i]);
          items.push_back(item);
          ratings.push_back((i + j) % 5 == 0 ? kNoRating : r);
          rewards.push_back(r - 2.5f);
        }
      }
      const FeedbackView columns =
          FeedbackView::from_columns(users, steps, k, items, ratings, rewards);
      std::vector<Feedback> records;
      for (const Feedback f : columns)
        records.push_back(f);
      const LearnSummary from_records = by_records->learn(records);
      const LearnSummary from_columns = by_columns->learn(columns);
      CHECK(from_columns.feedback == from_records.feedback);
      CHECK(from_columns.items_learned == from_records.items_learned);
      CHECK(from_columns.items_without_rating == from_records.items_without_rating);
      CHECK(checkpoint_of(*by_columns) == checkpoint_of(*by_records));
    }

    // A bad entry among columns is refused like one among records, and
    // changes nothing.
    const std::string before = checkpoint_of(*by_columns);
    const std::vector<UserIndex> users = {2, 1};
    const std::vector<std::uint32_t> steps = {4, 4};
    const std::vector<ItemIndex> items = {1, 2, 3, 4};
    const std::vector<float> off_scale = {4.0f, 2.0f, 4.0f, 7.0f};
    const std::vector<float> rewards = {1.0f, 1.0f, 1.0f, 1.0f};
    CHECK_THROWS_AS(
        by_columns->learn(FeedbackView::from_columns(users, steps, 2, items, off_scale, rewards)),
        std::invalid_argument);
    const std::vector<UserIndex> stranger = {2, kUsers};
    CHECK_THROWS_AS(
        by_columns->learn(FeedbackView::from_columns(stranger, steps, 2, items, rewards, rewards)),
        std::out_of_range);
    CHECK(checkpoint_of(*by_columns) == before);
  }
}

TEST_CASE("A restored agent continues exactly", "[agents][contract][checkpoint]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    AgentOptions options;
    options.seed = 21;
    auto original = make_agent(kind, contract_dataset(), train, options);
    run_steps(*original, 0, 3, 5);
    const std::string saved = checkpoint_of(*original);
    const std::vector<ItemIndex> continued = run_steps(*original, 3, 3, 5);

    auto restored = make_agent(kind, contract_dataset(), train, options);
    std::istringstream in(saved);
    restored->load(in, "step3.ckpt");
    CHECK(checkpoint_of(*restored) == saved);
    CHECK(run_steps(*restored, 3, 3, 5) == continued);
    CHECK(checkpoint_of(*restored) == checkpoint_of(*original));
  }
}

TEST_CASE("Bad checkpoints are refused and change nothing", "[agents][contract][checkpoint]") {
  const auto train = contract_train();
  auto linucb = make_agent(AgentKind::kLinUcb, contract_dataset(), train);
  auto random = make_agent(AgentKind::kRandom, contract_dataset(), train);
  run_steps(*linucb, 0, 1, 4);
  const std::string before = checkpoint_of(*linucb);
  const std::string fresh =
      checkpoint_of(*make_agent(AgentKind::kLinUcb, contract_dataset(), train));

  auto refused = [&](const std::string& bytes, const std::string& expected_part) {
    std::istringstream in(bytes);
    try {
      linucb->load(in, "x.ckpt");
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.file() == "x.ckpt");
      CHECK_THAT(std::string(e.what()), Catch::Contains(expected_part));
    }
    CHECK(checkpoint_of(*linucb) == before);
  };
  // Another agent's checkpoint.
  refused(checkpoint_of(*random), "agent");
  // Truncated.
  refused(fresh.substr(0, fresh.size() / 2), "end of the checkpoint");
  // One byte flipped near the end (in the shared statistics).
  std::string corrupted = fresh;
  corrupted[corrupted.size() - 20] = static_cast<char>(corrupted[corrupted.size() - 20] ^ 1);
  refused(corrupted, "checksum");
  // Made with other options.
  LinUcbOptions other;
  other.alpha = 2.0;
  other.pool_size = 24;
  other.shortlist = 12;
  LinUcbAgent different(contract_dataset(), train, {}, other);
  refused(checkpoint_of(different), "alpha");
  // Made with another seed.
  AgentOptions seeded;
  seeded.seed = 5;
  refused(checkpoint_of(*make_agent(AgentKind::kLinUcb, contract_dataset(), train, seeded)),
          "seed");
}

TEST_CASE("Malformed calls throw and change nothing", "[agents][contract]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto agent = make_agent(kind, contract_dataset(), train);
    const std::string before = checkpoint_of(*agent);
    const Observation good{1, 0, {}, 0, {}};
    std::vector<ItemIndex> slate(3);
    CHECK_THROWS_AS(agent->act(std::span(&good, 1), 0, std::span<ItemIndex>()),
                    std::invalid_argument);
    std::vector<ItemIndex> huge(kItems + 1);
    CHECK_THROWS_AS(agent->act(std::span(&good, 1), kItems + 1, huge), std::invalid_argument);
    CHECK_THROWS_AS(agent->act(std::span(&good, 1), 2, slate), std::invalid_argument);
    const Observation stranger{kUsers, 0, {}, 0, {}};
    CHECK_THROWS_AS(agent->act(std::span(&stranger, 1), 3, slate), std::out_of_range);
    const std::vector<ObservedInteraction> bad_recent = {{kItems, 3.0f, 0.0f}};
    const Observation odd_window{1, 0, bad_recent, 0, {}};
    CHECK_THROWS_AS(agent->act(std::span(&odd_window, 1), 3, slate), std::out_of_range);

    const std::vector<ItemIndex> items = {1, 2};
    const std::vector<float> ok = {4.0f, 2.0f};
    const std::vector<float> one = {4.0f};
    const std::vector<float> off_scale = {4.0f, 7.0f};
    const std::vector<float> nan_reward = {1.0f, std::nanf("")};
    const std::vector<ItemIndex> bad_item = {1, kItems};
    // A good entry first: nothing of it may be applied when a later one is bad.
    auto learn_one_bad = [&](Feedback bad) {
      const std::vector<Feedback> feedback = {{2, 0, items, ok, ok}, bad};
      return agent->learn(feedback);
    };
    CHECK_THROWS_AS(learn_one_bad({kUsers, 0, items, ok, ok}), std::out_of_range);
    CHECK_THROWS_AS(learn_one_bad({1, 0, items, one, ok}), std::invalid_argument);
    CHECK_THROWS_AS(learn_one_bad({1, 0, items, ok, one}), std::invalid_argument);
    CHECK_THROWS_AS(learn_one_bad({1, 0, items, off_scale, ok}), std::invalid_argument);
    CHECK_THROWS_AS(learn_one_bad({1, 0, items, ok, nan_reward}), std::invalid_argument);
    CHECK_THROWS_AS(learn_one_bad({1, 0, bad_item, ok, ok}), std::out_of_range);
    CHECK_THROWS_AS(agent->has_seen(kUsers, 0), std::out_of_range);
    CHECK(checkpoint_of(*agent) == before);
  }
}

TEST_CASE("Items without a rating are shown but not learned from", "[agents][contract]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto with_absent = make_agent(kind, contract_dataset(), train);
    auto without = make_agent(kind, contract_dataset(), train);
    const std::vector<ItemIndex> slate = {120, 121, 122};
    const std::vector<float> ratings = {5.0f, kNoRating, 1.0f};
    const std::vector<float> rewards = {5.0f, 0.0f, 1.0f};
    const std::vector<Feedback> feedback = {{4, 0, slate, ratings, rewards}};
    const LearnSummary summary = with_absent->learn(feedback);
    CHECK(summary.items_learned == 2);
    CHECK(summary.items_without_rating == 1);
    CHECK(with_absent->has_seen(4, 121));
    // The same feedback without the unrated item teaches the same, except
    // that the item is not marked seen.
    const std::vector<ItemIndex> rated = {120, 122};
    const std::vector<float> rated_ratings = {5.0f, 1.0f};
    const std::vector<float> rated_rewards = {5.0f, 1.0f};
    const std::vector<Feedback> only_rated = {{4, 0, rated, rated_ratings, rated_rewards}};
    without->learn(only_rated);
    CHECK_FALSE(without->has_seen(4, 121));
    const std::vector<Feedback> just_show = {{4, 0, std::span(slate).subspan(1, 1),
                                              std::span(ratings).subspan(1, 1),
                                              std::span(rewards).subspan(1, 1)}};
    // Showing it without a rating marks it seen and teaches nothing, so
    // the two agents end up equal.
    without->learn(just_show);
    CHECK(checkpoint_of(*without) == checkpoint_of(*with_absent));
  }
}

TEST_CASE("Agents report their state memory", "[agents][contract]") {
  const auto train = contract_train();
  for (const AgentKind kind : kAllAgentKinds) {
    CAPTURE(kind_name(kind));
    auto agent = make_agent(kind, contract_dataset(), train);
    // At least the seen sets: ceil(150 / 64) words per user.
    CHECK(agent->memory_bytes() >= kUsers * 3 * 8);
    CHECK(!agent->name().empty());
    CHECK(agent->user_count() == kUsers);
    CHECK(agent->item_count() == kItems);
  }
}
