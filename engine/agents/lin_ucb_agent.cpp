#include "engine/agents/lin_ucb_agent.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "engine/agents/sherman_morrison.hpp"
#include "engine/agents/slate_filling.hpp"

namespace lusifer {
namespace {

// The largest padded dimension: 1 + 64 genres + 128 text buckets
// (item_features.hpp), rounded up to 8.
constexpr std::size_t kMaxDimension = 200;

// A full dp x dp matrix to unpack a user's A^-1 into, one per thread: at
// kMaxDimension it would not fit on a stack, and one per call would be an
// allocation per user-step.
std::span<float> full_matrix_scratch(std::size_t dp) {
  thread_local std::vector<float> full;
  if (full.size() < dp * dp)
    full.resize(dp * dp);
  return std::span<float>(full).first(dp * dp);
}

void check_option(double value, std::string_view name, bool positive = false) {
  if (!std::isfinite(value) || value < 0 || (positive && value == 0))
    throw std::invalid_argument(fmt::format("linucb: {} must be {} and finite, not {}", name,
                                            positive ? "> 0" : ">= 0", value));
}

std::vector<std::uint64_t> split_sums(std::span<const FixedPointSum> values) {
  std::vector<std::uint64_t> out;
  out.reserve(values.size() * 2);
  for (const FixedPointSum& v : values) {
    out.push_back(v.low_word());
    out.push_back(v.high_word());
  }
  return out;
}

}  // namespace

LinUcbAgent::LinUcbAgent(const Dataset& dataset, std::span<const RatingIndex> train,
                         AgentOptions options, LinUcbOptions linucb)
    : Agent(dataset, train, options),
      linucb_(linucb),
      features_(dataset.catalog(), linucb.features),
      d_(features_.dimension()),
      dp_((d_ + 7) / 8 * 8) {
  check_option(linucb_.alpha, "alpha");
  check_option(linucb_.ridge, "ridge", true);
  check_option(linucb_.item_exploration, "item_exploration");
  check_option(linucb_.item_prior_weight, "item_prior_weight");
  if (linucb_.shortlist == 0)
    throw std::invalid_argument("linucb: shortlist must be at least 1");
  if (!std::isfinite(linucb_.training_reward_scale) ||
      !std::isfinite(linucb_.training_reward_offset))
    throw std::invalid_argument("linucb: the training reward map must be finite");
  if (d_ > kMaxDimension)
    throw std::invalid_argument(fmt::format("linucb: dimension {} exceeds {}", d_, kMaxDimension));

  const std::size_t users = user_count();
  const std::size_t items = item_count();
  {
    const std::span<float> identity = full_matrix_scratch(dp_);
    set_scaled_identity(identity, dp_, static_cast<float>(1.0 / linucb_.ridge));
    // In half precision, scaled by the power of two at or below the ridge:
    // A^-1's entries, at most 1 / ridge in magnitude, are stored as at most 1.
    float scale = 1.0f;
    if (linucb_.inverse_precision == FloatPrecision::kHalf) {
      int exponent = 0;
      std::frexp(linucb_.ridge, &exponent);
      if (exponent - 1 < -60 || exponent - 1 > 60)
        throw std::invalid_argument(fmt::format(
            "linucb: half precision needs a ridge within [2^-60, 2^61), not {}", linucb_.ridge));
      scale = std::ldexp(1.0f, exponent - 1);
    }
    inverse_ = PackedMatrices(users, dp_, linucb_.inverse_precision, scale, identity);
  }
  response_.assign(users * dp_, 0.0f);

  item_count_.assign(items, 0);
  item_sum_.assign(items, FixedPointSum{});

  // Ties between items the agent knows nothing about go to the ones with
  // more training ratings.
  std::vector<std::uint64_t> popularity(items, 0);
  for (const RatingIndex r : train)
    ++popularity[dataset.ratings().item(r)];
  std::vector<ItemIndex> order(items);
  std::iota(order.begin(), order.end(), ItemIndex{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](ItemIndex a, ItemIndex b) { return popularity[a] > popularity[b]; });
  prior_rank_.resize(items);
  for (std::size_t r = 0; r < items; ++r)
    prior_rank_[order[r]] = static_cast<std::uint32_t>(r);

  if (linucb_.learn_from_training)
    warm_start(dataset, train);
  refresh();
}

void LinUcbAgent::warm_start(const Dataset& dataset, std::span<const RatingIndex> train) {
  const RatingTable& table = dataset.ratings();
  auto reward_of = [&](RatingIndex r) {
    return static_cast<float>(linucb_.training_reward_scale * table.value(r) +
                              linucb_.training_reward_offset);
  };
  for (const RatingIndex r : train) {
    const float reward = reward_of(r);
    if (!(std::fabs(reward) <= kMaxAbsReward))
      throw std::invalid_argument(
          fmt::format("linucb: training rating {} maps to reward {}, beyond +-{}", table.value(r),
                      reward, kMaxAbsReward));
    add_to_shared(table.item(r), reward);
  }
  refresh();

  // Each user's training ratings, in the order of `train`.
  const std::size_t users = user_count();
  std::vector<std::size_t> offsets(users + 1, 0);
  for (const RatingIndex r : train)
    ++offsets[table.user(r) + 1];
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  std::vector<RatingIndex> by_user(train.size());
  std::vector<std::size_t> next(offsets.begin(), offsets.end() - 1);
  for (const RatingIndex r : train)
    by_user[next[table.user(r)]++] = r;

  parallel_chunks(options().threads, users, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t u = begin; u < end; ++u) {
      if (offsets[u] == offsets[u + 1])
        continue;
      learn_items(static_cast<UserIndex>(u), [&](auto&& learn) {
        for (std::size_t k = offsets[u]; k < offsets[u + 1]; ++k)
          learn(table.item(by_user[k]), reward_of(by_user[k]));
      });
    }
  });
}

