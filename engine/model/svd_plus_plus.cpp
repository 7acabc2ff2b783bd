#include "engine/model/svd_plus_plus.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "engine/core/random.hpp"

namespace lusifer {

struct SvdPlusPlus::Rates {
  double mu;
  double lr_bu, lr_bi, lr_pu, lr_qi, lr_yj;
  double reg_bu, reg_bi, reg_pu, reg_qi, reg_yj;
};

// Per-factor work arrays of a fit: the implicit term z, and the deferred
// sum of y and offset (see train_user_deferred).
struct SvdPlusPlus::Scratch {
  explicit Scratch(std::size_t factors) : z(factors), y_sum(factors), offset(factors) {}
  std::vector<double> z, y_sum, offset;
};

namespace {

// Past these, the deferred scale is folded into y before precision suffers.
constexpr double kMinDeferredScale = 1e-3;
constexpr double kMaxDeferredScale = 1e3;

}  // namespace

SvdPlusPlus::SvdPlusPlus(SvdPlusPlusOptions options) : options_(std::move(options)) {
  if (options_.n_factors < 0)
    throw std::invalid_argument("SVD++: n_factors must be >= 0");
  if (options_.n_epochs < 0)
    throw std::invalid_argument("SVD++: n_epochs must be >= 0");
  if (options_.init_std_dev < 0)
    throw std::invalid_argument("SVD++: init_std_dev must be >= 0");
}

std::span<const double> SvdPlusPlus::user_factors(UserIndex user) const {
  if (user >= bu_.size())
    throw std::out_of_range("SVD++: user index out of range");
  return std::span<const double>(pu_).subspan(user * factors_, factors_);
}

std::span<const double> SvdPlusPlus::item_factors(ItemIndex item) const {
  if (item >= bi_.size())
    throw std::out_of_range("SVD++: item index out of range");
  return std::span<const double>(qi_).subspan(item * factors_, factors_);
}

std::span<const double> SvdPlusPlus::implicit_item_factors(ItemIndex item) const {
  if (item >= bi_.size())
    throw std::out_of_range("SVD++: item index out of range");
  return std::span<const double>(yj_).subspan(item * factors_, factors_);
}

void SvdPlusPlus::fit_model(const TrainingSet& train) {
  const SvdPlusPlusOptions& o = options_;
  const std::size_t nf = static_cast<std::size_t>(o.n_factors);
  factors_ = nf;
  bu_.assign(train.user_count(), 0.0);
  bi_.assign(train.item_count(), 0.0);
  pu_.resize(train.user_count() * nf);
  qi_.resize(train.item_count() * nf);
  yj_.resize(train.item_count() * nf);
  Rng rng(o.seed);
  for (double& x : pu_)
    x = rng.normal(o.init_mean, o.init_std_dev);
  for (double& x : qi_)
    x = rng.normal(o.init_mean, o.init_std_dev);
  for (double& x : yj_)
    x = rng.normal(o.init_mean, o.init_std_dev);

  const Rates rates{
      train.global_mean(),          o.lr_bu.value_or(o.lr_all),   o.lr_bi.value_or(o.lr_all),
      o.lr_pu.value_or(o.lr_all),   o.lr_qi.value_or(o.lr_all),   o.lr_yj.value_or(o.lr_all),
      o.reg_bu.value_or(o.reg_all), o.reg_bi.value_or(o.reg_all), o.reg_pu.value_or(o.reg_all),
      o.reg_qi.value_or(o.reg_all), o.reg_yj.value_or(o.reg_all)};

  // Users who rated an item twice need the literal update (see the header).
  std::vector<std::uint8_t> repeats(train.user_count(), 0);
  {
    std::vector<std::uint32_t> seen(train.item_count(), 0);
    std::uint32_t stamp = 0;
    for (const UserIndex u : train.users_in_order()) {
      ++stamp;
      for (const auto& e : train.user_ratings(u)) {
        if (seen[e.other] == stamp)
          repeats[u] = 1;
        seen[e.other] = stamp;
      }
    }
  }

  Scratch scratch(nf);
  for (int epoch = 0; epoch < o.n_epochs; ++epoch) {
    for (const UserIndex u : train.users_in_order()) {
      if (repeats[u]) {
        train_user_literal(train, u, rates, scratch);
      } else {
        train_user_deferred(train, u, rates, scratch);
      }
    }
  }

  implicit_.assign(train.user_count() * nf, 0.0);
  for (const UserIndex u : train.users_in_order()) {
    const auto rated = train.user_ratings(u);
    double* const z = implicit_.data() + u * nf;
    for (const auto& e : rated) {
      const double* y = yj_.data() + e.other * nf;
      for (std::size_t f = 0; f < nf; ++f)
        z[f] += y[f];
    }
    const double sqrt_n = std::sqrt(static_cast<double>(rated.size()));
    for (std::size_t f = 0; f < nf; ++f)
      z[f] /= sqrt_n;
  }
}

void SvdPlusPlus::train_user_deferred(const TrainingSet& train, UserIndex u, const Rates& r,
                                      Scratch& scratch) {
  std::vector<double>& z = scratch.z;
  std::vector<double>& y_sum = scratch.y_sum;
  std::vector<double>& offset = scratch.offset;
  const std::size_t nf = factors_;
  const auto rated = train.user_ratings(u);
  const double n = static_cast<double>(rated.size());
  const double sqrt_n = std::sqrt(n);
  const double decay = 1.0 - r.lr_yj * r.reg_yj;
  double* const p = pu_.data() + u * nf;

  // The true y_j of every j in I_u is scale * yj_[j] + offset: one map for all.
  double scale = 1.0;
  const auto start = [&] {
    std::fill(y_sum.begin(), y_sum.end(), 0.0);
    std::fill(offset.begin(), offset.end(), 0.0);
    for (const auto& e : rated) {
      const double* y = yj_.data() + e.other * nf;
      for (std::size_t f = 0; f < nf; ++f)
        y_sum[f] += y[f];
    }
    scale = 1.0;
  };
  const auto write_back = [&] {
    for (const auto& e : rated) {
      double* y = yj_.data() + e.other * nf;
      for (std::size_t f = 0; f < nf; ++f)
        y[f] = scale * y[f] + offset[f];
    }
  };

  start();
  for (const auto& rating : rated) {
    const ItemIndex i = rating.other;
    double* const q = qi_.data() + i * nf;
    double dot = 0;
    for (std::size_t f = 0; f < nf; ++f) {
      z[f] = (scale * y_sum[f] + n * offset[f]) / sqrt_n;
      dot += q[f] * (p[f] + z[f]);
    }
    const double err = rating.value - (r.mu + bu_[u] + bi_[i] + dot);
    bu_[u] += r.lr_bu * (err - r.reg_bu * bu_[u]);
    bi_[i] += r.lr_bi * (err - r.reg_bi * bi_[i]);
    for (std::size_t f = 0; f < nf; ++f) {
      const double puf = p[f];
      const double qif = q[f];
      p[f] += r.lr_pu * (err * qif - r.reg_pu * puf);
      q[f] += r.lr_qi * (err * (puf + z[f]) - r.reg_qi * qif);
      offset[f] = decay * offset[f] + r.lr_yj * (err * qif / sqrt_n);
    }
    scale *= decay;
    if (std::abs(scale) < kMinDeferredScale || std::abs(scale) > kMaxDeferredScale) {
      write_back();
      start();
    }
  }
  write_back();
}

void SvdPlusPlus::train_user_literal(const TrainingSet& train, UserIndex u, const Rates& r,
                                     Scratch& scratch) {
  std::vector<double>& z = scratch.z;
  const std::size_t nf = factors_;
  const auto rated = train.user_ratings(u);
  const double sqrt_n = std::sqrt(static_cast<double>(rated.size()));
  double* const p = pu_.data() + u * nf;
  for (const auto& rating : rated) {
    const ItemIndex i = rating.other;
    double* const q = qi_.data() + i * nf;
    std::fill(z.begin(), z.end(), 0.0);
    for (const auto& e : rated) {
      const double* y = yj_.data() + e.other * nf;
      for (std::size_t f = 0; f < nf; ++f)
        z[f] += y[f] / sqrt_n;
    }
    double dot = 0;
    for (std::size_t f = 0; f < nf; ++f)
      dot += q[f] * (p[f] + z[f]);
    const double err = rating.value - (r.mu + bu_[u] + bi_[i] + dot);
    bu_[u] += r.lr_bu * (err - r.reg_bu * bu_[u]);
    bi_[i] += r.lr_bi * (err - r.reg_bi * bi_[i]);
    for (std::size_t f = 0; f < nf; ++f) {
      const double puf = p[f];
      const double qif = q[f];
      p[f] += r.lr_pu * (err * qif - r.reg_pu * puf);
      q[f] += r.lr_qi * (err * (puf + z[f]) - r.reg_qi * qif);
      const double step = err * qif / sqrt_n;
      for (const auto& e : rated) {
        double& y = yj_[e.other * nf + f];
        y += r.lr_yj * (step - r.reg_yj * y);
      }
    }
  }
}

double SvdPlusPlus::estimate_rating(UserIndex user, ItemIndex item) const {
  const bool known_user = knows_user(user);
  const bool known_item = knows_item(item);
  double est = global_mean();
  if (known_user)
    est += bu_[user];
  if (known_item)
    est += bi_[item];
  if (known_user && known_item) {
    const double* p = pu_.data() + user * factors_;
    const double* z = implicit_.data() + user * factors_;
    const double* q = qi_.data() + item * factors_;
    double dot = 0;
    for (std::size_t f = 0; f < factors_; ++f)
      dot += q[f] * (p[f] + z[f]);
    est += dot;
  }
  return est;
}

}  // namespace lusifer
