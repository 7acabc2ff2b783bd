// The offline model as a backend: the JSON an LLM would return for the same
// tasks, and the typed results.

#include "engine/sim/offline_backend.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/sim/answer_parser.hpp"
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

LlmTask rate_task(UserIndex user, std::vector<ItemIndex> candidates, std::string profile = "") {
  LlmTask task;
  task.kind = TaskKind::kRateItems;
  task.user = user;
  task.candidates = std::move(candidates);
  task.profile = std::move(profile);
  return task;
}

LlmTask profile_task(TaskKind kind, UserIndex user, std::vector<Interaction> batch,
                     std::string profile = "") {
  LlmTask task;
  task.kind = kind;
  task.user = user;
  task.interactions = std::move(batch);
  task.profile = std::move(profile);
  return task;
}

// A state of `u` that has folded in five-star ratings of comedies it never
// rated: a state with drift.
OfflineUserState drifted_state(UserIndex u) {
  std::vector<Interaction> batch;
  for (const ItemIndex i : world().comedy_items)
    if (!model().is_training_rating(u, i))
      batch.push_back({i, 5.0f, 0});
  OfflineUserState state = model().new_state(u);
  answer_offline_task(model(), profile_task(TaskKind::kCreateProfile, u, {}), state);
  answer_offline_task(model(), profile_task(TaskKind::kUpdateProfile, u, batch), state);
  REQUIRE_FALSE(state.drift.empty());
  CHECK(state.residuals.empty());
  return state;
}

}  // namespace

TEST_CASE("rating answers are JSON with every candidate, a rating and an explanation",
          "[offline][backend]") {
  const auto& w = world();
  std::vector<ItemIndex> candidates;
  for (ItemIndex i = 0; i < w.dataset.catalog().size(); i += 2)
    candidates.push_back(i);
  const LlmTask task = rate_task(w.crime_users[0], candidates);
  const std::string answer = answer_offline_task_json(model(), task);
  const auto json = nlohmann::json::parse(answer);
  REQUIRE(json.is_object());
  CHECK(json.size() == candidates.size());
  for (const ItemIndex i : candidates) {
    const std::string key = "item_" + std::to_string(w.dataset.catalog().item(i).id);
    INFO(key);
    REQUIRE(json.contains(key));
    const auto& entry = json.at(key);
    REQUIRE(entry.at("rating").is_number_integer());
    const int rating = entry.at("rating").get<int>();
    CHECK(rating == static_cast<int>(model().score(task.user, i).rating));
    const std::string explanation = entry.at("explanation").get<std::string>();
    CHECK(explanation.starts_with("Rated " + std::to_string(rating) + "/5 against your usual "));
  }
  // The typed result says the same.
  const LlmTaskResult result = answer_offline_task(model(), task);
  CHECK(result.complete());
  REQUIRE(result.ratings.size() == candidates.size());
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    CHECK(result.ratings[k].item == candidates[k]);
    CHECK(result.ratings[k].explanation ==
          json.at("item_" + std::to_string(w.dataset.catalog().item(candidates[k]).id))
              .at("explanation")
              .get<std::string>());
  }
}

TEST_CASE("the project's answer parser reads the offline answers", "[offline][backend]") {
  const auto& w = world();
  const std::vector<ItemIndex> candidates{w.crime_items[0], w.horror_clone, w.comedy_items[5]};
  const LlmTask task = rate_task(w.horror_users[1], candidates);
  const ParsedAnswer parsed =
      parse_rating_answer(answer_offline_task_json(model(), task), w.dataset, candidates);
  CHECK(parsed.result.complete());
  REQUIRE(parsed.result.ratings.size() == 3);
  for (const ItemRating& r : parsed.result.ratings)
    CHECK(r.rating == model().score(task.user, r.item).rating);

  const LlmTask create = profile_task(TaskKind::kCreateProfile, w.horror_users[1],
                                      {{w.horror_items[0], 5, 1}, {w.crime_items[0], 1, 2}});
  const auto profile =
      parse_profile_answer(answer_offline_task_json(model(), create), TaskKind::kCreateProfile);
  CHECK(profile.result.complete());
  CHECK(profile.result.profile.starts_with("Offline profile (offline-cf, not an LLM)"));
}

