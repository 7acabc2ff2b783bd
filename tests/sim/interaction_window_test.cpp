#include "engine/sim/interaction_window.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

using namespace lusifer;

namespace {

Interaction seen(std::int64_t n) {
  return Interaction{static_cast<ItemIndex>(n), static_cast<float>(1 + n % 5), n};
}

std::vector<std::int64_t> times(const std::vector<Interaction>& v) {
  std::vector<std::int64_t> out;
  for (const Interaction& i : v)
    out.push_back(i.timestamp);
  return out;
}

// What the ring replaces: a deque trimmed to the window and a separate
// vector of the feedback not yet folded in.
struct Reference {
  std::size_t window;
  std::deque<Interaction> recent;
  std::vector<Interaction> pending;

  void reset(const std::vector<Interaction>& from) {
    recent.clear();
    pending.clear();
    for (const Interaction& i : from) {
      recent.push_back(i);
      if (recent.size() > window)
        recent.pop_front();
    }
  }
  void push(const Interaction& i) {
    recent.push_back(i);
    if (recent.size() > window)
      recent.pop_front();
    pending.push_back(i);
  }
  std::vector<Interaction> last(std::size_t n) const {
    n = std::min(n, recent.size());
    return {recent.end() - static_cast<std::ptrdiff_t>(n), recent.end()};
  }
};

}  // namespace

TEST_CASE("the window keeps the last `window` interactions, oldest first", "[interaction_window]") {
  InteractionWindow w(3, 0);
  w.reset({});
  CHECK(w.window_size() == 0);
  for (int n = 1; n <= 5; ++n)
    w.push(seen(n));
  CHECK(times(w.window()) == std::vector<std::int64_t>{3, 4, 5});
  CHECK(times(w.last(2)) == std::vector<std::int64_t>{4, 5});
  CHECK(times(w.last(10)) == std::vector<std::int64_t>{3, 4, 5});
  // The pending batch outlives the window: all five are still there.
  CHECK(times(w.pending()) == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  w.clear_pending();
  CHECK(w.pending().empty());
  CHECK(times(w.window()) == std::vector<std::int64_t>{3, 4, 5});
}

TEST_CASE("a reset keeps only the last `window` of the history and nothing pending",
          "[interaction_window]") {
  InteractionWindow w(2, 4);
  w.push(seen(100));
  w.reset(std::vector{seen(1), seen(2), seen(3)});
  CHECK(times(w.window()) == std::vector<std::int64_t>{2, 3});
  CHECK(w.pending_size() == 0);
}

TEST_CASE("the ring agrees with a deque and a vector over random use", "[interaction_window]") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::size_t window = rng() % 6;
    const std::size_t expected = rng() % 8;
    InteractionWindow w(window, expected);
    Reference ref{window, {}, {}};
    std::int64_t clock = 0;
    for (int op = 0; op < 300; ++op) {
      const auto kind = rng() % 10;
      if (kind == 0) {
        std::vector<Interaction> history;
        for (auto n = rng() % 8; n-- > 0;)
          history.push_back(seen(++clock));
        w.reset(history);
        ref.reset(history);
      } else if (kind == 1) {
        w.clear_pending();
        ref.pending.clear();
      } else {
        const Interaction i = seen(++clock);
        w.push(i);
        ref.push(i);
      }
      REQUIRE(times(w.window()) == times(ref.last(window)));
      REQUIRE(times(w.pending()) == times(ref.pending));
      const std::size_t n = rng() % 7;
      REQUIRE(times(w.last(n)) == times(ref.last(n)));
    }
  }
}

