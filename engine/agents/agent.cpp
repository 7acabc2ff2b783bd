#include "engine/agents/agent.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace lusifer {

namespace {

// Observations per chunk of work: enough to amortise a chunk's scratch
// buffers, small enough to balance two cores on a few thousand users.
constexpr std::size_t kActGrain = 256;
constexpr std::size_t kLearnGrain = 256;

}  // namespace

Agent::Agent(const Dataset& dataset, std::span<const RatingIndex> train, AgentOptions options)
    : options_(options),
      scale_(dataset.scale()),
      seen_(dataset.user_count(), dataset.catalog().size()) {
  const RatingTable& ratings = dataset.ratings();
  for (const RatingIndex r : train) {
    if (r >= ratings.size())
      throw std::out_of_range(
          fmt::format("agent: training rating {} is not a rating of the dataset ({} ratings)", r,
                      ratings.size()));
    seen_.insert(ratings.user(r), ratings.item(r));
  }
}

void Agent::validate(std::span<const Observation> observations, SlateSize k,
                     std::span<ItemIndex> slates) const {
  if (k == 0 || k > item_count())
    throw std::invalid_argument(fmt::format("{}: slate size {} is not within 1..{} (the catalogue)",
                                            name(), k, item_count()));
  if (slates.size() / k != observations.size() || slates.size() % k != 0)
    throw std::invalid_argument(
        fmt::format("{}: the slate buffer holds {} items, expected {} observations x {} = {}",
                    name(), slates.size(), observations.size(), k, observations.size() * k));
  for (const Observation& o : observations) {
    if (o.user >= user_count())
      throw std::out_of_range(fmt::format("{}: user {} is not in the dataset ({} users)", name(),
                                          o.user, user_count()));
    for (const ObservedInteraction& x : o.recent) {
      if (x.item >= item_count())
        throw std::out_of_range(
            fmt::format("{}: user {} has a recent item {} outside the catalogue ({} items)", name(),
                        o.user, x.item, item_count()));
    }
  }
}

LearnSummary Agent::validate(FeedbackView feedback) const {
  LearnSummary summary;
  summary.feedback = feedback.size();
  for (const Feedback f : feedback) {
    if (f.user >= user_count())
      throw std::out_of_range(fmt::format("{}: feedback of user {}, not in the dataset ({} users)",
                                          name(), f.user, user_count()));
    if (f.ratings.size() != f.slate.size() || f.rewards.size() != f.slate.size())
      throw std::invalid_argument(
          fmt::format("{}: feedback of user {} at step {} has {} items, {} ratings and {} rewards",
                      name(), f.user, f.step, f.slate.size(), f.ratings.size(), f.rewards.size()));
    for (std::size_t j = 0; j < f.slate.size(); ++j) {
      if (f.slate[j] >= item_count())
        throw std::out_of_range(
            fmt::format("{}: feedback of user {} names item {}, outside the catalogue ({} items)",
                        name(), f.user, f.slate[j], item_count()));
      if (!(std::fabs(f.rewards[j]) <= kMaxAbsReward))
        throw std::invalid_argument(
            fmt::format("{}: feedback of user {} has reward {} for item {}, not within +-{}",
                        name(), f.user, f.rewards[j], f.slate[j], kMaxAbsReward));
      const float rating = f.ratings[j];
      if (!has_rating(rating)) {
        ++summary.items_without_rating;
      } else if (!(rating >= scale_.min && rating <= scale_.max)) {
        throw std::invalid_argument(
            fmt::format("{}: feedback of user {} rates item {} {}, outside the scale {}..{} (use "
                        "kNoRating for no rating)",
                        name(), f.user, f.slate[j], rating, scale_.min, scale_.max));
      } else {
        ++summary.items_learned;
      }
    }
  }
  return summary;
}

void Agent::act(std::span<const Observation> observations, SlateSize k,
                std::span<ItemIndex> slates) const {
  validate(observations, k, slates);
  parallel_chunks(options_.threads, observations.size(), kActGrain,
                  [&](std::size_t begin, std::size_t end) {
                    act_batch(observations.subspan(begin, end - begin), k,
                              slates.subspan(begin * k, (end - begin) * k));
                  });
}

