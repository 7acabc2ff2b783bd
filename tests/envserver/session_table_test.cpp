// The HTTP layer's view of sessions: bounded slots, one request at a time,
// reset before step, done users, and idle sessions making room.

#include "engine/envserver/session_table.hpp"

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

using namespace lusifer::envserver;
using namespace std::chrono_literals;

TEST_CASE("sessions being created count against the limit", "[envserver][sessions]") {
  SessionTable table(2, 0ms);
  CHECK(table.reserve().granted);
  CHECK(table.reserve().granted);
  CHECK_FALSE(table.reserve().granted);
  table.cancel_reservation();
  CHECK(table.reserved_count() == 1);
  CHECK(table.open("a", 3, 2));
  CHECK(table.open_count() == 1);
  CHECK(table.reserved_count() == 0);
  CHECK(table.reserve().granted);
  CHECK(table.open("b", 1, 1));
  CHECK_FALSE(table.reserve().granted);
  CHECK(table.remove("a"));
  CHECK_FALSE(table.remove("a"));
  CHECK(table.reserve().granted);
  // A duplicate id gives its reservation back and changes nothing.
  CHECK_FALSE(table.open("b", 5, 5));
  CHECK(table.open_count() == 1);
  CHECK(table.reserved_count() == 0);
}

TEST_CASE("a session answers one request at a time", "[envserver][sessions]") {
  SessionTable table(4, 0ms);
  REQUIRE(table.reserve().granted);
  REQUIRE(table.open("s", 2, 3));
  const auto claim = table.begin_reset("s");
  REQUIRE(claim.ok());
  CHECK(claim.value().num_envs == 2);
  CHECK(claim.value().slate_size == 3);
  CHECK(claim.value().done == std::vector<bool>{false, false});
  for (const auto& again :
       {table.begin_reset("s"), table.begin_step("s"), table.begin_close("s")}) {
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == EnvErrorKind::kSessionBusy);
  }
  table.finish_reset("s", true);
  CHECK(table.begin_step("s").ok());

  const auto missing = table.begin_step("nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == EnvErrorKind::kUnknownSession);
}

TEST_CASE("steps need a reset and an active user", "[envserver][sessions]") {
  SessionTable table(4, 0ms);
  REQUIRE(table.reserve().granted);
  REQUIRE(table.open("s", 2, 1));
  const auto early = table.begin_step("s");
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().kind == EnvErrorKind::kResetRequired);

  REQUIRE(table.begin_reset("s").ok());
  table.finish_reset("s", false);  // a failed reset does not count
  CHECK(table.begin_step("s").error().kind == EnvErrorKind::kResetRequired);
  REQUIRE(table.begin_reset("s").ok());
  table.finish_reset("s", true);

  REQUIRE(table.begin_step("s").ok());
  const std::vector<bool> first_done = {true, false};
  table.finish_step("s", &first_done);
  const auto next = table.begin_step("s");
  REQUIRE(next.ok());
  CHECK(next.value().done == first_done);
  table.finish_step("s", nullptr);  // a failed step changes nothing
  REQUIRE(table.begin_step("s").ok());
  const std::vector<bool> all_done = {true, true};
  table.finish_step("s", &all_done);
  const auto over = table.begin_step("s");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().kind == EnvErrorKind::kResetRequired);

  REQUIRE(table.begin_reset("s").ok());
  table.finish_reset("s", true);
  const auto fresh = table.begin_step("s");
  REQUIRE(fresh.ok());
  CHECK(fresh.value().done == std::vector<bool>{false, false});
}

TEST_CASE("idle sessions make room only when every slot is taken", "[envserver][sessions]") {
  using Clock = SessionTable::Clock;
  const auto t0 = Clock::now();
  SessionTable table(2, 60s);
  REQUIRE(table.reserve(t0).granted);
  REQUIRE(table.open("old", 1, 1, t0));
  REQUIRE(table.reserve(t0).granted);
  REQUIRE(table.open("busy", 1, 1, t0));
  REQUIRE(table.begin_reset("busy", t0).ok());  // busy sessions are never evicted

  const auto soon = table.reserve(t0 + 30s);
  CHECK_FALSE(soon.granted);
  CHECK(soon.evicted.empty());

  const auto later = table.reserve(t0 + 61s);
  CHECK(later.granted);
  CHECK(later.evicted == std::vector<std::string>{"old"});
  CHECK(table.begin_step("old").error().kind == EnvErrorKind::kUnknownSession);
  CHECK(table.open_count() == 1);

  // Use refreshes a session: "busy" was last used at t0 + 0 but is busy.
  table.finish_reset("busy", true, t0 + 100s);
  CHECK(table.open("new", 1, 1, t0 + 100s));
  const auto full = table.reserve(t0 + 120s);
  CHECK_FALSE(full.granted);
  CHECK(full.evicted.empty());
}

TEST_CASE("a zero idle timeout never evicts", "[envserver][sessions]") {
  using Clock = SessionTable::Clock;
  SessionTable table(1, 0ms);
  REQUIRE(table.reserve().granted);
  REQUIRE(table.open("s", 1, 1));
  const auto r = table.reserve(Clock::now() + 1000h);
  CHECK_FALSE(r.granted);
  CHECK(r.evicted.empty());
}