void LinUcbAgent::add_to_shared(ItemIndex item, double reward) {
  ++item_count_[item];
  item_sum_[item].add(reward);
  ++total_count_;
  total_sum_.add(reward);
  total_square_.add_square(reward);
}

void LinUcbAgent::refresh() {
  const std::size_t items = item_count();
  const double n = static_cast<double>(total_count_);
  const double mean = total_count_ > 0 ? total_sum_.value() / n : 0.0;
  const double variance = total_count_ > 1 ? total_square_.value() / n - mean * mean : 0.0;
  global_mean_ = static_cast<float>(mean);
  sigma_ = variance > 0 ? static_cast<float>(std::sqrt(variance)) : 1.0f;

  const double kappa = linucb_.item_prior_weight;
  item_mean_.resize(items);
  item_score_.resize(items);
  for (std::size_t i = 0; i < items; ++i) {
    const double count = static_cast<double>(item_count_[i]);
    const double weight = count + kappa;
    const double item_mean = weight > 0 ? (item_sum_[i].value() + kappa * mean) / weight : mean;
    const double bonus = linucb_.item_exploration * sigma_ / std::sqrt(count + 1.0);
    item_mean_[i] = static_cast<float>(item_mean);
    item_score_[i] = static_cast<float>(item_mean + bonus);
  }

  ranking_.resize(items);
  std::iota(ranking_.begin(), ranking_.end(), ItemIndex{0});
  std::sort(ranking_.begin(), ranking_.end(), [this](ItemIndex a, ItemIndex b) {
    return item_score_[a] != item_score_[b] ? item_score_[a] > item_score_[b]
                                            : prior_rank_[a] < prior_rank_[b];
  });

  pool_.rebuild(ranking_, item_score_, d_, [this](ItemIndex i) { return features_.of(i); });
}

std::span<float> LinUcbAgent::unpacked_inverse(UserIndex user,
                                               std::span<float> full) const noexcept {
  inverse_.unpack(user, full);
  return full;
}

void LinUcbAgent::coefficients_into(UserIndex user, std::span<const float> inverse,
                                    std::span<float> theta) const noexcept {
  symmetric_times(inverse, dp_, std::span<const float>(response_).subspan(user * dp_, dp_), theta);
}

