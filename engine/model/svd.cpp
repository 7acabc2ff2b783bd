#include "engine/model/svd.hpp"

#include <stdexcept>
#include <utility>

#include "engine/core/random.hpp"

namespace lusifer {
namespace {

// Four running sums instead of one: the additions no longer wait on each
// other, which makes the dominant loop of training about twice as fast. The
// result differs from a left-to-right sum only by rounding.
double dot_product(const double* a, const double* b, std::size_t n) noexcept {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t f = 0;
  for (; f + 4 <= n; f += 4) {
    s0 += a[f] * b[f];
    s1 += a[f + 1] * b[f + 1];
    s2 += a[f + 2] * b[f + 2];
    s3 += a[f + 3] * b[f + 3];
  }
  for (; f < n; ++f)
    s0 += a[f] * b[f];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

Svd::Svd(SvdOptions options) : options_(std::move(options)) {
  if (options_.n_factors < 0)
    throw std::invalid_argument("SVD: n_factors must be >= 0");
  if (options_.n_epochs < 0)
    throw std::invalid_argument("SVD: n_epochs must be >= 0");
  if (options_.init_std_dev < 0)
    throw std::invalid_argument("SVD: init_std_dev must be >= 0");
}

std::span<const double> Svd::user_factors(UserIndex user) const {
  if (user >= bu_.size())
    throw std::out_of_range("SVD: user index out of range");
  return std::span<const double>(pu_).subspan(user * factors_, factors_);
}

std::span<const double> Svd::item_factors(ItemIndex item) const {
  if (item >= bi_.size())
    throw std::out_of_range("SVD: item index out of range");
  return std::span<const double>(qi_).subspan(item * factors_, factors_);
}

void Svd::fit_model(const TrainingSet& train) {
  const SvdOptions& o = options_;
  const std::size_t nf = static_cast<std::size_t>(o.n_factors);
  factors_ = nf;
  bu_.assign(train.user_count(), 0.0);
  bi_.assign(train.item_count(), 0.0);
  pu_.resize(train.user_count() * nf);
  qi_.resize(train.item_count() * nf);
  Rng rng(o.seed);
  for (double& x : pu_)
    x = rng.normal(o.init_mean, o.init_std_dev);
  for (double& x : qi_)
    x = rng.normal(o.init_mean, o.init_std_dev);

  const double lr_bu = o.lr_bu.value_or(o.lr_all), lr_bi = o.lr_bi.value_or(o.lr_all);
  const double lr_pu = o.lr_pu.value_or(o.lr_all), lr_qi = o.lr_qi.value_or(o.lr_all);
  const double reg_bu = o.reg_bu.value_or(o.reg_all), reg_bi = o.reg_bi.value_or(o.reg_all);
  const double reg_pu = o.reg_pu.value_or(o.reg_all), reg_qi = o.reg_qi.value_or(o.reg_all);
  const double mu = o.biased ? train.global_mean() : 0.0;

  for (int epoch = 0; epoch < o.n_epochs; ++epoch) {
    for (const UserIndex u : train.users_in_order()) {
      double* const p = pu_.data() + u * nf;
      for (const auto& rating : train.user_ratings(u)) {
        const ItemIndex i = rating.other;
        double* const q = qi_.data() + i * nf;
        const double dot = dot_product(q, p, nf);
        const double err = rating.value - (mu + bu_[u] + bi_[i] + dot);
        if (o.biased) {
          bu_[u] += lr_bu * (err - reg_bu * bu_[u]);
          bi_[i] += lr_bi * (err - reg_bi * bi_[i]);
        }
        for (std::size_t f = 0; f < nf; ++f) {
          const double puf = p[f];
          const double qif = q[f];
          p[f] += lr_pu * (err * qif - reg_pu * puf);
          q[f] += lr_qi * (err * puf - reg_qi * qif);
        }
      }
    }
  }
}

double Svd::estimate_rating(UserIndex user, ItemIndex item) const {
  const bool known_user = knows_user(user);
  const bool known_item = knows_item(item);
  double dot = 0;
  if (known_user && known_item) {
    const double* p = pu_.data() + user * factors_;
    const double* q = qi_.data() + item * factors_;
    for (std::size_t f = 0; f < factors_; ++f)
      dot += q[f] * p[f];
  }
  if (!options_.biased)
    return known_user && known_item ? dot : global_mean();
  // Summed in Surprise's order, so that rounding matches too.
  double est = global_mean();
  if (known_user)
    est += bu_[user];
  if (known_item)
    est += bi_[item];
  if (known_user && known_item)
    est += dot;
  return est;
}

}  // namespace lusifer
