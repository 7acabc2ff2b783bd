#include "engine/mock/latency_model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace lusifer::mock {
namespace {

using std::chrono::nanoseconds;

double seconds(nanoseconds d) noexcept {
  return static_cast<double>(d.count()) * 1e-9;
}

nanoseconds from_seconds(double s) noexcept {
  if (!(s > 0.0))
    return nanoseconds{0};
  // Beyond ~292 years a double no longer converts; the cap is far below.
  return nanoseconds{static_cast<std::int64_t>(std::min(s, 9.0e9) * 1e9)};
}

}  // namespace

std::string_view latency_distribution_name(LatencyDistribution distribution) noexcept {
  switch (distribution) {
    case LatencyDistribution::kNone:
      return "none";
    case LatencyDistribution::kFixed:
      return "fixed";
    case LatencyDistribution::kUniform:
      return "uniform";
    case LatencyDistribution::kExponential:
      return "exponential";
    case LatencyDistribution::kLogNormal:
      return "lognormal";
  }
  return "none";
}

std::optional<LatencyDistribution> parse_latency_distribution(std::string_view name) noexcept {
  for (const auto d :
       {LatencyDistribution::kNone, LatencyDistribution::kFixed, LatencyDistribution::kUniform,
        LatencyDistribution::kExponential, LatencyDistribution::kLogNormal}) {
    if (name == latency_distribution_name(d))
      return d;
  }
  if (name == "log-normal" || name == "log_normal")
    return LatencyDistribution::kLogNormal;
  return std::nullopt;
}

std::optional<std::string> check_latency_options(const LatencyOptions& o) {
  const auto negative = [](nanoseconds d) { return d.count() < 0; };
  if (negative(o.fixed) || negative(o.min) || negative(o.max) || negative(o.mean) ||
      negative(o.sd) || negative(o.per_output_token) || negative(o.cap)) {
    return std::string("latency durations must not be negative");
  }
  switch (o.distribution) {
    case LatencyDistribution::kNone:
    case LatencyDistribution::kFixed:
      break;
    case LatencyDistribution::kUniform:
      if (o.max < o.min)
        return fmt::format("uniform latency needs min <= max (min {} ns, max {} ns)", o.min.count(),
                           o.max.count());
      break;
    case LatencyDistribution::kExponential:
      if (o.mean <= o.min)
        return std::string("exponential latency needs a mean above its min");
      break;
    case LatencyDistribution::kLogNormal:
      if (o.mean.count() <= 0)
        return std::string("log-normal latency needs a positive mean");
      break;
  }
  return std::nullopt;
}

nanoseconds sample_latency(const LatencyOptions& o, Rng& rng,
                           std::int64_t completion_tokens) noexcept {
  nanoseconds base{0};
  switch (o.distribution) {
    case LatencyDistribution::kNone:
      break;
    case LatencyDistribution::kFixed:
      base = o.fixed;
      break;
    case LatencyDistribution::kUniform: {
      const auto span = static_cast<std::uint64_t>((o.max - o.min).count());
      base = o.min + nanoseconds{static_cast<std::int64_t>(
                         span == 0 ? 0 : rng.uniform_index(span == UINT64_MAX ? span : span + 1))};
      break;
    }
    case LatencyDistribution::kExponential: {
      // 1 - u is in (0, 1], so the logarithm is finite.
      const double u = 1.0 - rng.uniform01();
      base = o.min + from_seconds(-std::log(u) * seconds(o.mean - o.min));
      break;
    }
    case LatencyDistribution::kLogNormal: {
      const double mean = seconds(o.mean);
      const double sd = seconds(o.sd);
      const double sigma2 = std::log1p((sd * sd) / (mean * mean));
      const double mu = std::log(mean) - sigma2 / 2.0;
      base = from_seconds(std::exp(mu + std::sqrt(sigma2) * rng.normal()));
      break;
    }
  }
  const auto tokens = std::max<std::int64_t>(completion_tokens, 0);
  const double per_token = seconds(o.per_output_token) * static_cast<double>(tokens);
  const nanoseconds total = base + from_seconds(per_token);
  return std::min(total, o.cap);
}

}  // namespace lusifer::mock
