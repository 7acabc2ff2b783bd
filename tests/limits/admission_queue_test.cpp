#include "engine/limits/admission_queue.hpp"

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/limits/fake_clock.hpp"

using namespace lusifer::limits;
using lusifer::limits::testing::at;
using lusifer::limits::testing::kStart;
using std::chrono::seconds;

namespace {

constexpr std::size_t kInteractive = 0;
constexpr std::size_t kBulk = 1;

std::vector<std::string> drain(AdmissionQueue<std::string>& queue, TimePoint now) {
  std::vector<std::string> order;
  while (auto item = queue.pop(now))
    order.push_back(*item);
  return order;
}

}  // namespace

TEST_CASE("a full class reports overload and keeps the item with the caller", "[limits][queue]") {
  AdmissionQueue<std::unique_ptr<int>> queue(AdmissionQueueConfig{{2, 3}, std::nullopt});
  auto a = std::make_unique<int>(1);
  auto b = std::make_unique<int>(2);
  auto c = std::make_unique<int>(3);
  CHECK(queue.push(std::move(a), kInteractive, kStart) == PushResult::kAccepted);
  CHECK(queue.push(std::move(b), kInteractive, kStart) == PushResult::kAccepted);
  CHECK(queue.push(std::move(c), kInteractive, kStart) == PushResult::kOverloaded);
  REQUIRE(c != nullptr);  // not moved from
  CHECK(*c == 3);
  CHECK(queue.size(kInteractive) == 2);
  // The other class has its own room: bulk cannot crowd out interactive, nor the reverse.
  for (int i = 0; i < 3; ++i) {
    CHECK(queue.push(std::make_unique<int>(10 + i), kBulk, kStart) == PushResult::kAccepted);
  }
  CHECK(queue.push(std::make_unique<int>(99), kBulk, kStart) == PushResult::kOverloaded);
  CHECK(queue.size() == 5);
  // Room comes back when items leave.
  REQUIRE(queue.pop(kStart));
  CHECK(queue.push(std::move(c), kInteractive, kStart) == PushResult::kAccepted);
}

TEST_CASE("higher classes go first, FIFO within a class", "[limits][queue]") {
  AdmissionQueue<std::string> queue(AdmissionQueueConfig{{10, 10, 10}, std::nullopt});
  queue.push("bulk-1", 2, kStart);
  queue.push("interactive-1", 0, at(seconds(1)));
  queue.push("mid-1", 1, at(seconds(2)));
  queue.push("bulk-2", 2, at(seconds(3)));
  queue.push("interactive-2", 0, at(seconds(4)));
  CHECK(drain(queue, at(std::chrono::hours(1))) ==
        std::vector<std::string>{"interactive-1", "interactive-2", "mid-1", "bulk-1", "bulk-2"});
  CHECK(queue.empty());
  CHECK_FALSE(queue.pop(kStart).has_value());
}

TEST_CASE("aging lets waiting bulk work overtake newer interactive work", "[limits][queue]") {
  AdmissionQueue<std::string> queue(AdmissionQueueConfig{{10, 10}, seconds(30)});
  queue.push("bulk", kBulk, kStart);
  queue.push("interactive-early", kInteractive, at(seconds(10)));
  queue.push("interactive-late", kInteractive, at(seconds(20)));
  SECTION("before the aging step, strict priority") {
    CHECK(queue.next_class(at(seconds(29))) == kInteractive);
    CHECK(drain(queue, at(seconds(29))) ==
          std::vector<std::string>{"interactive-early", "interactive-late", "bulk"});
  }
  SECTION("after it, bulk competes as interactive by queueing order") {
    // At 30 s bulk counts as class 0 and was queued before both.
    CHECK(drain(queue, at(seconds(45))) ==
          std::vector<std::string>{"bulk", "interactive-early", "interactive-late"});
  }
}

TEST_CASE("an aged item still waits behind work queued before it", "[limits][queue]") {
  AdmissionQueue<std::string> queue(AdmissionQueueConfig{{10, 10}, seconds(30)});
  queue.push("interactive-first", kInteractive, kStart);
  queue.push("bulk", kBulk, at(seconds(1)));
  queue.push("interactive-after", kInteractive, at(seconds(2)));
  CHECK(drain(queue, at(seconds(100))) ==
        std::vector<std::string>{"interactive-first", "bulk", "interactive-after"});
}

TEST_CASE("remove_if drops cancelled work and frees its room", "[limits][queue]") {
  AdmissionQueue<int> queue(AdmissionQueueConfig{{3, 3}, std::nullopt});
  for (int i = 0; i < 3; ++i)
    queue.push(int{i}, kInteractive, kStart);
  for (int i = 10; i < 13; ++i)
    queue.push(int{i}, kBulk, kStart);
  CHECK(queue.remove_if([](int x) { return x % 2 == 0; }) == 4);  // 0, 2, 10, 12
  CHECK(queue.size() == 2);
  CHECK(queue.size(kInteractive) == 1);
  CHECK(queue.push(int{20}, kInteractive, kStart) == PushResult::kAccepted);
  CHECK(queue.pop(kStart) == 1);
  CHECK(queue.pop(kStart) == 20);
  CHECK(queue.pop(kStart) == 11);
}

TEST_CASE("the queue rejects nonsense", "[limits][queue]") {
  CHECK_THROWS_AS(AdmissionQueue<int>(AdmissionQueueConfig{{}, std::nullopt}),
                  std::invalid_argument);
  CHECK_THROWS_AS(AdmissionQueue<int>(AdmissionQueueConfig{{1, 0}, std::nullopt}),
                  std::invalid_argument);
  CHECK_THROWS_AS(AdmissionQueue<int>(AdmissionQueueConfig{{1}, std::chrono::nanoseconds(0)}),
                  std::invalid_argument);
  AdmissionQueue<int> queue(AdmissionQueueConfig{{1, 1}, std::nullopt});
  CHECK_THROWS_AS(queue.push(1, 2, kStart), std::invalid_argument);
}
