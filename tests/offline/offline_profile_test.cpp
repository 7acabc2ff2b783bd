// Profiles of the offline model: batches folded into a taste, the paragraph
// that describes it, the change sentence, and reading a profile back.

#include "engine/sim/offline_profile.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/sim/offline_taste.hpp"
#include "engine/sim/offline_user_model.hpp"
#include "tests/offline/offline_world.hpp"

using namespace lusifer;

namespace {

const testing::TasteWorld& world() {
  static const testing::TasteWorld w = testing::make_taste_world();
  return w;
}

const OfflineUserModel& model() {
  static const OfflineUserModel m(world().dataset, world().all);
  return m;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<Interaction> batch_of(std::initializer_list<std::pair<ItemIndex, float>> ratings) {
  std::vector<Interaction> batch;
  std::int64_t t = 0;
  for (const auto& [item, rating] : ratings)
    batch.push_back({item, rating, ++t});
  return batch;
}

}  // namespace

TEST_CASE("merging a batch: running mean, leanings by genre, theme and era", "[offline][taste]") {
  OfflineTaste taste;
  const std::uint32_t prison = 7, ghost = 9;
  const std::vector<std::uint32_t> crime_themes{prison}, horror_themes{ghost};
  const GenreMask crime = 1, horror = 2;
  std::vector<TasteEvidence> batch;
  for (int k = 0; k < 3; ++k)
    batch.push_back({5.0f, crime, 1990, crime_themes});
  for (int k = 0; k < 3; ++k)
    batch.push_back({1.0f, horror, 1970, horror_themes});
  const auto change = merge_taste(taste, batch);
  CHECK(taste.rated == 6);
  CHECK(taste.mean == 3.0f);
  REQUIRE(taste.genres.size() == 2);
  CHECK(taste.genres[0] == OfflineLeaning{0, 2.0f, 3});   // liked first
  CHECK(taste.genres[1] == OfflineLeaning{1, -2.0f, 3});  // then disliked
  REQUIRE(taste.themes.size() == 2);
  CHECK(taste.themes[0].key == prison);
  CHECK(taste.eras[0] == OfflineLeaning{1990, 2.0f, 3});
  REQUIRE(change);
  CHECK_FALSE(change->before);
  REQUIRE(change->after);

  // A second batch: the old evidence is re-centred on the new average and
  // merged with the new.
  std::vector<TasteEvidence> second{{3.0f, horror, 1970, horror_themes},
                                    {3.0f, horror, 1970, horror_themes}};
  const auto moved = merge_taste(taste, second);
  CHECK(taste.rated == 8);
  CHECK(taste.mean == 3.0f);
  CHECK(taste.genres[1].key == 1);
  CHECK(taste.genres[1].count == 5);
  CHECK(taste.genres[1].value == Approx((-2.0 * 3 + 0.0 * 2) / 5).margin(0.005));
  REQUIRE(moved);
  // Horror's genre, theme and era moved alike; the genre comes first.
  CHECK(moved->kind == LeaningKind::kGenre);
  CHECK(moved->key == 1);
  CHECK(moved->batch_count == 2);
  CHECK(moved->batch_mean == 3.0f);
  CHECK_FALSE(merge_taste(taste, {}));
}

TEST_CASE("old evidence counts for at most the cap, so batch order matters", "[offline][taste]") {
  const GenreMask g = 1;
  const auto fold = [&](std::vector<float> first, std::vector<float> second) {
    OfflineTaste taste;
    OfflineTasteOptions options;
    options.evidence_cap = 4;
    std::vector<TasteEvidence> a, b;
    for (float r : first)
      a.push_back({r, g, std::nullopt, {}});
    for (float r : second)
      b.push_back({r, g | 2, std::nullopt, {}});
    merge_taste(taste, a, options);
    merge_taste(taste, b, options);
    return taste;
  };
  const auto ab = fold({5, 5, 5, 5, 5, 5, 5, 5}, {1, 1});
  const auto ba = fold({1, 1}, {5, 5, 5, 5, 5, 5, 5, 5});
  CHECK(ab.rated == ba.rated);
  CHECK(ab.mean != ba.mean);  // the later batch weighs more
  CHECK_FALSE(ab == ba);
}

TEST_CASE("large theme keys merge as small ones do", "[offline][taste]") {
  // Term ids of the content model are small; a hand-written profile's can be
  // anything. Renaming keys without changing their order must rename, not
  // change, the result.
  const auto fold = [](std::uint32_t big, std::uint32_t bigger) {
    const std::vector<std::uint32_t> a{3, big, 5}, b{bigger, 3}, c{big}, d{5, bigger, big};
    OfflineTaste taste;
    const std::vector<TasteEvidence> first{{5.0f, 1, 1990, a},
                                           {2.0f, 2, 1980, b},
                                           {4.5f, 1, 1990, c},
                                           {1.0f, 2, 1970, d},
                                           {4.0f, 3, 1990, a}};
    const std::vector<TasteEvidence> second{
        {1.5f, 2, 1970, b}, {5.0f, 1, 1990, c}, {3.0f, 1, 1990, d}};
    const auto change1 = merge_taste(taste, first);
    const auto change2 = merge_taste(taste, second);
    return std::tuple{taste, change1, change2};
  };
  const std::uint32_t small = 60000, smaller = 40000;
  const std::uint32_t large = 5000000, larger = 3000000;
  const auto [dense, dense1, dense2] = fold(small, smaller);
  const auto [sparse, sparse1, sparse2] = fold(large, larger);
  const auto rename = [&](std::uint32_t key) {
    return key == large ? small : key == larger ? smaller : key;
  };
  REQUIRE(sparse.themes.size() == dense.themes.size());
  CHECK_FALSE(dense.themes.empty());
  for (std::size_t k = 0; k < dense.themes.size(); ++k) {
    OfflineLeaning renamed = sparse.themes[k];
    renamed.key = rename(renamed.key);
    CHECK(renamed == dense.themes[k]);
  }
  CHECK(sparse.genres == dense.genres);
  CHECK(sparse.eras == dense.eras);
  CHECK(sparse.mean == dense.mean);
  for (const auto& [s, d] : {std::pair{sparse1, dense1}, std::pair{sparse2, dense2}}) {
    REQUIRE(s.has_value() == d.has_value());
    if (!s)
      continue;
    CHECK(s->kind == d->kind);
    CHECK(rename(s->key) == d->key);
    CHECK(s->after == d->after);
    CHECK(s->batch_count == d->batch_count);
    CHECK(s->batch_mean == d->batch_mean);
  }
}

TEST_CASE("folding a batch without its change gives the taste merging does", "[offline][taste]") {
  // Keys below and above the dense table's range (65,536), and a key listed
  // twice in a hand-written taste, through three batches.
  const std::vector<std::uint32_t> a{3, 70000, 5}, b{900000, 3}, c{70000}, d{5, 900000, 70000};
  const std::vector<TasteEvidence> first{{5.0f, 1, 1990, a},
                                         {2.0f, 2, 1980, b},
                                         {4.5f, 1, 1990, c},
                                         {1.0f, 6, 1970, d},
                                         {4.0f, 3, 1990, a}};
  const std::vector<TasteEvidence> second{
      {1.5f, 2, 1970, b}, {5.0f, 1, 1990, c}, {3.0f, 4, 1990, d}};
  OfflineTaste merged;
  merged.rated = 12;
  merged.mean = 3.5f;
  merged.themes = {{5, 0.4f, 3}, {900000, -0.3f, 2}, {5, 0.2f, 4}};
  OfflineTaste folded = merged;
  for (const auto* batch : {&first, &second, &first}) {
    merge_taste(merged, *batch);
    fold_taste(folded, *batch);
    REQUIRE(folded == merged);
  }
  CHECK_FALSE(folded.themes.empty());
  CHECK(folded.rated == 12 + 13);
}

namespace {

// merge_taste as its contract states it, with ordered maps instead of the
// key tables: the batch's sums by key in batch order, every key of the old
// taste (the last of a key listed twice) or of the batch merged in key
// order, the change taken over the kinds in order and keys ascending.
std::optional<OfflineTasteChange> reference_merge(OfflineTaste& taste,
                                                  std::span<const TasteEvidence> batch,
                                                  double cap) {
  if (batch.empty())
    return std::nullopt;
  double rating_sum = 0;
  for (const TasteEvidence& e : batch)
    rating_sum += e.rating;
  const double old_weight = std::min<double>(taste.rated, cap);
  const double new_mean =
      (taste.mean * old_weight + rating_sum) / (old_weight + static_cast<double>(batch.size()));
  const double shift = taste.rated == 0 ? 0.0 : taste.mean - new_mean;
  std::optional<OfflineTasteChange> change;
  double largest = 0.05;
  struct Rule {
    LeaningKind kind;
    std::size_t keep;
    std::uint32_t min_count;
  };
  for (const Rule rule : {Rule{LeaningKind::kGenre, 3, 1}, Rule{LeaningKind::kTheme, 3, 2},
                          Rule{LeaningKind::kEra, 2, 1}}) {
    struct Sums {
      std::uint32_t count = 0;
      double deviation = 0, rating = 0;
    };
    std::map<std::uint32_t, Sums> sums;
    std::map<std::uint32_t, OfflineLeaning> old;
    for (const OfflineLeaning& l : taste.of(rule.kind)) {
      old[l.key] = l;
      sums[l.key];
    }
    for (const TasteEvidence& e : batch) {
      std::vector<std::uint32_t> keys;
      if (rule.kind == LeaningKind::kGenre) {
        for (std::uint32_t g = 0; g < 64; ++g)
          if (e.genres >> g & 1)
            keys.push_back(g);
      } else if (rule.kind == LeaningKind::kTheme) {
        keys.assign(e.themes.begin(), e.themes.end());
      } else if (e.decade) {
        keys.push_back(static_cast<std::uint32_t>(*e.decade));
      }
      for (const std::uint32_t key : keys) {
        Sums& s = sums[key];
        s.deviation += e.rating - new_mean;
        s.rating += e.rating;
        ++s.count;
      }
    }
    std::vector<std::pair<double, OfflineLeaning>> liked, disliked;
    for (const auto& [key, s] : sums) {
      const auto before = old.find(key);
      const bool had = before != old.end();
      if (!had && s.count < rule.min_count)
        continue;
      OfflineLeaning now{key, 0.0f, 0};
      if (had)
        now = {key, static_cast<float>(before->second.value + shift), before->second.count};
      if (s.count > 0) {
        const double weight = std::min<double>(now.count, cap);
        now.value = static_cast<float>((now.value * weight + s.deviation) /
                                       (weight + static_cast<double>(s.count)));
        now.count += s.count;
      }
      now.value = quantize_hundredths(now.value);
      const double shrunk = now.count >= rule.min_count ? shrunk_leaning(now) : 0.0;
      if (shrunk >= 0.05)
        liked.push_back({shrunk, now});
      if (shrunk <= -0.05)
        disliked.push_back({shrunk, now});
      const double moved = std::abs(shrunk - (had ? shrunk_leaning(before->second) : 0.0));
      if (moved < largest + 1e-9)
        continue;
      largest = moved;
      OfflineTasteChange c;
      c.kind = rule.kind;
      c.key = key;
      if (had)
        c.before = before->second.value;
      c.after = now.value;
      c.moved = static_cast<float>(moved);
      if (s.count > 0) {
        c.batch_count = s.count;
        c.batch_mean = static_cast<float>(s.rating / s.count);
      }
      change = c;
    }
    const auto by = [](int sign) {
      return [sign](const auto& a, const auto& b) {
        return a.first != b.first ? sign * a.first > sign * b.first : a.second.key < b.second.key;
      };
    };
    std::sort(liked.begin(), liked.end(), by(1));
    std::sort(disliked.begin(), disliked.end(), by(-1));
    std::vector<OfflineLeaning>& out = taste.of(rule.kind);
    out.clear();
    for (std::size_t k = 0; k < liked.size() && k < rule.keep; ++k)
      out.push_back(liked[k].second);
    for (std::size_t k = 0; k < disliked.size() && k < rule.keep; ++k)
      out.push_back(disliked[k].second);
    if (change && change->kind == rule.kind)
      change->kept = std::any_of(out.begin(), out.end(),
                                 [&](const OfflineLeaning& l) { return l.key == change->key; });
  }
  taste.mean = quantize_hundredths(new_mean);
  taste.rated += static_cast<std::uint32_t>(batch.size());
  return change;
}

}  // namespace

TEST_CASE("merging and folding give the taste and change the plain statement of the rule gives",
          "[offline][taste]") {
  // Random batches of films with keys of every range: small ones often met
  // twice or more, some above the dense table's range (65,536) and near
  // 2^32, old leanings listed twice, and a batch larger than any before.
  std::mt19937 random(20261127);
  const auto pick = [&](std::uint32_t n) {
    return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(random);
  };
  std::vector<std::vector<std::uint32_t>> keywords(400);
  for (auto& k : keywords) {
    for (std::uint32_t n = pick(9); n > 0; --n) {
      const std::uint32_t range = pick(10);
      k.push_back(range < 7 ? pick(60) : range < 9 ? 65536 + pick(20) : 0xfffffff0u + pick(16));
    }
    // Keywords of one item are distinct, as the content model's are.
    std::sort(k.begin(), k.end());
    k.erase(std::unique(k.begin(), k.end()), k.end());
  }
  OfflineTaste merged, reference;
  merged.rated = 7;
  merged.mean = 3.25f;
  merged.genres = {{2, 0.5f, 4}, {5, -0.75f, 2}, {2, 0.25f, 1}};
  merged.themes = {{7, 0.4f, 3}, {65540, -0.3f, 2}, {7, 0.2f, 5}, {0xfffffff3u, 1.25f, 2}};
  merged.eras = {{1990, 0.1f, 3}};
  reference = merged;
  OfflineTaste folded = merged;
  std::size_t changes = 0, themes = 0;
  for (int b = 0; b < 60; ++b) {
    std::vector<TasteEvidence> batch(b == 30 ? 300 : 1 + pick(60));
    for (TasteEvidence& e : batch) {
      e.rating = 0.5f * static_cast<float>(2 + pick(9));
      e.genres = GenreMask{1} << pick(64) | GenreMask{1} << pick(8) | GenreMask{1} << pick(8);
      if (pick(5) != 0)
        e.decade = 1920 + 10 * static_cast<int>(pick(10));
      e.themes = keywords[pick(static_cast<std::uint32_t>(keywords.size()))];
    }
    INFO("batch " << b);
    const auto change = merge_taste(merged, batch);
    const auto expected = reference_merge(reference, batch, OfflineTasteOptions{}.evidence_cap);
    fold_taste(folded, batch);
    REQUIRE(merged == reference);
    REQUIRE(folded == reference);
    REQUIRE(change.has_value() == expected.has_value());
    if (change) {
      ++changes;
      CHECK(change->kind == expected->kind);
      CHECK(change->key == expected->key);
      CHECK(change->before == expected->before);
      CHECK(change->after == expected->after);
      CHECK(change->kept == expected->kept);
      CHECK(change->moved == expected->moved);
      CHECK(change->batch_count == expected->batch_count);
      CHECK(change->batch_mean == expected->batch_mean);
    }
    themes += merged.themes.size();
  }
  CHECK(changes > 10);
  CHECK(themes > 100);
}

TEST_CASE("the profile paragraph reflects the batch it was built from", "[offline][profile]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[2];
  OfflineUserState state = model().new_state(u);
  // A batch of loved crime dramas and hated horror films.
  model().apply_batch(state, batch_of({{w.crime_items[0], 5},
                                       {w.crime_items[1], 5},
                                       {w.crime_items[2], 4},
                                       {w.horror_items[0], 1},
                                       {w.horror_items[1], 1},
                                       {w.horror_items[2], 2}}));
  const std::string profile = model().profile_text(state);
  INFO(profile);
  CHECK(
      profile.starts_with("Offline profile (offline-cf, not an LLM) of a 34-year-old male "
                          "engineer, from 6 rated films averaging 3.00/5."));
  CHECK(contains(profile,
                 "Genres rated above their average: Crime (+1.67, 3 films), Drama "
                 "(+1.67, 3 films)."));
  CHECK(contains(profile, "Genres rated below it: Horror (-1.67, 3 films)."));
  CHECK(contains(profile, "Themes they enjoy: "));
  CHECK(contains(profile, "Themes they avoid: "));
  // Liked themes are words of the crime dramas' synopses, avoided ones of
  // the horror films'.
  const auto keywords_of = [&](std::initializer_list<ItemIndex> items) {
    std::vector<std::uint32_t> all;
    for (const ItemIndex i : items)
      for (const auto k : model().content().keywords(i))
        all.push_back(k);
    return all;
  };
  const auto crime_words = keywords_of({w.crime_items[0], w.crime_items[1], w.crime_items[2]});
  const auto horror_words = keywords_of({w.horror_items[0], w.horror_items[1], w.horror_items[2]});
  REQUIRE_FALSE(state.taste.themes.empty());
  for (const OfflineLeaning& theme : state.taste.themes) {
    const auto& words = theme.value > 0 ? crime_words : horror_words;
    CHECK(std::count(words.begin(), words.end(), theme.key) == theme.count);
    CHECK(contains(profile, model().content().term(theme.key) +
                                (theme.value > 0 ? " (+1.67, " : " (-1.67, ")));
  }
  CHECK(contains(profile, "Eras they favour: the 1990s (+1.67, 3 films)."));
  CHECK(contains(profile, "Eras they like less: the 1970s (-1.67, 3 films)."));
  CHECK(profile.size() <= 700);

  // A different batch makes a different profile.
  OfflineUserState other = model().new_state(u);
  model().apply_batch(
      other, batch_of({{w.comedy_items[0], 5}, {w.comedy_items[1], 5}, {w.crime_items[0], 2}}));
  const std::string other_profile = model().profile_text(other);
  INFO(other_profile);
  CHECK(contains(other_profile, "Comedy (+"));
  CHECK_FALSE(contains(other_profile, "Horror"));
}

TEST_CASE("the chronological order of batches matters", "[offline][profile]") {
  const auto& w = world();
  const UserIndex u = w.horror_users[0];
  const auto early = batch_of({{w.horror_items[0], 5},
                               {w.horror_items[1], 5},
                               {w.comedy_items[0], 2},
                               {w.comedy_items[1], 2}});
  const auto late = batch_of({{w.horror_items[2], 2},
                              {w.horror_items[3], 1},
                              {w.comedy_items[2], 5},
                              {w.comedy_items[3], 5}});
  OfflineUserState forward = model().new_state(u), backward = model().new_state(u);
  model().apply_batch(forward, early);
  const std::string forward_change = model().apply_batch(forward, late);
  model().apply_batch(backward, late);
  const std::string backward_change = model().apply_batch(backward, early);
  CHECK(model().profile_text(forward) != model().profile_text(backward));
  CHECK(forward_change != backward_change);
}

TEST_CASE("the update sentence names a change that really happened", "[offline][profile]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[5];
  OfflineUserState state = model().new_state(u);
  const std::string first = model().apply_batch(state, batch_of({{w.crime_items[0], 5},
                                                                 {w.crime_items[1], 4},
                                                                 {w.comedy_items[0], 3},
                                                                 {w.comedy_items[1], 3}}));
  INFO(first);
  CHECK(first.starts_with("First impressions from 4 films averaging 3.8/5: "));
  CHECK(contains(first, "Crime stands out as a favourite"));

  // Horror arrives, hated: it enters the profile as a dislike.
  const OfflineTaste before = state.taste;
  const std::string change = model().apply_batch(
      state, batch_of({{w.horror_items[0], 1}, {w.horror_items[1], 1}, {w.horror_items[2], 1}}));
  INFO(change);
  CHECK(contains(change, "Horror"));
  CHECK(contains(change, "entered the profile as a dislike"));
  CHECK(contains(change, "the batch's 3 Horror films averaged 1.0/5"));
  bool horror_before = false, horror_after = false;
  for (const auto& l : before.genres)
    horror_before |= l.key == 4;
  for (const auto& l : state.taste.genres)
    horror_after |= l.key == 4 && l.value < 0;
  CHECK_FALSE(horror_before);
  CHECK(horror_after);

  // Training ratings (no news for the drift) all at one value: no leaning
  // at all, the second time as the first.
  OfflineUserState steady = model().new_state(u);
  std::vector<Interaction> same;
  for (const Interaction& a : model().training_history(u))
    for (const Interaction& b : model().training_history(u))
      if (same.empty() && a.item != b.item && a.rating == b.rating)
        same = {a, b};
  REQUIRE(same.size() == 2);
  model().apply_batch(steady, same);
  const std::string nothing = model().apply_batch(steady, same);
  INFO(nothing);
  CHECK(nothing.starts_with("No notable change"));
}

TEST_CASE("a profile reads back to the state that wrote it", "[offline][profile]") {
  const auto& w = world();
  for (const UserIndex u : {w.crime_users[0], w.horror_users[7], w.cold_anonymous_user}) {
    OfflineUserState state = model().new_state(u);
    std::vector<Interaction> feedback;
    for (int k = 0; k < 25; ++k) {
      const ItemIndex item = static_cast<ItemIndex>((k * 7 + u) % 32);
      model().record_feedback(state, item, static_cast<float>(1 + (k * 3 + u) % 5));
    }
    const std::string text = model().profile_text(state);
    INFO(text);
    const auto parsed = model().parse_profile(u, text);
    REQUIRE(parsed);
    CHECK(parsed->taste == state.taste);
    CHECK(parsed->drift == state.drift);
    CHECK(model().profile_text(*parsed) == text);
  }
  CHECK_FALSE(model().parse_profile(0, "The user enjoys crime dramas and dislikes horror."));
  CHECK_FALSE(model().parse_profile(0, ""));
}

TEST_CASE("a profile without films says what is expected of the user", "[offline][profile]") {
  const auto& w = world();
  const std::string cold = model().profile_text(model().new_state(w.cold_crime_user));
  INFO(cold);
  CHECK(contains(cold, "of a 34-year-old male engineer, with no rated films yet."));
  CHECK(
      contains(cold, "Viewers like them (same age group, gender and occupation) tend to favour "));
  CHECK(contains(cold, "rate Horror low"));
  const std::string known = model().profile_text(model().new_state(w.horror_users[0]));
  INFO(known);
  CHECK(contains(known, "Their rating history suggests they favour Horror"));
  const std::string anonymous = model().profile_text(model().new_state(w.cold_anonymous_user));
  CHECK(contains(anonymous, "of a viewer with no demographic details"));
  const auto parsed = model().parse_profile(w.cold_crime_user, cold);
  REQUIRE(parsed);
  CHECK(parsed->taste.rated == 0);
}
