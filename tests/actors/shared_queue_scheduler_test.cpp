#include "actors/shared_queue_scheduler.hpp"

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

namespace lusifer {
namespace {

caf::actor_system_config shared_queue_config(std::size_t workers, std::size_t throughput) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", workers);
  config.set("scheduler.max-throughput", throughput);
  config.set("logger.verbosity", caf::atom("quiet"));
  use_shared_queue_scheduler(config);
  return config;
}

// Receives `count` numbers and answers `reply_to` with whether they came
// in the order they were sent and with their sum.
caf::behavior ordered_counter(caf::event_based_actor* self, caf::actor reply_to, int count) {
  struct Tally {
    int received = 0;
    std::int64_t sum = 0;
    bool in_order = true;
  };
  auto tally = std::make_shared<Tally>();
  return {[self, reply_to, count, tally](int value) {
    tally->in_order = tally->in_order && value == tally->received;
    ++tally->received;
    tally->sum += value;
    if (tally->received == count) {
      self->send(reply_to, tally->in_order, tally->sum);
      self->quit();
    }
  }};
}

// Answers every number with the next one, to `peer`, until `last`.
caf::behavior relay(caf::event_based_actor* self, caf::actor done, int last) {
  return {[self, done, last](caf::actor peer, int value) {
    if (value >= last) {
      self->send(done, value);
      return;
    }
    self->send(peer, caf::actor_cast<caf::actor>(self), value + 1);
  }};
}

}  // namespace

TEST_CASE("the shared-queue scheduler is the one an actor system loads with it", "[actors]") {
  auto config = shared_queue_config(2, 10);
  caf::actor_system system{config};
  CHECK(uses_shared_queue_scheduler(system));
  CHECK(system.scheduler().num_workers() == 2);

  caf::actor_system_config plain;
  plain.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system other{plain};
  CHECK_FALSE(uses_shared_queue_scheduler(other));
}

TEST_CASE("the shared-queue scheduler runs every message of many actors, each mailbox in order",
          "[actors]") {
  // A throughput of 1 makes every actor yield after each message, so jobs
  // go back into the queue (resume_later) as well as leave it.
  auto config = shared_queue_config(2, 1);
  caf::actor_system system{config};
  constexpr int kActors = 200;
  constexpr int kMessages = 50;
  {
    caf::scoped_actor self{system};
    std::vector<caf::actor> counters;
    for (int a = 0; a < kActors; ++a)
      counters.push_back(system.spawn(ordered_counter, caf::actor{self}, kMessages));
    for (int m = 0; m < kMessages; ++m)
      for (const auto& counter : counters)
        self->send(counter, m);
    int answers = 0;
    int in_order = 0;
    std::int64_t sums = 0;
    self->receive_for(answers, kActors)([&](bool ordered, std::int64_t sum) {
      in_order += ordered ? 1 : 0;
      sums += sum;
    });
    CHECK(answers == kActors);
    CHECK(in_order == kActors);
    CHECK(sums == std::int64_t{kActors} * (kMessages - 1) * kMessages / 2);
  }
}

TEST_CASE("the shared-queue scheduler wakes sleeping workers for a chain of single messages",
          "[actors]") {
  // Two relays pass one message back and forth: at any time one job is
  // runnable, so the other worker sleeps and must be woken, again and
  // again, for the chain to finish.
  auto config = shared_queue_config(2, 1);
  caf::actor_system system{config};
  constexpr int kLast = 20'000;
  {
    caf::scoped_actor self{system};
    auto first = system.spawn(relay, caf::actor{self}, kLast);
    auto second = system.spawn(relay, caf::actor{self}, kLast);
    self->send(first, second, 0);
    int reached = -1;
    self->receive([&](int value) { reached = value; });
    CHECK(reached == kLast);
    self->send_exit(first, caf::exit_reason::user_shutdown);
    self->send_exit(second, caf::exit_reason::user_shutdown);
  }
}

}  // namespace lusifer
