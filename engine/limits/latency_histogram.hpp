#pragma once

// Latency percentiles in bounded memory: a log-linear histogram in the manner
// of HdrHistogram.
//
// Values are nanoseconds. Values below 2^significant_bits get a bucket each
// (exact); above, each power-of-two range is cut into 2^(significant_bits-1)
// equal buckets, so a bucket is at most 2^-(significant_bits-1) of its values
// wide (0.78% with the default 8 bits). Values above `highest` share the top
// bucket; the maximum is still kept exactly. Memory is fixed at construction:
// with the defaults (8 bits, one hour) 4,562 counters, 36.5 KB.
//
// `percentile(q)` is nearest-rank: the smallest recorded value v such that at
// least q of the values are <= v, reported as the highest value of v's bucket
// (clamped to [min, max]). So it is never below the exact percentile and at
// most one bucket width above it (relative error <= relative_error()).
// p(0) is the minimum and p(1) the maximum, both exact. Percentiles that fall
// among values above `highest` are reported as the top bucket's bound.
//
// Thread-safety: none; merge per-worker histograms instead of sharing one.
// Errors: invalid configuration, q outside [0, 1] and merging histograms of
// different layouts throw std::invalid_argument.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/limits/clock.hpp"

namespace lusifer::limits {

class LatencyHistogram {
 public:
  explicit LatencyHistogram(int significant_bits = 8, Duration highest = std::chrono::hours(1));

  // Negative latencies (a clock step) are recorded as zero.
  void record(Duration latency);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const noexcept { return count_; }
  Duration min() const noexcept { return Duration(count_ == 0 ? 0 : min_); }
  Duration max() const noexcept { return Duration(max_); }
  Duration mean() const noexcept;
  Duration percentile(double q) const;

  // The largest relative width of a bucket: 2^-(significant_bits-1).
  double relative_error() const noexcept;
  std::size_t bucket_count() const noexcept { return counts_.size(); }

 private:
  std::size_t index_of(std::uint64_t value) const noexcept;
  std::uint64_t highest_in_bucket(std::size_t index) const noexcept;

  int bits_;
  std::uint64_t highest_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  // Exact sum for the mean; 2^64 ns is 584 years of summed latency.
  std::uint64_t sum_ = 0;
};

}  // namespace lusifer::limits
