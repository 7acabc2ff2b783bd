#include "engine/agents/popularity_agent.hpp"

#include <vector>

#include <catch2/catch.hpp>

#include "tests/agents/agent_test_support.hpp"

using namespace lusifer;
using namespace lusifer::testing;

TEST_CASE("The default positive rating is three quarters up the scale", "[agents][popularity]") {
  CHECK(default_positive_rating(RatingScale{1.0f, 5.0f, 1.0f}) == 4.0);
  CHECK(default_positive_rating(RatingScale{0.5f, 5.0f, 0.5f}) == 4.0);
  CHECK(default_positive_rating(RatingScale{1.0f, 10.0f, 1.0f}) == 8.0);
}

TEST_CASE("Popularity ranks by positive ratings, then by all ratings", "[agents][popularity]") {
  // Item 2: three positives. Items 0 and 4: one positive each, but item 4
  // has more ratings. Item 1: ratings but no positive. Item 3: nothing.
  const Dataset data = small_dataset(5, 6,
                                     {{0, 2, 5},
                                      {1, 2, 4},
                                      {2, 2, 4},
                                      {0, 0, 4},
                                      {1, 4, 5},
                                      {2, 4, 2},
                                      {3, 1, 3},
                                      {4, 1, 1},
                                      {3, 5, 3}});
  const auto train = all_ratings_of(data);
  PopularityAgent agent(data, train);
  CHECK(agent.positive_count(2) == 3);
  CHECK(agent.rating_count(4) == 2);
  const auto ranking = agent.ranking();
  CHECK(std::vector<ItemIndex>(ranking.begin(), ranking.end()) ==
        std::vector<ItemIndex>{2, 4, 0, 1, 5, 3});

  // User 4 rated only item 1: gets the most popular of the rest, in order.
  std::vector<ItemIndex> slate(3);
  const Observation o{4, 0, {}, 0, {}};
  agent.act(std::span<const Observation>(&o, 1), 3, slate);
  CHECK(slate == std::vector<ItemIndex>{2, 4, 0});
  // User 0 rated items 2 and 0: they are skipped.
  const Observation o0{0, 0, {}, 0, {}};
  agent.act(std::span<const Observation>(&o0, 1), 3, slate);
  CHECK(slate == std::vector<ItemIndex>{4, 1, 5});
}

TEST_CASE("Popularity learns from positive feedback only", "[agents][popularity]") {
  const Dataset data = small_dataset(3, 4, {{0, 0, 5}, {1, 0, 5}, {2, 1, 5}});
  const auto train = all_ratings_of(data);
  PopularityAgent agent(data, train);
  REQUIRE(agent.ranking()[0] == 0);

  // Item 3 gets three positives and one absent rating; item 2 low ratings.
  const std::vector<ItemIndex> slate = {3, 2};
  const std::vector<float> good = {5.0f, 1.0f};
  const std::vector<float> absent = {kNoRating, 2.0f};
  const std::vector<float> rewards = {1.0f, 0.0f};
  std::vector<Feedback> feedback = {
      {0, 0, slate, good, rewards}, {1, 0, slate, good, rewards}, {2, 0, slate, absent, rewards}};
  const LearnSummary summary = agent.learn(feedback);
  CHECK(summary.feedback == 3);
  CHECK(summary.items_learned == 5);
  CHECK(summary.items_without_rating == 1);
  CHECK(agent.positive_count(3) == 2);
  CHECK(agent.rating_count(3) == 2);
  CHECK(agent.positive_count(2) == 0);
  CHECK(agent.rating_count(2) == 3);
  // 3 now ties with 0 on positives and ratings: the lower index wins.
  CHECK(std::vector<ItemIndex>(agent.ranking().begin(), agent.ranking().end()) ==
        std::vector<ItemIndex>{0, 3, 1, 2});

  std::vector<Feedback> more = {{0, 1, std::span<const ItemIndex>(slate).first(1),
                                 std::span<const float>(good).first(1),
                                 std::span<const float>(rewards).first(1)}};
  agent.learn(more);
  CHECK(agent.ranking()[0] == 3);
}

TEST_CASE("A custom positive threshold is used", "[agents][popularity]") {
  const Dataset data = small_dataset(2, 3, {{0, 0, 3}, {1, 1, 2}});
  const auto train = all_ratings_of(data);
  PopularityOptions options;
  options.positive_rating = 3.0;
  PopularityAgent agent(data, train, {}, options);
  CHECK(agent.positive_rating() == 3.0);
  CHECK(agent.positive_count(0) == 1);
  CHECK(agent.positive_count(1) == 0);
}
