#include "engine/agents/epsilon_greedy_mf_agent.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "engine/agents/slate_filling.hpp"

namespace lusifer {

EpsilonGreedyMfAgent::EpsilonGreedyMfAgent(const Dataset& dataset,
                                           std::span<const RatingIndex> train, AgentOptions options,
                                           EpsilonGreedyMfOptions mf)
    : Agent(dataset, train, options), mf_(std::move(mf)) {
  if (!(mf_.epsilon >= 0.0 && mf_.epsilon <= 1.0))
    throw std::invalid_argument(
        fmt::format("epsilon-greedy-mf: epsilon must be within [0, 1], not {}", mf_.epsilon));
  auto finite_non_negative = [](double v) { return std::isfinite(v) && v >= 0.0; };
  if (mf_.online_epochs < 0 || !finite_non_negative(mf_.online_learning_rate) ||
      !finite_non_negative(mf_.online_regularization) ||
      !finite_non_negative(mf_.item_prior_weight))
    throw std::invalid_argument(
        "epsilon-greedy-mf: online_epochs, online_learning_rate, online_regularization and "
        "item_prior_weight must be finite and >= 0");

  Svd svd(mf_.svd);
  svd.fit(dataset, train);
  factors_ = static_cast<std::size_t>(mf_.svd.n_factors);
  global_mean_ = mf_.svd.biased ? static_cast<float>(svd.global_mean()) : 0.0f;

  const std::size_t items = item_count();
  const std::size_t users = user_count();
  fitted_item_bias_.assign(items, 0.0f);
  item_factors_.assign(items * factors_, 0.0f);
  for (ItemIndex i = 0; i < items; ++i) {
    if (!svd.knows_item(i))
      continue;
    fitted_item_bias_[i] = mf_.svd.biased ? static_cast<float>(svd.item_bias(i)) : 0.0f;
    const auto q = svd.item_factors(i);
    std::transform(q.begin(), q.end(),
                   item_factors_.begin() + static_cast<std::ptrdiff_t>(i * factors_),
                   [](double v) { return static_cast<float>(v); });
  }
  user_bias_.assign(users, 0.0f);
  user_factors_.assign(users * factors_, 0.0f);
  for (UserIndex u = 0; u < users; ++u) {
    if (!svd.knows_user(u))
      continue;
    user_bias_[u] = mf_.svd.biased ? static_cast<float>(svd.user_bias(u)) : 0.0f;
    const auto p = svd.user_factors(u);
    std::transform(p.begin(), p.end(),
                   user_factors_.begin() + static_cast<std::ptrdiff_t>(u * factors_),
                   [](double v) { return static_cast<float>(v); });
  }

  item_feedback_.assign(items, 0);
  item_residual_sum_.assign(items, FixedPointSum{});
  refresh_items();
}

void EpsilonGreedyMfAgent::refresh_items() {
  const std::size_t items = item_count();
  item_bias_.resize(items);
  for (std::size_t i = 0; i < items; ++i) {
    const double weight = static_cast<double>(item_feedback_[i]) + mf_.item_prior_weight;
    const double shift = weight > 0 ? item_residual_sum_[i].value() / weight : 0.0;
    item_bias_[i] = static_cast<float>(fitted_item_bias_[i] + shift);
  }
  ranking_.resize(items);
  std::iota(ranking_.begin(), ranking_.end(), ItemIndex{0});
  std::sort(ranking_.begin(), ranking_.end(), [this](ItemIndex a, ItemIndex b) {
    return item_bias_[a] != item_bias_[b] ? item_bias_[a] > item_bias_[b] : a < b;
  });
  pool_.rebuild(ranking_, item_bias_, factors_, [this](ItemIndex i) {
    return std::span<const float>(item_factors_).subspan(i * factors_, factors_);
  });
}

double EpsilonGreedyMfAgent::predicted_rating(UserIndex user, ItemIndex item) const {
  if (user >= user_count() || item >= item_count())
    throw std::out_of_range("epsilon-greedy-mf: user or item outside the dataset");
  float dot = 0.0f;
  for (std::size_t f = 0; f < factors_; ++f)
    dot += user_factors_[user * factors_ + f] * item_factors_[item * factors_ + f];
  return global_mean_ + user_bias_[user] + item_bias_[item] + dot;
}

std::span<const float> EpsilonGreedyMfAgent::user_factors(UserIndex user) const {
  if (user >= user_count())
    throw std::out_of_range("epsilon-greedy-mf: user outside the dataset");
  return std::span<const float>(user_factors_).subspan(user * factors_, factors_);
}

void EpsilonGreedyMfAgent::act_batch(std::span<const Observation> observations, SlateSize k,
                                     std::span<ItemIndex> slates) const {
  RankedPool::Scratch pool_scratch = pool_.make_scratch();
  ItemMask excluded(item_count());
  ItemMask spare(item_count());
  const auto epsilon = mf_.epsilon;
  // Random picks take at most k of the best, so 2k ranked are enough.
  const std::size_t ranked_wanted = 2 * static_cast<std::size_t>(k);

  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& o = observations[i];
    const std::span<ItemIndex> slate = slates.subspan(i * k, k);
    load_exclusions(o, excluded);
    Rng rng = user_step_rng(o);

    const std::span<RankKey> candidates = pool_.best_unexcluded(
        excluded, mf_.pool_size, ranked_wanted,
        std::span<const float>(user_factors_).subspan(o.user * factors_, factors_), pool_scratch);
    std::sort(candidates.begin(), candidates.end(), std::greater<RankKey>());

    std::size_t next = 0;
    std::size_t filled = 0;
    while (filled < k) {
      if (rng.uniform01() < epsilon) {
        if (!draw_unexcluded(rng, excluded, slate[filled]))
          break;
        ++filled;
        continue;
      }
      while (next < candidates.size() && excluded.contains(key_item(candidates[next])))
        ++next;
      if (next == candidates.size())
        break;
      slate[filled++] = key_item(candidates[next]);
      excluded.insert(key_item(candidates[next]));
    }
    // Only when fewer than k unseen items are left: the rest by b_i, then
    // seen items.
    filled = fill_from_ranking(ranking_, excluded, slate, filled);
    complete_with_any(ranking_, spare, slate, filled);
  }
}