TEST_CASE("half-star scales answer numbers on the scale", "[offline][backend]") {
  const auto half = testing::make_taste_world(RatingScale{0.5f, 5.0f, 0.5f});
  const OfflineUserModel m(half.dataset, half.all);
  std::vector<ItemIndex> candidates(30);
  std::iota(candidates.begin(), candidates.end(), ItemIndex{0});
  const auto json = nlohmann::json::parse(answer_offline_task_json(m, rate_task(3, candidates)));
  bool any_half = false;
  for (const auto& [key, entry] : json.items()) {
    const double rating = entry.at("rating").get<double>();
    CHECK(half.dataset.scale().level_of(rating) >= 0);
    any_half |= std::floor(rating) != rating;
  }
  CHECK(any_half);
}

TEST_CASE("profile answers carry the profile and, for updates, the change", "[offline][backend]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[3];
  const LlmTask create = profile_task(TaskKind::kCreateProfile, u,
                                      {{w.crime_items[0], 5, 1}, {w.horror_items[0], 1, 2}});
  const auto created = nlohmann::json::parse(answer_offline_task_json(model(), create));
  const std::string profile = created.at("profile").get<std::string>();
  CHECK(profile.starts_with("Offline profile (offline-cf, not an LLM)"));
  CHECK(created.at("change").get<std::string>().empty());

  const LlmTask update = profile_task(
      TaskKind::kUpdateProfile, u,
      {{w.comedy_items[0], 5, 3}, {w.comedy_items[1], 5, 4}, {w.comedy_items[2], 4, 5}}, profile);
  const auto updated = nlohmann::json::parse(answer_offline_task_json(model(), update));
  const std::string new_profile = updated.at("profile").get<std::string>();
  const std::string change = updated.at("change").get<std::string>();
  INFO(new_profile);
  INFO(change);
  CHECK(new_profile != profile);
  CHECK(new_profile.find("from 5 rated films") != std::string::npos);
  CHECK_FALSE(change.empty());
  CHECK(change.find("Comedy") != std::string::npos);
}

TEST_CASE("the profile text carries the state: stateless and stateful answers agree",
          "[offline][backend]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[4];
  // Feedback the model did not train on: comedies loved.
  std::vector<Interaction> batch;
  for (const ItemIndex i : w.comedy_items)
    if (!model().is_training_rating(u, i))
      batch.push_back({i, 5.0f, 0});
  REQUIRE_FALSE(batch.empty());

  OfflineUserState state = model().new_state(u);
  const auto created =
      answer_offline_task(model(), profile_task(TaskKind::kCreateProfile, u, {}), state);
  const auto stateful = answer_offline_task(
      model(), profile_task(TaskKind::kUpdateProfile, u, batch, created.profile), state);
  const auto stateless = answer_offline_task(
      model(), profile_task(TaskKind::kUpdateProfile, u, batch, created.profile));
  CHECK(stateful.profile == stateless.profile);
  CHECK(stateful.change == stateless.change);
  REQUIRE_FALSE(state.drift.empty());
  CHECK(stateless.profile.find("Recent shifts from feedback: ") != std::string::npos);

  std::vector<ItemIndex> candidates{w.comedy_items[0], w.comedy_items[9], w.crime_items[1]};
  const auto with_state = answer_offline_task(model(), rate_task(u, candidates, "ignored"), state);
  const auto from_text = answer_offline_task(model(), rate_task(u, candidates, stateless.profile));
  const auto fresh = answer_offline_task(model(), rate_task(u, candidates));
  REQUIRE(with_state.ratings.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(with_state.ratings[k].rating == from_text.ratings[k].rating);
    CHECK(with_state.ratings[k].explanation == from_text.ratings[k].explanation);
  }
  // The learned liking for comedies shows against a fresh user.
  CHECK(from_text.ratings[0].rating >= fresh.ratings[0].rating);
  CHECK(from_text.ratings[0].explanation != fresh.ratings[0].explanation);
  // A profile the offline model did not write (an LLM's) is a fresh start.
  const auto llm_profile = answer_offline_task(
      model(), rate_task(u, candidates, "Enjoys witty comedies and tense crime dramas."));
  CHECK(llm_profile.ratings[0].explanation == fresh.ratings[0].explanation);
}

TEST_CASE("rating without explanations gives the same ratings and leaves the state alone",
          "[offline][backend]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[2];
  OfflineUserState state = drifted_state(u);
  const OfflineUserState before = state;

  std::vector<ItemIndex> candidates{w.comedy_items[0], w.crime_items[1], w.comedy_items[5],
                                    w.crime_items[3]};
  const auto explained =
      answer_offline_task(model(), rate_task(u, candidates), state, OfflineDetail::kFull);
  const auto bare =
      answer_offline_task(model(), rate_task(u, candidates), state, OfflineDetail::kNoTexts);
  REQUIRE(explained.ratings.size() == candidates.size());
  REQUIRE(bare.ratings.size() == candidates.size());
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    CHECK(bare.ratings[k].item == explained.ratings[k].item);
    CHECK(bare.ratings[k].rating == explained.ratings[k].rating);
    CHECK_FALSE(explained.ratings[k].explanation.empty());
    CHECK(bare.ratings[k].explanation.empty());
  }
  CHECK(state.drift == before.drift);
  CHECK(model().profile_text(state) == model().profile_text(before));
}