template <class ForEachRating>
void LinUcbAgent::learn_items(UserIndex user, ForEachRating&& for_each_rating) {
  // A slate's ratings are one batch; warm starts take several.
  constexpr std::size_t kBatch = 16;
  // Neither is read before it is written: one per thread, not cleared on
  // every call (clearing them cost 170 instructions a call).
  thread_local std::array<SparseObservation, kBatch> batch;
  std::size_t size = 0;
  thread_local std::array<float, kMaxDimension> scratch;
  const std::span<float> inverse = unpacked_inverse(user, full_matrix_scratch(dp_));
  const std::span<float> b = std::span<float>(response_).subspan(user * dp_, dp_);
  const auto flush = [&] {
    sherman_morrison_learn(inverse, dp_, std::span<const SparseObservation>(batch).first(size), b,
                           scratch);
    size = 0;
  };
  for_each_rating([&](ItemIndex item, float reward) {
    const auto indices = features_.nonzero_indices(item);
    // The residual against mean_i as this learn call found it.
    batch[size++] = {indices.data(), features_.nonzero_values(item).data(), indices.size(),
                     reward - item_mean_[item]};
    if (size == kBatch)
      flush();
  });
  if (size > 0)
    flush();
  inverse_.pack(user, inverse);
}

void LinUcbAgent::learn_user(const Feedback& feedback) {
  const auto rated = [&](std::size_t j) { return has_rating(feedback.ratings[j]); };
  std::size_t j = 0;
  while (j < feedback.slate.size() && !rated(j))
    ++j;
  if (j == feedback.slate.size())
    return;
  learn_items(feedback.user, [&](auto&& learn) {
    for (; j < feedback.slate.size(); ++j) {
      if (rated(j))
        learn(feedback.slate[j], feedback.rewards[j]);
    }
  });
}

void LinUcbAgent::prefetch_user(UserIndex user) const noexcept {
  // The next user's state, fetched while this one is scored: its A^-1
  // (1.2 KB at d = 24, 600 B in half precision) and b lie far from this
  // user's.
  inverse_.prefetch(user);
  __builtin_prefetch(response_.data() + user * dp_);
}

void LinUcbAgent::learn_shared(FeedbackView feedback) {
  for (const Feedback f : feedback) {
    for (std::size_t j = 0; j < f.slate.size(); ++j) {
      if (has_rating(f.ratings[j]))
        add_to_shared(f.slate[j], f.rewards[j]);
    }
  }
  refresh();
}

SparseObservation LinUcbAgent::bound_terms(ItemIndex item) const noexcept {
  const auto indices = features_.nonzero_indices(item);
  return {indices.data(), features_.nonzero_values(item).data(), indices.size(), item_score_[item]};
}

float LinUcbAgent::exact_bound(float form, float dot) const noexcept {
  const auto width = static_cast<float>(linucb_.alpha) * sigma_;
  return dot + width * std::sqrt(std::max(form, 0.0f));
}

float LinUcbAgent::upper_confidence_bound(UserIndex user, ItemIndex item) const {
  if (user >= user_count() || item >= item_count())
    throw std::out_of_range("linucb: user or item outside the dataset");
  std::array<float, kMaxDimension> scratch{};
  std::array<float, kMaxDimension> theta{};
  const std::span<const float> inverse = unpacked_inverse(user, full_matrix_scratch(dp_));
  coefficients_into(user, inverse, std::span<float>(theta).first(dp_));
  const SparseObservation x = bound_terms(item);
  float form = 0.0f;
  quadratic_forms_sparse(inverse, dp_, {&x, 1}, {&form, 1}, scratch);
  float dot = x.residual;
  for (std::size_t k = 0; k < x.size; ++k)
    dot += x.values[k] * theta[x.indices[k]];
  return exact_bound(form, dot);
}