void EpsilonGreedyMfAgent::learn_shared(FeedbackView feedback) {
  if (!mf_.learn_item_biases || !mf_.svd.biased)
    return;
  // Residuals against the fitted item bias, with each user's state as this
  // call left it: neither depends on the order of the feedback.
  for (const Feedback f : feedback) {
    const float* p = user_factors_.data() + f.user * factors_;
    const float base = global_mean_ + user_bias_[f.user];
    for (std::size_t j = 0; j < f.slate.size(); ++j) {
      if (!has_rating(f.ratings[j]))
        continue;
      const ItemIndex item = f.slate[j];
      const float* q = item_factors_.data() + item * factors_;
      float dot = 0.0f;
      for (std::size_t k = 0; k < factors_; ++k)
        dot += p[k] * q[k];
      ++item_feedback_[item];
      item_residual_sum_[item].add(f.ratings[j] - (base + fitted_item_bias_[item] + dot));
    }
  }
  refresh_items();
}

void EpsilonGreedyMfAgent::learn_user(const Feedback& feedback) {
  float* p = user_factors_.data() + feedback.user * factors_;
  float& bu = user_bias_[feedback.user];
  const auto lr = static_cast<float>(mf_.online_learning_rate);
  const auto reg = static_cast<float>(mf_.online_regularization);
  const bool biased = mf_.svd.biased;
  for (int epoch = 0; epoch < mf_.online_epochs; ++epoch) {
    for (std::size_t j = 0; j < feedback.slate.size(); ++j) {
      const float rating = feedback.ratings[j];
      if (!has_rating(rating))
        continue;
      const ItemIndex item = feedback.slate[j];
      const float* q = item_factors_.data() + item * factors_;
      float dot = 0.0f;
      for (std::size_t f = 0; f < factors_; ++f)
        dot += p[f] * q[f];
      const float error = rating - (global_mean_ + bu + item_bias_[item] + dot);
      if (biased)
        bu += lr * (error - reg * bu);
      for (std::size_t f = 0; f < factors_; ++f)
        p[f] += lr * (error * q[f] - reg * p[f]);
    }
  }
}