TEST_CASE("profile tasks without texts update the state as with them", "[offline][backend]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[2];
  std::vector<Interaction> first, second;
  for (const ItemIndex i : w.comedy_items)
    if (!model().is_training_rating(u, i))
      first.push_back({i, 5.0f, 0});
  for (const ItemIndex i : w.crime_items)
    if (!model().is_training_rating(u, i))
      second.push_back({i, 1.0f, 0});
  REQUIRE_FALSE(first.empty());
  REQUIRE_FALSE(second.empty());
  OfflineUserState texts = model().new_state(u);
  OfflineUserState bare = model().new_state(u);
  const auto created = answer_offline_task(
      model(), profile_task(TaskKind::kCreateProfile, u, first), texts, OfflineDetail::kFull);
  const auto created_bare = answer_offline_task(
      model(), profile_task(TaskKind::kCreateProfile, u, first), bare, OfflineDetail::kNoTexts);
  const auto updated = answer_offline_task(
      model(), profile_task(TaskKind::kUpdateProfile, u, second), texts, OfflineDetail::kFull);
  const auto updated_bare = answer_offline_task(
      model(), profile_task(TaskKind::kUpdateProfile, u, second), bare, OfflineDetail::kNoTexts);
  CHECK_FALSE(created.profile.empty());
  CHECK_FALSE(updated.change.empty());
  CHECK(created_bare.profile.empty());
  CHECK(updated_bare.profile.empty());
  CHECK(updated_bare.change.empty());
  CHECK(bare.taste == texts.taste);
  CHECK(bare.drift == texts.drift);
  CHECK(bare.updates == texts.updates);
  CHECK(model().profile_text(bare) == updated.profile);
}

TEST_CASE("profile updates for ratings only keep the taste and give the ratings of a whole update",
          "[offline][backend]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[2];
  const OfflineUserState start = drifted_state(u);
  // Feedback on new items, which moves the drift, rated from the start.
  std::vector<ItemIndex> slate(w.comedy_items.begin(), w.comedy_items.begin() + 5);
  slate.insert(slate.end(), w.crime_items.begin(), w.crime_items.begin() + 5);
  OfflineUserState rater = start;
  const auto rated =
      answer_offline_task(model(), rate_task(u, slate), rater, OfflineDetail::kNoTexts);
  std::vector<Interaction> batch;
  for (const ItemRating& r : rated.ratings)
    batch.push_back({r.item, r.rating <= 3.0f ? 5.0f : 1.0f, 0});

  OfflineUserState whole = rater;
  OfflineUserState ratings_only = rater;
  const auto updated_whole = answer_offline_task(
      model(), profile_task(TaskKind::kUpdateProfile, u, batch), whole, OfflineDetail::kNoTexts);
  const auto updated_ratings =
      answer_offline_task(model(), profile_task(TaskKind::kUpdateProfile, u, batch), ratings_only,
                          OfflineDetail::kRatings);
  CHECK(updated_ratings.profile.empty());
  CHECK(updated_ratings.change.empty());
  REQUIRE_FALSE(whole.taste == start.taste);  // the batch moved the taste...
  CHECK(ratings_only.taste == start.taste);   // ...which the update for ratings left alone
  REQUIRE_FALSE(whole.drift == start.drift);
  CHECK(ratings_only.drift == whole.drift);
  CHECK(ratings_only.updates == whole.updates);
  CHECK(ratings_only.residuals.empty());

  // The next slate is rated alike, to the bit.
  std::vector<ItemIndex> next(w.comedy_items.begin() + 5, w.comedy_items.begin() + 10);
  const auto after_whole = answer_offline_task(model(), rate_task(u, next), whole);
  const auto after_ratings = answer_offline_task(model(), rate_task(u, next), ratings_only);
  REQUIRE(after_whole.ratings.size() == next.size());
  REQUIRE(after_ratings.ratings.size() == next.size());
  for (std::size_t k = 0; k < next.size(); ++k) {
    CHECK(after_ratings.ratings[k].item == after_whole.ratings[k].item);
    CHECK(after_ratings.ratings[k].rating == after_whole.ratings[k].rating);
  }
}

