// FeedbackView (feedback_view.hpp): records and columns read the same.

#include "engine/agents/feedback_view.hpp"

#include <iterator>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

using namespace lusifer;

namespace {

static_assert(std::forward_iterator<FeedbackView::Iterator>);

// Columns of three entries, user 3 twice, two items each.
struct Columns {
  std::vector<UserIndex> users = {3, 1, 3};
  std::vector<std::uint32_t> steps = {0, 4, 1};
  std::size_t k = 2;
  std::vector<ItemIndex> items = {10, 11, 12, 13, 14, 15};
  std::vector<float> ratings = {4.0f, 1.0f, 2.5f, 5.0f, 3.0f, 3.5f};
  std::vector<float> rewards = {1.0f, -2.0f, 0.5f, 2.0f, 0.0f, 0.25f};

  FeedbackView view() const {
    return FeedbackView::from_columns(users, steps, k, items, ratings, rewards);
  }
  // The records of the same entries, pointing into the columns.
  std::vector<Feedback> records() const {
    std::vector<Feedback> out;
    for (std::size_t i = 0; i < users.size(); ++i)
      out.push_back(Feedback{users[i], steps[i], std::span(items).subspan(i * k, k),
                             std::span(ratings).subspan(i * k, k),
                             std::span(rewards).subspan(i * k, k)});
    return out;
  }
};

bool same_entry(const Feedback& a, const Feedback& b) {
  return a.user == b.user && a.step == b.step && a.slate.data() == b.slate.data() &&
         a.slate.size() == b.slate.size() && a.ratings.data() == b.ratings.data() &&
         a.ratings.size() == b.ratings.size() && a.rewards.data() == b.rewards.data() &&
         a.rewards.size() == b.rewards.size();
}

}  // namespace

TEST_CASE("A view of columns and a view of records give the same entries", "[agents][feedback]") {
  const Columns columns;
  const std::vector<Feedback> records = columns.records();
  const FeedbackView of_columns = columns.view();
  const FeedbackView of_records(records);
  REQUIRE(of_columns.size() == 3);
  REQUIRE(of_records.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(same_entry(of_columns[i], records[i]));
    CHECK(same_entry(of_records[i], records[i]));
    CHECK(of_columns.user(i) == records[i].user);
    CHECK(of_records.user(i) == records[i].user);
    CHECK(of_columns.step(i) == records[i].step);
    CHECK(of_records.step(i) == records[i].step);
  }
  CHECK(of_columns[2].slate[1] == 15);
  CHECK(of_columns[2].rewards[0] == 0.0f);

  std::size_t visited = 0;
  auto r = of_records.begin();
  for (const Feedback f : of_columns) {
    REQUIRE(r != of_records.end());
    CHECK(same_entry(f, *r));
    ++r;
    ++visited;
  }
  CHECK(visited == 3);
  CHECK(r == of_records.end());
  CHECK(std::distance(of_columns.begin(), of_columns.end()) == 3);
}

TEST_CASE("Empty views and slates of no items", "[agents][feedback]") {
  const FeedbackView none;
  CHECK(none.empty());
  CHECK(none.begin() == none.end());
  CHECK(FeedbackView(std::span<const Feedback>()).empty());
  CHECK(FeedbackView::from_columns({}, {}, 5, {}, {}, {}).empty());

  const std::vector<UserIndex> users = {7, 8};
  const std::vector<std::uint32_t> steps = {0, 0};
  const FeedbackView shown_nothing = FeedbackView::from_columns(users, steps, 0, {}, {}, {});
  REQUIRE(shown_nothing.size() == 2);
  CHECK(shown_nothing[1].user == 8);
  CHECK(shown_nothing[1].slate.empty());
  CHECK(shown_nothing[1].ratings.empty());
  CHECK(shown_nothing[1].rewards.empty());
}

TEST_CASE("Columns of mismatched lengths are refused", "[agents][feedback]") {
  const Columns good;
  CHECK_NOTHROW(good.view());
  auto refused = [](const Columns& c) { CHECK_THROWS_AS(c.view(), std::invalid_argument); };
  Columns c = good;
  c.steps.pop_back();
  refused(c);
  c = good;
  c.items.push_back(16);
  refused(c);
  c = good;
  c.ratings.pop_back();
  refused(c);
  c = good;
  c.rewards.resize(4);  // a multiple of k, but for two users
  refused(c);
  c = good;
  c.k = 3;  // the item columns hold 6 = 2 x 3, not 3 x 3
  refused(c);
  c = good;
  c.k = 0;  // no items a user, yet items are given
  refused(c);
  c = good;
  c.users.push_back(2);
  c.steps.push_back(0);
  refused(c);
  // The message names the lengths.
  CHECK_THROWS_WITH(
      FeedbackView::from_columns(good.users, good.steps, good.k, good.items, good.ratings, {}),
      Catch::Contains("6 ratings and 0 rewards"));
}
