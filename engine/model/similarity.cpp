#include "engine/model/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace lusifer {
namespace {

// One rating of an entity y, seen from the matrix's side: the row of the
// rater x, and the rating (msd) or its deviation from the baseline
// (pearson_baseline).
struct Cell {
  std::uint32_t row;
  double value;
};

// Where a cell sits: its position in the cells array and the end of its y's
// range, so that a row visits only the raters of y placed after it.
struct Visit {
  std::size_t position;
  std::size_t end;
};

}  // namespace

std::string_view similarity_name(SimilarityKind kind) noexcept {
  switch (kind) {
    case SimilarityKind::kMsd:
      return "msd";
    case SimilarityKind::kPearsonBaseline:
      return "pearson_baseline";
  }
  return "unknown";
}

SimilarityMatrix::SimilarityMatrix(const TrainingSet& train, const SimilarityOptions& options,
                                   const Baselines& baselines)
    : user_based_(options.user_based) {
  const bool ub = options.user_based;
  const bool pearson = options.kind == SimilarityKind::kPearsonBaseline;
  const std::size_t entity_count = ub ? train.user_count() : train.item_count();
  const std::size_t other_count = ub ? train.item_count() : train.user_count();
  if (pearson) {
    const std::size_t bx = ub ? baselines.user.size() : baselines.item.size();
    const std::size_t by = ub ? baselines.item.size() : baselines.user.size();
    if (bx != entity_count || by != other_count) {
      throw std::invalid_argument("similarity: baselines do not match the training set");
    }
  }

  row_of_.assign(entity_count, -1);
  for (std::uint32_t x = 0; x < entity_count; ++x) {
    if (ub ? train.knows_user(x) : train.knows_item(x)) {
      row_of_[x] = static_cast<std::int64_t>(entities_.size());
      entities_.push_back(x);
    }
  }
  const std::size_t n = entities_.size();
  if (n > 0 && n > options.max_bytes / sizeof(double) / n) {
    throw std::length_error(
        fmt::format("similarity: a {0} x {0} matrix of {1} similarities exceeds the {2}-byte limit",
                    n, ub ? "user" : "item", options.max_bytes));
  }
  values_.assign(n * n, 0.0);

  // The raters of every y, sorted by row.
  const double mu = train.global_mean();
  std::vector<std::size_t> y_offsets(other_count + 1, 0);
  std::vector<Cell> cells;
  cells.reserve(train.rating_count());
  for (std::uint32_t y = 0; y < other_count; ++y) {
    const auto raters = ub ? train.item_ratings(y) : train.user_ratings(y);
    const std::size_t begin = cells.size();
    for (const auto& e : raters) {
      double value = e.value;
      if (pearson) {
        const double by = ub ? baselines.item[y] : baselines.user[y];
        const double bx = ub ? baselines.user[e.other] : baselines.item[e.other];
        value = e.value - ((mu + by) + bx);
      }
      cells.push_back(Cell{static_cast<std::uint32_t>(row_of_[e.other]), value});
    }
    std::stable_sort(cells.begin() + static_cast<std::ptrdiff_t>(begin), cells.end(),
                     [](const Cell& a, const Cell& b) { return a.row < b.row; });
    y_offsets[y + 1] = cells.size();
  }

  // Every row's cells, in y order.
  std::vector<std::size_t> row_offsets(n + 1, 0);
  for (const Cell& c : cells)
    ++row_offsets[c.row + 1];
  for (std::size_t r = 0; r < n; ++r)
    row_offsets[r + 1] += row_offsets[r];
  std::vector<Visit> visits(cells.size());
  {
    std::vector<std::size_t> cursor(row_offsets.begin(), row_offsets.end() - 1);
    for (std::size_t y = 0; y < other_count; ++y) {
      for (std::size_t p = y_offsets[y]; p < y_offsets[y + 1]; ++p) {
        visits[cursor[cells[p].row]++] = Visit{p, y_offsets[y + 1]};
      }
    }
  }

  // Row by row, accumulate the co-rating sums with every later row, then
  // turn them into similarities. Each pair of cells is visited once.
  std::vector<std::uint32_t> freq(n, 0);
  std::vector<double> sum_a(n, 0.0), sum_b(n, 0.0), sum_c(n, 0.0);
  const std::size_t min_support =
      static_cast<std::size_t>(std::max(pearson ? 2 : 0, options.min_support));
  for (std::uint32_t a = 0; a < n; ++a) {
    for (std::size_t v = row_offsets[a]; v < row_offsets[a + 1]; ++v) {
      const auto [position, end] = visits[v];
      const double va = cells[position].value;
      for (std::size_t q = position + 1; q < end; ++q) {
        const std::uint32_t b = cells[q].row;
        if (b == a)
          continue;  // the same rater again (a repeated rating)
        const double vb = cells[q].value;
        ++freq[b];
        if (pearson) {
          sum_a[b] += va * vb;
          sum_b[b] += va * va;
          sum_c[b] += vb * vb;
        } else {
          sum_a[b] += (va - vb) * (va - vb);
        }
      }
    }
    double* const row_a = values_.data() + static_cast<std::size_t>(a) * n;
    row_a[a] = 1.0;
    for (std::uint32_t b = a + 1; b < n; ++b) {
      double sim = 0.0;
      const std::size_t support = freq[b];
      if (support > 0 && support >= min_support) {
        if (pearson) {
          const double denominator = std::sqrt(sum_b[b] * sum_c[b]);
          if (denominator > 0) {
            const double shrunk = static_cast<double>(support - 1) /
                                  (static_cast<double>(support - 1) + options.shrinkage);
            sim = sum_a[b] / denominator * shrunk;
          }
        } else {
          sim = 1.0 / (sum_a[b] / static_cast<double>(support) + 1.0);
        }
      }
      row_a[b] = sim;
      values_[static_cast<std::size_t>(b) * n + a] = sim;
      freq[b] = 0;
      sum_a[b] = sum_b[b] = sum_c[b] = 0.0;
    }
  }
}

std::optional<std::uint32_t> SimilarityMatrix::row_of(std::uint32_t entity) const noexcept {
  if (entity >= row_of_.size() || row_of_[entity] < 0)
    return std::nullopt;
  return static_cast<std::uint32_t>(row_of_[entity]);
}

std::span<const double> SimilarityMatrix::row(std::uint32_t row) const {
  if (row >= size())
    throw std::out_of_range("similarity: row out of range");
  return std::span<const double>(values_).subspan(static_cast<std::size_t>(row) * size(), size());
}

double SimilarityMatrix::operator()(std::uint32_t a, std::uint32_t b) const noexcept {
  const auto ra = row_of(a);
  const auto rb = row_of(b);
  if (!ra || !rb)
    return 0.0;
  return values_[static_cast<std::size_t>(*ra) * size() + *rb];
}

}  // namespace lusifer