void LinUcbAgent::act_batch(std::span<const Observation> observations, SlateSize k,
                            std::span<ItemIndex> slates) const {
  std::vector<RankKey> finalists;
  std::vector<SparseObservation> shortlisted;
  std::vector<float> forms;
  RankedPool::Scratch pool_scratch = pool_.make_scratch();
  std::array<float, kMaxDimension> scratch{};
  std::array<float, kMaxDimension> theta{};
  const std::span<float> full = full_matrix_scratch(dp_);
  ItemMask excluded(item_count());
  ItemMask spare(item_count());
  const std::size_t shortlist = std::max<std::size_t>(linucb_.shortlist, k);

  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& o = observations[i];
    const UserIndex user = o.user;
    const std::span<ItemIndex> slate = slates.subspan(i * k, k);
    if (i + 1 < observations.size())
      prefetch_user(observations[i + 1].user);
    load_exclusions(o, excluded);
    const std::span<const float> inverse = unpacked_inverse(user, full);
    coefficients_into(user, inverse, std::span<float>(theta).first(dp_));
    // Stage 1: the user's candidates by estimated mean.
    const std::span<RankKey> candidates =
        pool_.best_unexcluded(excluded, linucb_.pool_size, shortlist,
                              std::span<const float>(theta).first(d_), pool_scratch);
    // Stage 2: the exact bound for the shortlist, then the best k.
    const std::size_t n = candidates.size();
    shortlisted.resize(n);
    forms.resize(n);
    for (std::size_t j = 0; j < n; ++j)
      shortlisted[j] = bound_terms(key_item(candidates[j]));
    quadratic_forms_sparse(inverse, dp_, shortlisted, forms, scratch);
    finalists.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
      // The estimated mean mean_i + bonus_i + theta . x_i is the score the
      // candidate was drawn by, kept in its key. The pool adds theta_f x_f
      // over every feature, a sum over the nonzero x_f would add the same
      // terms in the same order less some zeros (w_f * 0 with w_f finite,
      // or the score would be NaN and the item no candidate), and adding a
      // zero changes a sum only when that is zero, and then only its sign,
      // which the + 0 below erases.
      const float dot = key_score(candidates[j]);
      // + 0: a bound of -0 ranks as +0 does, as in ranks_before.
      finalists[j] = rank_key(exact_bound(forms[j], dot) + 0.0f, key_item(candidates[j]));
    }
    // A shortlist of keys: sorted whole, best first.
    std::sort(finalists.begin(), finalists.end(), std::greater<RankKey>());
    const std::size_t filled = std::min<std::size_t>(k, finalists.size());
    for (std::size_t j = 0; j < filled; ++j)
      slate[j] = key_item(finalists[j]);
    // Fewer than k unseen items in the whole catalogue.
    complete_with_any(ranking_, spare, slate, filled);
  }
}

std::vector<float> LinUcbAgent::inverse_covariance(UserIndex user) const {
  if (user >= user_count())
    throw std::out_of_range("linucb: user outside the dataset");
  std::vector<float> out(d_ * d_);
  for (std::size_t r = 0; r < d_; ++r) {
    for (std::size_t c = r; c < d_; ++c)
      out[r * d_ + c] = out[c * d_ + r] = inverse_.at(user, r, c);
  }
  return out;
}

std::span<const float> LinUcbAgent::response(UserIndex user) const {
  if (user >= user_count())
    throw std::out_of_range("linucb: user outside the dataset");
  return std::span<const float>(response_).subspan(user * dp_, d_);
}

std::vector<float> LinUcbAgent::coefficients(UserIndex user) const {
  if (user >= user_count())
    throw std::out_of_range("linucb: user outside the dataset");
  std::vector<float> theta(dp_);
  coefficients_into(user, unpacked_inverse(user, full_matrix_scratch(dp_)), theta);
  theta.resize(d_);
  return theta;
}

std::size_t LinUcbAgent::state_bytes() const noexcept {
  const std::size_t per_user = inverse_.memory_bytes() + response_.capacity() * sizeof(float);
  const std::size_t shared = item_count_.capacity() * sizeof(std::int64_t) +
                             item_sum_.capacity() * sizeof(FixedPointSum) +
                             prior_rank_.capacity() * sizeof(std::uint32_t) +
                             (item_mean_.capacity() + item_score_.capacity()) * sizeof(float) +
                             ranking_.capacity() * sizeof(ItemIndex) + pool_.memory_bytes();
  return per_user + shared;
}

