#include "engine/limits/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/random.hpp"

using namespace lusifer::limits;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

namespace {

// Nearest-rank percentile of the exact values.
std::int64_t exact_percentile(std::vector<std::int64_t> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()) - 1e-9)));
  return values[rank - 1];
}

}  // namespace

TEST_CASE("percentiles match exact values within the bucket error", "[limits][histogram]") {
  LatencyHistogram histogram;  // 8 significant bits: <= 0.78%
  CHECK(histogram.relative_error() == Approx(1.0 / 128));
  lusifer::Rng rng(17);
  std::vector<std::int64_t> values;
  for (int i = 0; i < 20'000; ++i) {
    // Log-normal-ish latencies from ~1 ms to ~10 s, as LLM calls have.
    const double ns = std::exp(rng.normal(std::log(3e8), 1.5));
    const auto value = static_cast<std::int64_t>(std::min(ns, 3.0e12));
    values.push_back(value);
    histogram.record(nanoseconds(value));
  }
  CHECK(histogram.count() == values.size());
  for (const double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const auto exact = static_cast<double>(
        q == 0.0 ? *std::min_element(values.begin(), values.end()) : exact_percentile(values, q));
    const auto reported = static_cast<double>(histogram.percentile(q).count());
    INFO("q = " << q << ", exact " << exact << ", reported " << reported);
    CHECK(reported >= exact);
    CHECK(reported <= exact * (1.0 + histogram.relative_error()));
  }
  CHECK(histogram.max().count() == *std::max_element(values.begin(), values.end()));
  CHECK(histogram.min().count() == *std::min_element(values.begin(), values.end()));
}

TEST_CASE("small values are exact and the mean is exact", "[limits][histogram]") {
  LatencyHistogram histogram;
  for (int v = 1; v <= 100; ++v)
    histogram.record(nanoseconds(v));
  CHECK(histogram.percentile(0.5) == nanoseconds(50));
  CHECK(histogram.percentile(0.9) == nanoseconds(90));
  CHECK(histogram.percentile(0.07) == nanoseconds(7));  // 0.07 * 100 is not exactly 7
  CHECK(histogram.percentile(0.99) == nanoseconds(99));
  CHECK(histogram.percentile(1.0) == nanoseconds(100));
  CHECK(histogram.mean() == nanoseconds(50));  // 5050 / 100, truncated
}

TEST_CASE("bucket boundaries: the reported value is the bucket's highest", "[limits][histogram]") {
  LatencyHistogram histogram(4, milliseconds(1));  // exact below 16, then 8 buckets per octave
  histogram.record(nanoseconds(16));
  histogram.record(nanoseconds(17));  // 16 and 17 share a bucket of width 2
  histogram.record(nanoseconds(1000));
  CHECK(histogram.percentile(0.34) == nanoseconds(17));
  // 1000 lies in [960, 1023], clamped to the exact max.
  CHECK(histogram.percentile(1.0) == nanoseconds(1000));
  LatencyHistogram single(4, milliseconds(1));
  single.record(nanoseconds(1000));
  CHECK(single.percentile(0.5) == nanoseconds(1000));  // clamped to [min, max]
}

TEST_CASE("memory is bounded and values above the range keep an exact max", "[limits][histogram]") {
  LatencyHistogram histogram(8, hours(1));
  CHECK(histogram.bucket_count() == 4562);  // 36.5 KB of counters
  histogram.record(hours(5));
  histogram.record(microseconds(5));
  CHECK(histogram.bucket_count() == 4562);
  CHECK(histogram.max() == hours(5));
  CHECK(histogram.percentile(1.0) == hours(5));
  CHECK(histogram.percentile(0.5) == microseconds(5) + nanoseconds(23));  // [4992, 5023]
  histogram.record(nanoseconds(-3));  // a clock step is recorded as 0
  CHECK(histogram.min() == nanoseconds(0));
}

TEST_CASE("merging equals recording everything in one histogram", "[limits][histogram]") {
  LatencyHistogram a, b, all;
  for (int i = 1; i <= 500; ++i) {
    const nanoseconds v(i * 7919LL % 100'000 + 1);
    (i % 2 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  for (const double q : {0.1, 0.5, 0.9, 0.99})
    CHECK(a.percentile(q) == all.percentile(q));
  CHECK(a.mean() == all.mean());
  CHECK(a.min() == all.min());
  LatencyHistogram other_layout(6);
  CHECK_THROWS_AS(a.merge(other_layout), std::invalid_argument);
  CHECK_THROWS_AS(a.percentile(1.5), std::invalid_argument);
  CHECK(LatencyHistogram().percentile(0.5) == nanoseconds(0));
}