std::size_t EpsilonGreedyMfAgent::state_bytes() const noexcept {
  return (fitted_item_bias_.capacity() + item_bias_.capacity() + item_factors_.capacity() +
          user_bias_.capacity() + user_factors_.capacity()) *
             sizeof(float) +
         pool_.memory_bytes() + item_feedback_.capacity() * sizeof(std::int64_t) +
         item_residual_sum_.capacity() * sizeof(FixedPointSum) +
         ranking_.capacity() * sizeof(ItemIndex);
}

std::uint64_t EpsilonGreedyMfAgent::item_model_fingerprint() const noexcept {
  std::uint64_t h = mix64(std::bit_cast<std::uint32_t>(global_mean_) ^ (factors_ << 32));
  for (const float v : fitted_item_bias_)
    h = mix64(h ^ std::bit_cast<std::uint32_t>(v));
  for (const float v : item_factors_)
    h = mix64(h ^ std::bit_cast<std::uint32_t>(v));
  return h;
}

void EpsilonGreedyMfAgent::save_state(CheckpointWriter& out) const {
  out.f64(mf_.epsilon);
  out.u64(static_cast<std::uint64_t>(mf_.online_epochs));
  out.f64(mf_.online_learning_rate);
  out.f64(mf_.online_regularization);
  out.u64(mf_.pool_size);
  out.u64(mf_.learn_item_biases ? 1 : 0);
  out.f64(mf_.item_prior_weight);
  out.u64(factors_);
  out.u64(item_model_fingerprint());
  out.f32s(user_bias_);
  out.f32s(user_factors_);
  out.i64s(item_feedback_);
  std::vector<std::uint64_t> words;
  words.reserve(item_residual_sum_.size() * 2);
  for (const FixedPointSum& sum : item_residual_sum_) {
    words.push_back(sum.low_word());
    words.push_back(sum.high_word());
  }
  out.u64s(words);
}

std::function<void()> EpsilonGreedyMfAgent::load_state(CheckpointReader& in) {
  in.expect_f64(mf_.epsilon, "epsilon");
  in.expect_u64(static_cast<std::uint64_t>(mf_.online_epochs), "online_epochs");
  in.expect_f64(mf_.online_learning_rate, "online_learning_rate");
  in.expect_f64(mf_.online_regularization, "online_regularization");
  in.expect_u64(mf_.pool_size, "pool_size");
  in.expect_u64(mf_.learn_item_biases ? 1 : 0, "learn_item_biases");
  in.expect_f64(mf_.item_prior_weight, "item_prior_weight");
  in.expect_u64(factors_, "factor count");
  in.expect_u64(item_model_fingerprint(), "item model fingerprint");
  std::vector<float> bias(user_bias_.size()), factors(user_factors_.size());
  in.f32s(bias, "user biases");
  in.f32s(factors, "user factors");
  std::vector<std::int64_t> feedback(item_feedback_.size());
  in.i64s(feedback, "item feedback counts");
  std::vector<std::uint64_t> words(item_residual_sum_.size() * 2);
  in.u64s(words, "item residual sums");
  return [this, bias = std::move(bias), factors = std::move(factors),
          feedback = std::move(feedback), words = std::move(words)]() mutable {
    user_bias_ = std::move(bias);
    user_factors_ = std::move(factors);
    item_feedback_ = std::move(feedback);
    for (std::size_t i = 0; i < item_residual_sum_.size(); ++i)
      item_residual_sum_[i] = FixedPointSum::from_words(words[2 * i], words[2 * i + 1]);
    refresh_items();
  };
}

}  // namespace lusifer
