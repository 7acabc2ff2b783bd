#include "engine/limits/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace lusifer::limits {

// Layout, with S = bits_ and H = 2^(S-1):
//   index v                         for v < 2^S (bucket width 1);
//   index 2^S + (k-1)*H + (m - H)   for v in [2^(S+k-1), 2^(S+k)), k >= 1,
//                                   where m = v >> k is in [H, 2^S) (width 2^k).

LatencyHistogram::LatencyHistogram(int significant_bits, Duration highest)
    : bits_(significant_bits) {
  if (significant_bits < 2 || significant_bits > 20) {
    throw std::invalid_argument("latency histogram: significant_bits must be in [2, 20]");
  }
  if (highest <= Duration::zero()) {
    throw std::invalid_argument("latency histogram: highest must be > 0");
  }
  highest_ = static_cast<std::uint64_t>(highest.count());
  counts_.assign(index_of(highest_) + 1, 0);
}

std::size_t LatencyHistogram::index_of(std::uint64_t value) const noexcept {
  const std::uint64_t exact_limit = std::uint64_t{1} << bits_;
  if (value < exact_limit)
    return static_cast<std::size_t>(value);
  const std::uint64_t half = exact_limit >> 1;
  const int k = std::bit_width(value) - bits_;
  const std::uint64_t m = value >> k;
  return static_cast<std::size_t>(exact_limit + static_cast<std::uint64_t>(k - 1) * half +
                                  (m - half));
}

std::uint64_t LatencyHistogram::highest_in_bucket(std::size_t index) const noexcept {
  const std::uint64_t exact_limit = std::uint64_t{1} << bits_;
  if (index < exact_limit)
    return index;
  const std::uint64_t half = exact_limit >> 1;
  const std::uint64_t offset = index - exact_limit;
  const std::uint64_t k = offset / half + 1;
  const std::uint64_t m = offset % half + half;
  return ((m + 1) << k) - 1;
}

void LatencyHistogram::record(Duration latency) {
  const std::uint64_t value =
      latency.count() <= 0 ? 0 : static_cast<std::uint64_t>(latency.count());
  ++counts_[index_of(std::min(value, highest_))];
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  ++count_;
  sum_ += value;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.bits_ != bits_ || other.highest_ != highest_) {
    throw std::invalid_argument("latency histogram: cannot merge different layouts");
  }
  if (other.count_ == 0)
    return;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

Duration LatencyHistogram::mean() const noexcept {
  if (count_ == 0)
    return Duration::zero();
  return Duration(static_cast<Duration::rep>(sum_ / count_));
}

Duration LatencyHistogram::percentile(double q) const {
  if (!(q >= 0.0 && q <= 1.0)) {
    throw std::invalid_argument("latency histogram: percentile must be in [0, 1]");
  }
  if (count_ == 0)
    return Duration::zero();
  if (q == 0.0)
    return min();
  // The tiny shave keeps q * count from rounding up past an exact rank
  // (0.07 * 100 is 7.000000000000001 in binary).
  const double exact_rank = q * static_cast<double>(count_) * (1.0 - 1e-12);
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(exact_rank)));
  if (rank >= count_)
    return max();  // the largest value, exact even above `highest`
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t value = std::clamp(highest_in_bucket(i), min_, max_);
      return Duration(static_cast<Duration::rep>(value));
    }
  }
  return max();
}

double LatencyHistogram::relative_error() const noexcept {
  return std::ldexp(1.0, 1 - bits_);
}

}  // namespace lusifer::limits
