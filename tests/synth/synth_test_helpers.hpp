#pragma once

// Small statistics the synthetic-world tests share.

#include <cmath>
#include <cstddef>
#include <vector>

namespace lusifer::testing {

inline double mean_of(const std::vector<double>& v) {
  double sum = 0.0;
  for (const double x : v)
    sum += x;
  return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

// Pearson correlation; 0 when either side is constant.
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = mean_of(a);
  const double mb = mean_of(b);
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return aa > 0.0 && bb > 0.0 ? ab / std::sqrt(aa * bb) : 0.0;
}

}  // namespace lusifer::testing
