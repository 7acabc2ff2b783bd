#include "engine/agents/synthetic_environment.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

#include "engine/agents/parallel_chunks.hpp"
#include "engine/data/synthetic_truth.hpp"
#include "engine/data/synthetic_vocabulary.hpp"

namespace lusifer {
namespace {

// Users generated per round: each round is made in parallel, then added to
// the dataset in id order, so memory stays bounded by one round.
constexpr std::size_t kUsersPerRound = 4096;

}  // namespace

SyntheticEnvironment::SyntheticEnvironment(const SyntheticWorldOptions& options, unsigned threads)
    : world_(options) {
  const auto genres = synthetic_genres();
  const auto keywords = synthetic_keywords();
  genre_count_ = genres.size();
  taste_stride_ = genres.size() + keywords.size();

  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "synthetic world (in memory)",
                         RatingScale{0.5f, 5.0f, 0.5f});
  for (const auto& g : genres)
    builder.catalog().add_genre(g.name);
  for (const SyntheticItem& s : world_.items()) {
    Item item;
    item.id = s.truth.id;
    item.title = s.title;
    item.year = s.year;
    for (const std::uint8_t g : s.truth.genres)
      item.genres |= GenreMask{1} << g;
    item.text = s.overview;
    builder.add_item(std::move(item));
  }

  const std::uint64_t user_total = world_.options().users;
  users_.resize(user_total);
  tastes_.resize(user_total * taste_stride_);
  std::vector<SyntheticUser> round(std::min<std::uint64_t>(kUsersPerRound, user_total));
  for (std::uint64_t first = 0; first < user_total; first += kUsersPerRound) {
    const std::size_t count = std::min<std::uint64_t>(kUsersPerRound, user_total - first);
    parallel_chunks(threads, count, 64, [&](std::size_t begin, std::size_t end) {
      for (std::size_t k = begin; k < end; ++k)
        world_.generate_user(static_cast<ExternalId>(first + k + 1), round[k]);
    });
    for (std::size_t k = 0; k < count; ++k) {
      const SyntheticUser& s = round[k];
      Demographics demographics;
      demographics.age = s.age;
      demographics.gender = s.gender;
      demographics.occupation = s.occupation;
      builder.add_user(s.id, demographics);
      const UserIndex index = builder.user_for_id(s.id);
      for (const auto& r : s.ratings)
        builder.add_rating(index, static_cast<ItemIndex>(r.item - 1), r.value, r.timestamp);
      for (const auto& t : s.tags)
        builder.add_tag_application(static_cast<ItemIndex>(t.item - 1), keywords[t.keyword].tag);

      users_[first + k] = UserRecord{s.bias, s.noise, s.half_star_share};
      std::int16_t* taste = tastes_.data() + (first + k) * taste_stride_;
      std::copy(s.genre_end.begin(), s.genre_end.end(), taste);
      std::copy(s.keyword_end.begin(), s.keyword_end.end(), taste + genre_count_);
    }
  }
  dataset_ = builder.finish();
  history_.resize(dataset_.ratings().size());
  std::iota(history_.begin(), history_.end(), RatingIndex{0});
}

UserTruth SyntheticEnvironment::truth_of(UserIndex user) const noexcept {
  const UserRecord& r = users_[user];
  const std::span<const std::int16_t> tastes(tastes_.data() + user * taste_stride_, taste_stride_);
  UserTruth truth;
  truth.id = static_cast<ExternalId>(user) + 1;
  truth.bias = r.bias;
  truth.noise = r.noise;
  truth.half_star_share = r.half_star_share;
  // Start and end alike: the episode is at fraction 1, where only end counts.
  truth.genre_start = truth.genre_end = tastes.first(genre_count_);
  truth.keyword_start = truth.keyword_end = tastes.subspan(genre_count_);
  return truth;
}

double SyntheticEnvironment::expected_rating(UserIndex user, ItemIndex item) const noexcept {
  const UserTruth truth = truth_of(user);
  const double latent = latent_rating(world_.options(), truth, world_.items()[item].truth, 1.0);
  return expected_observed_rating(latent, truth.noise, truth.half_star_share);
}

float SyntheticEnvironment::rate(UserIndex user, ItemIndex item, Rng& rng) const noexcept {
  const UserTruth truth = truth_of(user);
  const double latent = latent_rating(world_.options(), truth, world_.items()[item].truth, 1.0);
  return observe_rating(latent, truth, rng);
}

}  // namespace lusifer