TEST_CASE("restore rebuilds what window() and pending() recorded", "[interaction_window]") {
  for (const std::size_t pushes : {0, 1, 3, 4, 9}) {
    InteractionWindow w(4, 2);
    w.reset(std::vector{seen(1), seen(2)});
    for (std::size_t n = 0; n < pushes; ++n)
      w.push(seen(10 + static_cast<std::int64_t>(n)));
    InteractionWindow back(4, 2);
    back.restore(w.window(), w.pending());
    CHECK(times(back.window()) == times(w.window()));
    CHECK(times(back.pending()) == times(w.pending()));
    // And they go on alike.
    w.push(seen(99));
    back.push(seen(99));
    CHECK(times(back.window()) == times(w.window()));
    CHECK(times(back.pending()) == times(w.pending()));
  }
}

TEST_CASE("restore refuses a window and a batch that are not one sequence",
          "[interaction_window]") {
  InteractionWindow w(3, 0);
  CHECK_THROWS_AS(w.restore(std::vector{seen(1), seen(2)}, std::vector{seen(1)}),
                  std::invalid_argument);
  CHECK_THROWS_AS(w.restore(std::vector{seen(1), seen(2), seen(3), seen(4)}, {}),
                  std::invalid_argument);
  w.restore(std::vector{seen(1), seen(2)}, std::vector{seen(2)});
  CHECK(times(w.pending()) == std::vector<std::int64_t>{2});
}

TEST_CASE("times of any size come back exactly, however far apart", "[interaction_window]") {
  // The ring keeps times as 32-bit differences until one needs more: mix
  // small episode stamps, Unix times, and the int64 extremes.
  const std::vector<std::int64_t> stamps = {1'000'003,
                                            1'600'000'000,
                                            5,
                                            std::numeric_limits<std::int64_t>::max(),
                                            std::numeric_limits<std::int64_t>::min(),
                                            -1,
                                            4'294'967'296,
                                            2'000'001,
                                            0};
  InteractionWindow w(4, 3);
  Reference ref{4, {}, {}};
  w.reset(std::vector{seen(1'700'000'000), seen(1'700'000'100)});
  ref.reset(std::vector{seen(1'700'000'000), seen(1'700'000'100)});
  for (std::size_t round = 0; round < 3; ++round) {
    for (const std::int64_t t : stamps) {
      const Interaction i{7, 3.5f, t};
      w.push(i);
      ref.push(i);
      REQUIRE(w.window() == ref.last(4));
      REQUIRE(w.pending() == ref.pending);
    }
    w.clear_pending();
    ref.pending.clear();
    // A reset starts the times' origin afresh.
    w.reset(std::vector{seen(3)});
    ref.reset(std::vector{seen(3)});
    REQUIRE(w.window() == ref.last(4));
  }
  InteractionWindow back(4, 3);
  back.restore(std::vector<Interaction>{{1, 1.0f, std::numeric_limits<std::int64_t>::min()},
                                        {2, 2.0f, 0},
                                        {3, 3.0f, std::numeric_limits<std::int64_t>::max()}},
               std::vector<Interaction>{{3, 3.0f, std::numeric_limits<std::int64_t>::max()}});
  CHECK(times(back.window()) ==
        std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), 0,
                                  std::numeric_limits<std::int64_t>::max()});
  CHECK(times(back.pending()) ==
        std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::max()});
}

// Drives rings of random shapes and the reference through the same random
// steps (200 rings, `ops` steps each): clears, resets to a short history,
// and pushes of what `next(rng, kind, op, clock)` makes; every view must
// match the reference, by `same`, after every step.
template <class Next, class Same>
void against_reference(std::uint64_t seed, int ops, Next next, Same same) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    const std::size_t window = rng() % 7;
    InteractionWindow w(window, rng() % 9);
    Reference ref{window, {}, {}};
    std::int64_t clock = 1'700'000'000;
    for (int op = 0; op < ops; ++op) {
      const auto kind = rng() % 12;
      if (kind == 0) {
        w.clear_pending();
        ref.pending.clear();
      } else if (kind == 1) {
        const std::vector<Interaction> history{seen(clock++), seen(clock++)};
        w.reset(history);
        ref.reset(history);
      } else {
        const Interaction i = next(rng, kind, op, clock);
        w.push(i);
        ref.push(i);
      }
      REQUIRE(same(w.window(), ref.last(window)));
      REQUIRE(same(w.pending(), ref.pending));
      REQUIRE(w.pending_size() == ref.pending.size());
    }
  }
}