TEST_CASE("a fold reads the residuals tallied by the ratings, to the same state",
          "[offline][backend]") {
  const auto& w = world();
  const UserIndex u = w.crime_users[2];
  OfflineUserState tallied = drifted_state(u);

  // Crime items include training ratings, which the fold skips.
  std::vector<ItemIndex> slate(w.crime_items.begin(), w.crime_items.begin() + 6);
  slate.insert(slate.end(), w.comedy_items.begin(), w.comedy_items.begin() + 4);
  REQUIRE(std::any_of(slate.begin(), slate.end(),
                      [&](ItemIndex i) { return model().is_training_rating(u, i); }));
  const auto rated =
      answer_offline_task(model(), rate_task(u, slate), tallied, OfflineDetail::kNoTexts);
  REQUIRE_FALSE(tallied.residuals.empty());

  // Folded in rating order (the tally read) and in reverse (the items
  // scored), with and without the tally: the same states.
  std::vector<Interaction> batch;
  for (const ItemRating& r : rated.ratings)
    batch.push_back({r.item, r.rating, 0});
  std::vector<Interaction> reversed(batch.rbegin(), batch.rend());
  for (const auto& order : {batch, reversed}) {
    OfflineUserState with = tallied;
    OfflineUserState without = tallied;
    without.residuals.clear();
    answer_offline_task(model(), profile_task(TaskKind::kUpdateProfile, u, order), with,
                        OfflineDetail::kNoTexts);
    answer_offline_task(model(), profile_task(TaskKind::kUpdateProfile, u, order), without,
                        OfflineDetail::kNoTexts);
    CHECK(with.drift == without.drift);
    CHECK(with.taste == without.taste);
    CHECK(with.residuals.empty());
    CHECK(with.residuals.allocated_bytes() == 0);
  }
  // Another user's tally is not read as this one's: the backend drops it.
  OfflineUserState other = tallied;
  OfflineUserState fresh = tallied;
  fresh.residuals.clear();
  const UserIndex v = w.crime_users[3];
  answer_offline_task(model(), profile_task(TaskKind::kUpdateProfile, v, batch), other,
                      OfflineDetail::kNoTexts);
  answer_offline_task(model(), profile_task(TaskKind::kUpdateProfile, v, batch), fresh,
                      OfflineDetail::kNoTexts);
  CHECK(other.drift == fresh.drift);
}

TEST_CASE("candidates outside the catalog are reported, not fatal", "[offline][backend]") {
  const auto& w = world();
  const auto bad = static_cast<ItemIndex>(w.dataset.catalog().size() + 3);
  const LlmTask task = rate_task(0, {w.crime_items[0], bad, w.crime_items[1]});
  const LlmTaskResult result = answer_offline_task(model(), task);
  CHECK_FALSE(result.complete());
  CHECK(result.missing == std::vector<ItemIndex>{bad});
  CHECK(result.ratings.size() == 2);
  CHECK(result.problem.find(std::to_string(bad)) != std::string::npos);
  const auto json = nlohmann::json::parse(answer_offline_task_json(model(), task));
  CHECK(json.size() == 2);
  // Asked twice, answered once in the JSON.
  const auto twice = nlohmann::json::parse(
      answer_offline_task_json(model(), rate_task(0, {w.crime_items[0], w.crime_items[0]})));
  CHECK(twice.size() == 1);
  const auto profile = answer_offline_task(
      model(), profile_task(TaskKind::kCreateProfile, 0, {{bad, 4, 1}, {w.crime_items[0], 5, 2}}));
  CHECK_FALSE(profile.complete());
  CHECK(profile.profile.find("from 1 rated film ") != std::string::npos);
}

TEST_CASE("concurrent answers equal serial ones", "[offline][backend]") {
  const auto items = static_cast<ItemIndex>(world().dataset.catalog().size());
  std::vector<LlmTask> tasks;
  for (UserIndex u = 0; u < 48; ++u) {
    std::vector<ItemIndex> candidates;
    for (ItemIndex k = 0; k < 10; ++k)
      candidates.push_back((u * 3 + k * 7) % items);
    tasks.push_back(rate_task(u, candidates));
  }
  std::vector<std::string> serial;
  for (const auto& t : tasks)
    serial.push_back(answer_offline_task_json(model(), t));
  std::vector<std::string> parallel(tasks.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t k = static_cast<std::size_t>(t); k < tasks.size(); k += 4)
        parallel[k] = answer_offline_task_json(model(), tasks[k]);
    });
  }
  for (auto& thread : threads)
    thread.join();
  CHECK(parallel == serial);
}