LearnSummary Agent::learn(FeedbackView feedback) {
  const LearnSummary summary = validate(feedback);

  auto apply = [&](const Feedback& f) {
    learn_user(f);
    for (const ItemIndex item : f.slate)
      seen_.insert(f.user, item);
  };

  // Users are independent, so different users' feedback is applied in
  // parallel; a user with several entries in one call gets them in step
  // order on one thread.
  std::vector<std::uint64_t> present((user_count() + 63) / 64, 0);
  bool repeated = false;
  for (std::size_t i = 0; i < feedback.size(); ++i) {
    const UserIndex user = feedback.user(i);
    std::uint64_t& word = present[user / 64];
    const std::uint64_t bit = std::uint64_t{1} << (user % 64);
    repeated |= (word & bit) != 0;
    word |= bit;
  }
  if (!repeated) {
    parallel_chunks(options_.threads, feedback.size(), kLearnGrain,
                    [&](std::size_t begin, std::size_t end) {
                      for (std::size_t i = begin; i < end; ++i) {
                        if (i + 1 < end)
                          prefetch_user(feedback.user(i + 1));
                        apply(feedback[i]);
                      }
                    });
  } else {
    std::vector<std::size_t> order(feedback.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const UserIndex x = feedback.user(a);
      const UserIndex y = feedback.user(b);
      return x != y ? x < y : feedback.step(a) < feedback.step(b);
    });
    std::vector<std::size_t> group_starts;
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (i == 0 || feedback.user(order[i]) != feedback.user(order[i - 1]))
        group_starts.push_back(i);
    }
    group_starts.push_back(order.size());
    parallel_chunks(options_.threads, group_starts.size() - 1, kLearnGrain,
                    [&](std::size_t begin, std::size_t end) {
                      for (std::size_t g = begin; g < end; ++g) {
                        for (std::size_t i = group_starts[g]; i < group_starts[g + 1]; ++i)
                          apply(feedback[order[i]]);
                      }
                    });
  }
  learn_shared(feedback);
  return summary;
}

void Agent::learn_user(const Feedback&) {}
void Agent::learn_shared(FeedbackView) {}
void Agent::prefetch_user(UserIndex) const noexcept {}

void Agent::load_exclusions(const Observation& observation, ItemMask& excluded) const {
  if (!options_.avoid_seen) {
    excluded.clear();
    return;
  }
  excluded.assign(seen_.row(observation.user));
  for (const ObservedInteraction& x : observation.recent)
    excluded.insert(x.item);
}

bool Agent::has_seen(UserIndex user, ItemIndex item) const {
  if (user >= user_count() || item >= item_count())
    throw std::out_of_range(fmt::format("{}: (user {}, item {}) is outside the dataset ({} x {})",
                                        name(), user, item, user_count(), item_count()));
  return seen_.contains(user, item);
}

void Agent::save(std::ostream& out) const {
  CheckpointWriter w(out);
  w.text(name());
  w.u64(options_.seed);
  w.u64(options_.avoid_seen ? 1 : 0);
  w.u64(user_count());
  w.u64(item_count());
  w.u64s(seen_.words());
  save_state(w);
  w.finish();
}

void Agent::load(std::istream& in, std::string_view source) {
  CheckpointReader r(in, std::string(source));
  r.expect_text(name(), "agent");
  r.expect_u64(options_.seed, "seed");
  r.expect_u64(options_.avoid_seen ? 1 : 0, "avoid_seen");
  r.expect_u64(user_count(), "user count");
  r.expect_u64(item_count(), "item count");
  std::vector<std::uint64_t> words(seen_.words().size());
  r.u64s(words, "seen items");
  std::function<void()> commit = load_state(r);
  r.finish();
  std::copy(words.begin(), words.end(), seen_.words().begin());
  commit();
}

}  // namespace lusifer
