#include "engine/sim/offline_user_state.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

#include <catch2/catch.hpp>

using namespace lusifer;

namespace {

OfflineUserState sample_state() {
  OfflineUserState s;
  s.user = 41;
  s.taste.rated = 37;
  s.taste.mean = 3.62f;
  s.taste.genres = {{1u << 3, 0.41f, 9}, {1u << 0, 0.2f, 4}, {1u << 7, -0.55f, 6}};
  s.taste.themes = {{1203, 0.3f, 2}, {88, -0.25f, 3}};
  s.taste.eras = {{1990, 0.12f, 11}};
  s.drift = {{3, -0.7f}, {12, 0.31f}};
  s.pending = {{5, 4.0f, 1'000'003}, {9, 2.0f, -7}};
  s.updates = 6;
  const ItemIndex trained[] = {9};
  REQUIRE(s.residuals.open(s.user, GenreMask{0b111}, OfflineResidualTally::filter_of(trained), 2));
  s.residuals.add(GenreMask{0b111}, 5, 4.0f, GenreMask{0b101}, false, 0.75);
  s.residuals.add(GenreMask{0b111}, 9, 2.0f, GenreMask{0b010}, true, -0.5);
  return s;
}

}  // namespace

TEST_CASE("a frozen offline state thaws to every field but the residual tally",
          "[offline_user_state]") {
  const OfflineUserState s = sample_state();
  const FrozenOfflineState frozen(s);
  REQUIRE(frozen);
  const OfflineUserState back = frozen.thaw();
  CHECK(back.user == s.user);
  CHECK(back.taste == s.taste);
  CHECK(back.drift == s.drift);
  CHECK(back.pending == s.pending);
  CHECK(back.updates == s.updates);
  REQUIRE_FALSE(s.residuals.empty());
  CHECK(back.residuals.empty());

  // Copies are deep and independent; a moved-from one holds nothing.
  FrozenOfflineState copy = frozen;
  FrozenOfflineState moved = std::move(copy);
  CHECK_FALSE(copy);  // NOLINT(bugprone-use-after-move): the contract of the move
  CHECK(moved.thaw().taste == s.taste);
  copy = moved;
  moved = FrozenOfflineState(OfflineUserState{});
  CHECK(copy.thaw().drift == s.drift);
  CHECK(moved.thaw().taste.genres.empty());
}

TEST_CASE("a state with values off the hundredths freezes whole and thaws bit for bit",
          "[offline_user_state]") {
  OfflineUserState s = sample_state();
  s.taste.themes[1].value = 0.123456f;  // not a hundredth
  s.taste.eras[0].count = 70'000;       // past a u16
  s.drift[1].value = -1e-7f;
  const OfflineUserState back = FrozenOfflineState(s).thaw();
  CHECK(back.taste == s.taste);
  CHECK(back.drift == s.drift);
  CHECK(back.pending == s.pending);
  // And negative zero and the ends of the compact range come back as they were.
  OfflineUserState edges = sample_state();
  edges.taste.genres[0].value = -0.0f;
  edges.taste.genres[1].value = 327.67f;
  edges.taste.genres[2].value = -327.68f;
  const OfflineUserState edges_back = FrozenOfflineState(edges).thaw();
  CHECK(std::signbit(edges_back.taste.genres[0].value));
  CHECK(edges_back.taste == edges.taste);
}

TEST_CASE("an empty state freezes, and nothing frozen does not thaw", "[offline_user_state]") {
  const OfflineUserState empty;
  const OfflineUserState back = FrozenOfflineState(empty).thaw();
  CHECK(back.taste == empty.taste);
  CHECK(back.drift.empty());
  CHECK(back.pending.empty());
  const FrozenOfflineState none;
  CHECK_FALSE(none);
  CHECK_THROWS_AS(none.thaw(), std::logic_error);
}

TEST_CASE("drift keeps the four largest genres and no more room than it needs",
          "[offline_user_state]") {
  GenreResiduals residuals;
  // Ten genres with news, of sizes 0.1 .. 1.0; genres 20 and 21 tie.
  for (std::size_t g = 0; g < 10; ++g) {
    residuals.sum[g] = 0.1 * static_cast<double>(g + 1) * 10;
    residuals.count[g] = 10;
  }
  residuals.sum[20] = -9.0;
  residuals.count[20] = 10;
  residuals.sum[21] = 9.0;
  residuals.count[21] = 10;
  std::vector<OfflineDrift> drift;
  const OfflineDriftOptions options{0.0, 0.8, 1.5};
  update_drift(drift, residuals, options);
  REQUIRE(drift.size() == OfflineUserState::kMaxDriftGenres);
  CHECK(drift.capacity() == OfflineUserState::kMaxDriftGenres);
  // Largest |value| first; equal sizes by genre.
  CHECK(drift[0].genre == 9);
  CHECK(drift[0].value == 1.0f);
  CHECK(drift[1].genre == 8);
  CHECK(drift[2].genre == 20);
  CHECK(drift[2].value == -0.9f);
  CHECK(drift[3].genre == 21);
}

TEST_CASE("drift without news only decays, and genres without either stay without",
          "[offline_user_state]") {
  GenreResiduals residuals;
  residuals.sum[40] = 3.0;
  residuals.count[40] = 3;
  std::vector<OfflineDrift> drift{{63, 1.0f}, {2, -0.5f}};
  update_drift(drift, residuals, OfflineDriftOptions{5.0, 0.8, 1.5});
  // 40: (5 x 0 + 3 x 1) / 8 = 0.375, kept at 0.38; 63: 0.8; 2: -0.4.
  REQUIRE(drift.size() == 3);
  CHECK(drift[0] == OfflineDrift{63, 0.8f});
  CHECK(drift[1] == OfflineDrift{2, -0.4f});
  CHECK(drift[2] == OfflineDrift{40, 0.38f});
  // Small drift decays below the smallest kept and is dropped.
  std::vector<OfflineDrift> small{{7, 0.05f}};
  update_drift(small, GenreResiduals{}, OfflineDriftOptions{5.0, 0.8, 1.5});
  CHECK(small.empty());
}

TEST_CASE("an item's drift is the mean over all its genres, those without drift as 0",
          "[offline][state]") {
  OfflineUserState s;
  CHECK(s.drift_for(0b111) == 0.0);  // no drift at all
  s.drift = {{1, 0.5f}, {5, -0.25f}, {63, 0.75f}};
  CHECK(s.drift_for(0) == 0.0);
  CHECK(s.drift_for(GenreMask{1} << 1) == 0.5);
  // Genres 0, 1 and 5: (0 + 0.5 - 0.25) / 3.
  CHECK(s.drift_for(0b100011) == (0.5 + -0.25) / 3);
  // The highest bit counts like any other: (0.5 + 0.75) / 2, then with four
  // genres of which two have none, / 4.
  CHECK(s.drift_for(GenreMask{1} << 63 | 0b10) == (0.5 + 0.75) / 2);
  CHECK(s.drift_for(GenreMask{1} << 63 | 0b1110) == (0.5 + 0.75) / 4);
}