TEST_CASE("wrapping, trimming and growing keep times that need high words",
          "[interaction_window]") {
  // Some times are far from the origin (they need the high words from then
  // on) and others near it.
  against_reference(
      11, 200,
      [](std::mt19937_64& rng, std::uint64_t kind, int op, std::int64_t& clock) {
        // Mostly the next second; now and then years away, either way.
        const std::int64_t jump = kind == 2 ? std::int64_t{1} << (32 + rng() % 20) : 1;
        clock += rng() % 2 == 0 || kind != 2 ? jump : -jump;
        return Interaction{static_cast<ItemIndex>(op), 2.5f, clock};
      },
      std::equal_to<>());
}

TEST_CASE("items and ratings that do not fit the packed entry come back bit for bit",
          "[interaction_window]") {
  // The packed entry holds items below 2^24 and ratings in halves from 0
  // to 127.5; everything else is kept whole, from then on for every slot,
  // mixed with far times, through wrapping, trimming, growing and resets.
  const std::vector<float> ratings = {
      0.0f,  0.5f,  4.5f,  127.5f, 128.0f,
      3.7f,  -1.0f, -0.0f, 1e-9f,  std::numeric_limits<float>::quiet_NaN(),
      1e30f, 2.0f};
  const std::vector<ItemIndex> items = {0, 5, (ItemIndex{1} << 24) - 1, ItemIndex{1} << 24,
                                        std::numeric_limits<ItemIndex>::max()};
  against_reference(
      5, 150,
      [&](std::mt19937_64& rng, std::uint64_t kind, int op, std::int64_t& clock) {
        // Mostly items and ratings that pack; now and then one that does
        // not, or a time years away.
        const bool odd = rng() % 4 == 0;
        const ItemIndex item = odd ? items[rng() % items.size()] : static_cast<ItemIndex>(op);
        const float rating = odd ? ratings[rng() % ratings.size()] : 0.5f * (rng() % 11);
        clock += kind == 2 ? std::int64_t{1} << 40 : 1;
        return Interaction{item, rating, clock};
      },
      [](const std::vector<Interaction>& a, const std::vector<Interaction>& b) {
        // Bit for bit: NaN and -0 too.
        return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                          [](const Interaction& x, const Interaction& y) {
                            return x.item == y.item && x.timestamp == y.timestamp &&
                                   std::memcmp(&x.rating, &y.rating, sizeof(float)) == 0;
                          });
      });
}

TEST_CASE("the ring has room for the window until a batch is pending, then for the batch",
          "[interaction_window]") {
  InteractionWindow w(20, 50);
  std::vector<Interaction> history;
  for (int n = 0; n < 30; ++n)
    history.push_back(seen(n));
  w.reset(history);
  CHECK(w.capacity() == 20);
  // Interactions folded as they come (nothing left pending) need no more.
  for (int n = 30; n < 100; ++n) {
    w.push(seen(n));
    w.clear_pending();
  }
  CHECK(w.capacity() == 20);
  CHECK(w.window_size() == 20);
  // A pending batch longer than the window: room for the batch expected at
  // once, then twice that when a batch outgrows it.
  for (int n = 100; n < 121; ++n)
    w.push(seen(n));
  CHECK(w.capacity() == 50);
  for (int n = 121; n < 150; ++n)
    w.push(seen(n));
  CHECK(w.capacity() == 50);
  CHECK(w.pending_size() == 50);
  w.push(seen(150));
  CHECK(w.capacity() == 100);
  CHECK(w.pending_size() == 51);
  CHECK(w.window_size() == 20);
}