namespace {

// The data a checkpoint must have been made with: the features and the
// training order of items.
std::uint64_t data_fingerprint(const ItemFeatures& features,
                               std::span<const std::uint32_t> prior_rank) {
  std::uint64_t h = features.fingerprint();
  for (const std::uint32_t r : prior_rank)
    h = mix64(h ^ r);
  return h;
}

}  // namespace

void LinUcbAgent::save_state(CheckpointWriter& out) const {
  out.f64(linucb_.alpha);
  out.f64(linucb_.ridge);
  out.f64(linucb_.item_exploration);
  out.f64(linucb_.item_prior_weight);
  out.u64(linucb_.pool_size);
  out.u64(linucb_.shortlist);
  out.u64(linucb_.features.text_dimensions);
  out.u64(linucb_.learn_from_training ? 1 : 0);
  out.f64(linucb_.training_reward_scale);
  out.f64(linucb_.training_reward_offset);
  out.u64(d_);
  out.u64(data_fingerprint(features_, prior_rank_));
  inverse_.save(out);
  out.f32s(response_);
  // theta, which the format holds (since format 2): computed for the checkpoint only.
  {
    std::vector<float> theta(response_.size());
    const std::span<float> full = full_matrix_scratch(dp_);
    for (std::size_t u = 0; u < user_count(); ++u) {
      const auto user = static_cast<UserIndex>(u);
      coefficients_into(user, unpacked_inverse(user, full),
                        std::span<float>(theta).subspan(u * dp_, dp_));
    }
    out.f32s(theta);
  }
  out.i64s(item_count_);
  out.u64s(split_sums(item_sum_));
  out.i64(total_count_);
  const FixedPointSum totals[] = {total_sum_, total_square_};
  out.u64s(split_sums(totals));
}

std::function<void()> LinUcbAgent::load_state(CheckpointReader& in) {
  in.expect_f64(linucb_.alpha, "alpha");
  in.expect_f64(linucb_.ridge, "ridge");
  in.expect_f64(linucb_.item_exploration, "item_exploration");
  in.expect_f64(linucb_.item_prior_weight, "item_prior_weight");
  in.expect_u64(linucb_.pool_size, "pool_size");
  in.expect_u64(linucb_.shortlist, "shortlist");
  in.expect_u64(linucb_.features.text_dimensions, "text_dimensions");
  in.expect_u64(linucb_.learn_from_training ? 1 : 0, "learn_from_training");
  in.expect_f64(linucb_.training_reward_scale, "training_reward_scale");
  in.expect_f64(linucb_.training_reward_offset, "training_reward_offset");
  in.expect_u64(d_, "feature dimension");
  in.expect_u64(data_fingerprint(features_, prior_rank_), "item data fingerprint");

  PackedMatrices inverse = inverse_.load(in, "inverse covariances");
  std::vector<float> response(response_.size());
  in.f32s(response, "responses");
  {
    // Derived from the two above; read for the checksum, not kept.
    std::vector<float> theta(response_.size());
    in.f32s(theta, "coefficients");
  }
  std::vector<std::int64_t> counts(item_count_.size());
  in.i64s(counts, "item counts");
  std::vector<std::uint64_t> sums(item_sum_.size() * 2);
  in.u64s(sums, "item sums");
  const std::int64_t total_count = in.i64("total count");
  std::vector<std::uint64_t> totals(4);
  in.u64s(totals, "totals");

  return [this, inverse = std::move(inverse), response = std::move(response),
          counts = std::move(counts), sums = std::move(sums), total_count,
          totals = std::move(totals)]() mutable {
    inverse_ = std::move(inverse);
    response_ = std::move(response);
    item_count_ = std::move(counts);
    for (std::size_t i = 0; i < item_sum_.size(); ++i)
      item_sum_[i] = FixedPointSum::from_words(sums[2 * i], sums[2 * i + 1]);
    total_count_ = total_count;
    total_sum_ = FixedPointSum::from_words(totals[0], totals[1]);
    total_square_ = FixedPointSum::from_words(totals[2], totals[3]);
    refresh();
  };
}

}  // namespace lusifer
